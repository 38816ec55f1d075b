import { controlActivities } from '../activities/control-domain';
import { startConfiguredApprovalWebhook } from '../platform/approvals/approval-webhook';
import { runDomainWorkerProcess } from './domain-worker';

// The SMS approval webhook runs in this process when NEMO_APPROVAL_WEBHOOK_PORT is set.
runDomainWorkerProcess({
  domain: 'control',
  activities: controlActivities,
  services: startConfiguredApprovalWebhook,
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
