import { proxyActivities } from '@temporalio/workflow';
import type { AlertActivities } from '../../activities/operations/alert-activities';
import { TASK_QUEUES } from '../../policies/domains';
import { ALERT_DELIVERY } from '../activity-options';

/**
 * The operator alert as a workflow of any domain reaches it: `raiseAlert({severity, title, body, dedupeKey?})` runs
 * on the control worker (capability alert.raise), which holds the SMS and email credentials.
 */
export const { raiseAlert, flushHeldAlerts } = proxyActivities<AlertActivities>({
  taskQueue: TASK_QUEUES.control,
  ...ALERT_DELIVERY,
});
