import os from 'node:os';
import type { Client } from '@temporalio/client';
import { DOMAINS, TASK_QUEUES, type Domain } from '../policies/domains';

/**
 * Whether each domain's worker is alive, from its task queue's pollers (not from the last heartbeat). Temporal keeps
 * listing a poller for minutes after its process died, so a poller counts only if it polled within POLLER_FRESH_MS:
 * a live worker re-polls at least every long-poll timeout (about a minute), even when idle.
 */
export const POLLER_FRESH_MS = 75_000;

const WORKFLOW_QUEUE = 1; // TASK_QUEUE_TYPE_WORKFLOW
const ACTIVITY_QUEUE = 2; // TASK_QUEUE_TYPE_ACTIVITY

export interface WorkerLiveness {
  domain: Domain;
  taskQueue: string;
  workflowPollers: number;
  activityPollers: number;
  /** The newest poll of any of its pollers, listed or stale; null when Temporal lists none. */
  lastPolledAt: string | null;
  /** The identities of its fresh workflow pollers: one per worker process (`workerIdentity`). */
  identities: string[];
}

/** A worker's identity in Temporal: its process name (`live`, `live#2`), host and pid, as it would be on several hosts. */
export const workerIdentity = (name: string, pid: number, host = os.hostname()) => `nemo-${name}@${host}/${pid}`;

export const isAlive = (w: Pick<WorkerLiveness, 'workflowPollers' | 'activityPollers'>) =>
  w.workflowPollers > 0 || w.activityPollers > 0;

async function pollers(
  client: Client,
  taskQueue: string,
  taskQueueType: number,
  now: number,
): Promise<{ fresh: number; newest: number; identities: string[] }> {
  const answer = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: 1 },
    taskQueueType,
  });
  const listed = (answer.pollers ?? []).map((p) => ({
    identity: p.identity ?? '?',
    at: p.lastAccessTime?.seconds ? Number(p.lastAccessTime.seconds) * 1000 : 0,
  }));
  const fresh = listed.filter((p) => now - p.at <= POLLER_FRESH_MS);
  return {
    fresh: fresh.length,
    newest: Math.max(0, ...listed.map((p) => p.at)),
    identities: fresh.map((p) => p.identity),
  };
}

export async function observeWorkers(client: Client, domains: readonly Domain[] = DOMAINS): Promise<WorkerLiveness[]> {
  const now = Date.now();
  return Promise.all(
    domains.map(async (domain) => {
      const [workflow, activity] = await Promise.all([
        pollers(client, TASK_QUEUES[domain], WORKFLOW_QUEUE, now),
        pollers(client, TASK_QUEUES[domain], ACTIVITY_QUEUE, now),
      ]);
      const newest = Math.max(workflow.newest, activity.newest);
      return {
        domain,
        taskQueue: TASK_QUEUES[domain],
        workflowPollers: workflow.fresh,
        activityPollers: activity.fresh,
        lastPolledAt: newest > 0 ? new Date(newest).toISOString() : null,
        identities: workflow.identities,
      };
    }),
  );
}
