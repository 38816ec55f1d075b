import { publishCheckpoint, type Publication } from '../../ledger/ledger-store';
import { observeWorkers, type WorkerLiveness } from '../../platform/worker-liveness';
import type { WorkerContext } from '../../platform/worker-context';

export type DomainWorkerSighting = WorkerLiveness;

export function createHeartbeatActivities(ctx: Pick<WorkerContext, 'temporal' | 'ledgerPool' | 'home'>) {
  return {
    /** Which domain workers are polling their queues right now. */
    async observeDomainWorkers(): Promise<DomainWorkerSighting[]> {
      return observeWorkers(ctx.temporal);
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
