import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, msToNumber } from '@temporalio/common';
import type { LedgerEntry } from '../../ledger/entry';
import { latestEntry, ledgerHead, readCheckpoint, readEntries, verifyTail } from '../../ledger/ledger-store';
import {
  failedWorkflowTrigger,
  heartbeatMissed,
  ledgerBreakTrigger,
  missedHeartbeatTrigger,
  SELF_REPORTING_WORKFLOWS,
  triggerFromLedgerEntry,
  type IncidentTrigger,
} from '../../policies/incident-triggers';
import type { WorkerContext } from '../../platform/worker-context';

/**
 * What the incident watch looks at each run: the ledger entries written since its cursor by code that does not open
 * incidents itself (domain violations, injection attempts, forged approval signals, breaker trips), workflows that
 * failed since (an activity past its retries), whether the heartbeat is still beating, and whether the ledger chain
 * still extends its newest published head.
 */
export interface WatchCursor {
  /** Ledger entries up to here were read. */
  throughSeq: number;
  /** Workflows closed up to here were read. */
  failuresThrough: string;
}

export interface WatchScan {
  triggers: IncidentTrigger[];
  cursor: WatchCursor;
  /** The cursor moved (or this is the first run): the watch records it. */
  advanced: boolean;
}

const BATCH = 200;
const FAILED_RUNS = 50;

export function createIncidentWatchActivities(ctx: Pick<WorkerContext, 'ledgerPool' | 'temporal' | 'home'>) {
  const pool = ctx.ledgerPool;

  async function ledgerTriggers(afterSeq: number): Promise<{ triggers: IncidentTrigger[]; throughSeq: number }> {
    const batches = await Promise.all([
      readEntries(pool, { kindPrefix: 'security.', afterSeq, limit: BATCH }),
      readEntries(pool, { kind: 'guardian.transition', afterSeq, limit: BATCH }),
    ]);
    // A full batch may have more behind it: read only up to the lowest full batch's end, the rest next run.
    const ends = batches.filter((b) => b.length === BATCH).map((b) => b.at(-1)!.seq);
    const upTo = ends.length > 0 ? Math.min(...ends) : Number.POSITIVE_INFINITY;
    const entries: LedgerEntry[] = batches
      .flat()
      .filter((e) => e.seq <= upTo)
      .sort((a, b) => a.seq - b.seq);
    return {
      triggers: entries.map(triggerFromLedgerEntry).filter((t): t is IncidentTrigger => t !== undefined),
      throughSeq: entries.at(-1)?.seq ?? afterSeq,
    };
  }

  async function failedRuns(since: string): Promise<{ triggers: IncidentTrigger[]; through: string }> {
    const triggers: IncidentTrigger[] = [];
    let through = since;
    const query = `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut') AND CloseTime > '${since}'`;
    for await (const run of ctx.temporal.workflow.list({ query, pageSize: FAILED_RUNS })) {
      const closedAt = run.closeTime?.toISOString() ?? since;
      if (closedAt > through) through = closedAt;
      // An incident that fails is in its own ledger record and log (opening another for it would loop); a heartbeat
      // opens its own.
      if (run.workflowId.startsWith('incident/') || SELF_REPORTING_WORKFLOWS.includes(run.type)) continue;
      let failure = run.status.name === 'TIMED_OUT' ? 'the workflow timed out' : 'failed';
      try {
        await ctx.temporal.workflow.getHandle(run.workflowId, run.runId).result();
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          const deepest = deepestFailure(err);
          // A refused domain violation is a security event with its own ledger entry (a security breach), not a fault.
          if (deepest.type === 'DomainViolation') continue;
          failure = deepest.message;
        }
      }
      triggers.push(
        failedWorkflowTrigger({
          workflowType: run.type,
          workflowId: run.workflowId,
          runId: run.runId,
          closedAt,
          failure,
        }),
      );
      if (triggers.length >= FAILED_RUNS) break;
    }
    return { triggers, through };
  }

  return {
    /** capability ledger.read: the triggers since the last recorded cursor (`incident.watch` entries). */
    async scanIncidentTriggers(request: { heartbeatEvery: string }): Promise<WatchScan> {
      const now = Date.now();
      const recorded = await latestEntry(pool, 'incident.watch');
      // The first run watches from now on: on a ledger with history (NEMO upgraded to this watch), past events were
      // alerted when they happened and would only flood the operator with incidents long resolved.
      const cursor: WatchCursor = recorded
        ? { throughSeq: Number(recorded.payload.throughSeq), failuresThrough: String(recorded.payload.failuresThrough) }
        : { throughSeq: (await ledgerHead(pool)).seq, failuresThrough: new Date(now).toISOString() };
      const ledger = await ledgerTriggers(cursor.throughSeq);
      const failed = await failedRuns(cursor.failuresThrough);
      const triggers = [...ledger.triggers, ...failed.triggers];

      const heartbeat = await latestEntry(pool, 'heartbeat');
      const [firstEntry] = await readEntries(pool, { limit: 1 });
      const intervalMs = msToNumber(request.heartbeatEvery as '5m');
      const lastHeartbeatAt = heartbeat ? Date.parse(heartbeat.recordedAt) : undefined;
      if (
        heartbeatMissed({
          now,
          intervalMs,
          lastHeartbeatAt,
          ledgerSince: firstEntry ? Date.parse(firstEntry.recordedAt) : undefined,
        })
      ) {
        triggers.push(missedHeartbeatTrigger({ now, intervalMs, lastHeartbeatAt, lastHeartbeatSeq: heartbeat?.seq }));
      }
      // The chain's tail, from the newest published head to now: a rewrite is caught within a minute, not at the next
      // heartbeat.
      const tail = await verifyTail(pool, ctx.home.ledgerCheckpoints);
      if (!tail.ok) {
        triggers.push(
          ledgerBreakTrigger({
            ...tail.firstBreak!,
            previous: readCheckpoint(ctx.home.ledgerCheckpoints),
            at: new Date(now).toISOString(),
            source: 'incident-watch',
          }),
        );
      }
      const next = { throughSeq: ledger.throughSeq, failuresThrough: failed.through };
      return {
        triggers,
        cursor: next,
        advanced: !recorded || next.throughSeq !== cursor.throughSeq || next.failuresThrough !== cursor.failuresThrough,
      };
    },
  };
}

/** The innermost failure: for a workflow failed by an activity, the activity's own error and its type. */
function deepestFailure(err: Error): { message: string; type?: string } {
  let deepest: { message: string; type?: string } = { message: err.message };
  for (let current: Error | undefined = err; current; current = (current as { cause?: Error }).cause) {
    if (current.message)
      deepest = {
        message: current.message,
        type: current instanceof ApplicationFailure ? (current.type ?? undefined) : deepest.type,
      };
  }
  return deepest;
}

export type IncidentWatchActivities = ReturnType<typeof createIncidentWatchActivities>;
