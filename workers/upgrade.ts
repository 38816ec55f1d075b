import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'upgrade', activities: () => ({}) }).catch((err) => {
  console.error(err);
  process.exit(1);
});
