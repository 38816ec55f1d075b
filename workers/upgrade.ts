import { upgradeActivities } from '../activities/upgrade-domain';
import { runDomainWorkerProcess } from './domain-worker';

runDomainWorkerProcess({ domain: 'upgrade', activities: upgradeActivities }).catch((err) => {
  console.error(err);
  process.exit(1);
});
