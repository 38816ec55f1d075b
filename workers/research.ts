import { researchActivities } from '../activities/research-domain';
import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'research', activities: researchActivities }).catch((err) => {
  console.error(err);
  process.exit(1);
});
