import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type { Json } from '../ledger/canonical-json';
import type { LedgerEntry } from '../ledger/entry';
import { appendEntry, LedgerConflictError, LedgerInputError } from '../ledger/ledger-store';
import type { Domain } from '../policies/domains';

export interface LedgerAppendRequest {
  kind: string;
  account: string;
  payload: { [key: string]: Json };
  /** Defaults to the calling workflow run and activity id, which is stable across retries of this activity. */
  idempotencyKey?: string;
}

export interface LedgerReceipt {
  seq: number;
  hash: string;
  duplicate: boolean;
}

/** The domain written on each entry is the host worker's, never what the workflow claims. */
export function createLedgerActivities(pool: pg.Pool, domain: Domain) {
  return {
    async appendLedgerEntry(request: LedgerAppendRequest): Promise<LedgerReceipt> {
      const info = Context.current().info;
      const run = info.workflowExecution;
      if (!request.idempotencyKey && !run) {
        throw ApplicationFailure.nonRetryable('a ledger append outside a workflow needs an idempotencyKey', 'LedgerInputError');
      }
      const idempotencyKey = request.idempotencyKey ?? `${run!.workflowId}:${run!.runId}:${info.activityId}`;
      try {
        const { entry, duplicate } = await appendEntry(pool, { ...request, domain, idempotencyKey });
        return { seq: entry.seq, hash: entry.hash, duplicate };
      } catch (err) {
        if (err instanceof LedgerConflictError || err instanceof LedgerInputError) {
          throw ApplicationFailure.nonRetryable(err.message, err.name);
        }
        throw err;
      }
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
export type { LedgerEntry };
