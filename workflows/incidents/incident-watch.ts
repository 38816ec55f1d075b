import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { IncidentWatchActivities } from '../../activities/incidents/incident-watch';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { INCIDENT_STEP } from '../activity-options';
import { incidentActivities } from './incident-protocol';
import { ledgerOf } from '../operations/ledger';

const { scanIncidentTriggers } = proxyActivities<IncidentWatchActivities>({
  taskQueue: TASK_QUEUES.control,
  ...INCIDENT_STEP,
});
const { appendLedgerEntry } = ledgerOf('control');

/**
 * Scheduled every NEMO_INCIDENT_WATCH_EVERY: opens an incident for each trigger found since the last run (breaker
 * trips, domain violations, injection attempts, forged approval signals, failed workflows, a missed heartbeat) and
 * records how far it read. Each trigger goes to the incident of its cause, so a trigger seen twice, or many of one
 * cause, make one incident.
 */
export async function incidentWatch(input: {
  heartbeatEvery: string;
}): Promise<{ triggers: number; incidents: string[] }> {
  const scan = await scanIncidentTriggers(input);
  const incidents = new Set<string>();
  for (const trigger of scan.triggers) incidents.add((await incidentActivities.openIncident(trigger)).incidentId);
  if (scan.advanced) {
    const { workflowId, runId } = workflowInfo();
    await appendLedgerEntry({
      kind: 'incident.watch',
      account: SYSTEM_ACCOUNT,
      payload: { ...scan.cursor, triggers: scan.triggers.length, incidents: [...incidents] },
      idempotencyKey: `incident.watch:${workflowId}:${runId}`,
    });
  }
  return { triggers: scan.triggers.length, incidents: [...incidents] };
}
