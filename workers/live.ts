import { liveActivities } from '../activities/live-domain';
import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'live', activities: liveActivities }).catch((err) => {
  console.error(err);
  process.exit(1);
});
