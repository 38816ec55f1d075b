import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'paper', activities: () => ({}) }).catch((err) => {
  console.error(err);
  process.exit(1);
});
