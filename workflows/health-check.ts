import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { HealthActivities, HealthReport } from '../activities/health';
import { SYSTEM_ACCOUNT } from '../ledger/entry';
import { TASK_QUEUES } from '../policies/domains';
import { HEALTH_PROBE } from './activity-options';
import { ledgerOf } from './ledger';

const { probeHealth } = proxyActivities<HealthActivities>({ taskQueue: TASK_QUEUES.control, ...HEALTH_PROBE });
const { appendLedgerEntry } = ledgerOf('control');

/** seed: "API health checks every 15 minutes": Temporal, PostgreSQL and each configured venue and service. */
export async function healthCheck(): Promise<HealthReport> {
  const report = await probeHealth();
  await appendLedgerEntry({
    kind: 'health.check',
    account: SYSTEM_ACCOUNT,
    payload: { checkedAt: report.checkedAt, allUp: report.allUp, checks: report.checks.map((c) => ({ ...c })) },
    idempotencyKey: `health:${workflowInfo().workflowId}:${workflowInfo().runId}`,
  });
  return report;
}
