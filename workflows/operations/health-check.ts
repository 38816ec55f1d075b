import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { HealthActivities } from '../../activities/operations/health';
import type { IncidentActivities } from '../../activities/incidents/incident-activities';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { failedHealthTrigger } from '../../policies/incident-triggers';
import { HEALTH_PROBE, INCIDENT_STEP } from '../activity-options';
import { ledgerOf } from './ledger';
import type { HealthReport } from '../../platform/health-probe';

const { probeHealth } = proxyActivities<HealthActivities>({ taskQueue: TASK_QUEUES.control, ...HEALTH_PROBE });
const { openIncident } = proxyActivities<IncidentActivities>({ taskQueue: TASK_QUEUES.control, ...INCIDENT_STEP });
const { appendLedgerEntry } = ledgerOf('control');

/** seed: "API health checks every 15 minutes": Temporal, PostgreSQL, each venue and each configured alert channel. */
export async function healthCheck(): Promise<HealthReport> {
  const report = await probeHealth();
  await appendLedgerEntry({
    kind: 'health.check',
    account: SYSTEM_ACCOUNT,
    payload: { checkedAt: report.checkedAt, allUp: report.allUp, checks: report.checks.map((c) => ({ ...c })) },
    idempotencyKey: `health:${workflowInfo().workflowId}:${workflowInfo().runId}`,
  });
  // A dependency down opens a technical-failure incident (one per set of failing dependencies), which re-checks it.
  if (!report.allUp)
    await openIncident(failedHealthTrigger(report, `health:${workflowInfo().workflowId}:${workflowInfo().runId}`));
  return report;
}
