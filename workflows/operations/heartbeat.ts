import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { HeartbeatActivities } from '../../activities/operations/heartbeat';
import type { IncidentActivities } from '../../activities/incidents/incident-activities';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { failedHeartbeatTrigger, ledgerBreakTrigger } from '../../policies/incident-triggers';
import { HEALTH_PROBE, INCIDENT_STEP } from '../activity-options';
import { ledgerOf } from './ledger';

const { observeDomainWorkers, publishLedgerCheckpoint } = proxyActivities<HeartbeatActivities>({
  taskQueue: TASK_QUEUES.control,
  ...HEALTH_PROBE,
});
const { appendLedgerEntry } = ledgerOf('control');
const { openIncident } = proxyActivities<IncidentActivities>({ taskQueue: TASK_QUEUES.control, ...INCIDENT_STEP });

/**
 * seed: "Heartbeat every 5 minutes". Records which domain workers are alive and publishes the ledger head; a chain
 * that does not extend the last published head is never published but opens a security-breach incident at once.
 */
export async function heartbeat(): Promise<{ seq: number; workersDown: string[] }> {
  try {
    return await beat();
  } catch (err) {
    // A failed heartbeat opens a technical-failure incident, unless an incident is running it as its restart.
    const { workflowId, runId, parent } = workflowInfo();
    if (!parent)
      await openIncident(
        failedHeartbeatTrigger({
          workflowId,
          runId,
          at: new Date(Date.now()).toISOString(),
          failure: (err as Error).message,
        }),
      );
    throw err;
  }
}

async function beat(): Promise<{ seq: number; workersDown: string[] }> {
  const workers = await observeDomainWorkers();
  const publication = await publishLedgerCheckpoint();
  if ('broken' in publication) {
    await openIncident(
      ledgerBreakTrigger({
        ...publication.broken,
        previous: publication.previous,
        at: new Date(Date.now()).toISOString(),
        source: 'heartbeat',
      }),
    );
  }
  const workersDown = workers.filter((w) => w.workflowPollers === 0 && w.activityPollers === 0).map((w) => w.domain);
  const receipt = await appendLedgerEntry({
    kind: 'heartbeat',
    account: SYSTEM_ACCOUNT,
    payload: {
      workers: workers.map((w) => ({ ...w })),
      workersDown,
      ledgerCheckpoint: 'published' in publication ? { ...publication.published } : null,
      ledgerBreak: 'broken' in publication ? { ...publication.broken } : null,
    },
    idempotencyKey: `heartbeat:${workflowInfo().workflowId}:${workflowInfo().runId}`,
  });
  return { seq: receipt.seq, workersDown };
}
