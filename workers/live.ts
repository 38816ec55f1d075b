import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'live', activities: () => ({}) }).catch((err) => {
  console.error(err);
  process.exit(1);
});
