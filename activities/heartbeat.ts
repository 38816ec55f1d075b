import { publishCheckpoint, type Publication } from '../ledger/ledger-store';
import { DOMAINS, TASK_QUEUES, type Domain } from '../policies/domains';
import type { WorkerContext } from '../workers/worker-context';

export interface DomainWorkerSighting {
  domain: Domain;
  taskQueue: string;
  workflowPollers: number;
  activityPollers: number;
}

const WORKFLOW_QUEUE = 1; // TASK_QUEUE_TYPE_WORKFLOW
const ACTIVITY_QUEUE = 2; // TASK_QUEUE_TYPE_ACTIVITY

export function createHeartbeatActivities(ctx: Pick<WorkerContext, 'temporal' | 'ledgerPool' | 'home'>) {
  const pollers = async (taskQueue: string, taskQueueType: number) => {
    const answer = await ctx.temporal.workflowService.describeTaskQueue({
      namespace: ctx.temporal.options.namespace,
      taskQueue: { name: taskQueue, kind: 1 },
      taskQueueType,
    });
    return answer.pollers?.length ?? 0;
  };
  return {
    /** Which domain workers are polling their queues right now. */
    async observeDomainWorkers(): Promise<DomainWorkerSighting[]> {
      return Promise.all(
        DOMAINS.map(async (domain) => ({
          domain,
          taskQueue: TASK_QUEUES[domain],
          workflowPollers: await pollers(TASK_QUEUES[domain], WORKFLOW_QUEUE),
          activityPollers: await pollers(TASK_QUEUES[domain], ACTIVITY_QUEUE),
        })),
      );
    },

    /**
     * Publishes the ledger's head outside the database (seed: append-only; caught even if rewritten), only after the
     * chain verified from the last published head to it; a break is returned instead and nothing is published. The
     * result lands in this heartbeat's Temporal history too: one more witness the database owner cannot reach.
     */
    async publishLedgerCheckpoint(): Promise<Publication> {
      return publishCheckpoint(ctx.ledgerPool, ctx.home.ledgerCheckpoints);
    },
  };
}

export type HeartbeatActivities = ReturnType<typeof createHeartbeatActivities>;
