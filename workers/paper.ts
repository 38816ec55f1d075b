import { paperActivities } from '../activities/paper-domain';
import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'paper', activities: paperActivities }).catch((err) => {
  console.error(err);
  process.exit(1);
});
