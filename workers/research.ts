import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'research', activities: () => ({}) }).catch((err) => {
  console.error(err);
  process.exit(1);
});
