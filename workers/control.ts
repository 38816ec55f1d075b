import { controlActivities } from '../activities/control-domain';
import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'control', activities: controlActivities }).catch((err) => {
  console.error(err);
  process.exit(1);
});
