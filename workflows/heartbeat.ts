import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { HeartbeatActivities } from '../activities/heartbeat';
import { SYSTEM_ACCOUNT } from '../ledger/entry';
import { TASK_QUEUES } from '../policies/domains';
import { HEALTH_PROBE } from './activity-options';
import { ledgerOf } from './ledger';

const { observeDomainWorkers, publishLedgerCheckpoint } = proxyActivities<HeartbeatActivities>({
  taskQueue: TASK_QUEUES.control,
  ...HEALTH_PROBE,
});
const { appendLedgerEntry } = ledgerOf('control');

/** seed: "Heartbeat every 5 minutes". Records which domain workers are alive and publishes the ledger head. */
export async function heartbeat(): Promise<{ seq: number; workersDown: string[] }> {
  const workers = await observeDomainWorkers();
  const checkpoint = await publishLedgerCheckpoint();
  const workersDown = workers.filter((w) => w.workflowPollers === 0 && w.activityPollers === 0).map((w) => w.domain);
  const receipt = await appendLedgerEntry({
    kind: 'heartbeat',
    account: SYSTEM_ACCOUNT,
    payload: { workers: workers.map((w) => ({ ...w })), workersDown, ledgerCheckpoint: { ...checkpoint } },
    idempotencyKey: `heartbeat:${workflowInfo().workflowId}:${workflowInfo().runId}`,
  });
  return { seq: receipt.seq, workersDown };
}
