import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../../activities/operations/audits';
import { TASK_QUEUES } from '../../policies/domains';
import { REPORT_WRITE } from '../activity-options';

const { snapshotAccounts } = proxyActivities<AuditActivities>({ taskQueue: TASK_QUEUES.control, ...REPORT_WRITE });

/** Scheduled every NEMO_SNAPSHOT_EVERY: each running guardian's equity and exposure, the reports' chart data. */
export async function accountSnapshot(): Promise<{ accounts: string[] }> {
  return snapshotAccounts();
}
