import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type { Json } from '../../ledger/canonical-json';
import type { LedgerEntry } from '../../ledger/entry';
import type { LedgerAppend } from '../../ledger/entry';
import { appendEntries, LedgerConflictError, LedgerInputError } from '../../ledger/ledger-store';
import type { Domain } from '../../policies/domains';

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
  /** The key of an entry a workflow gave none: its run and activity id (and position), stable across retries. */
  function keyed(request: LedgerAppendRequest, index: number): LedgerAppend {
    const info = Context.current().info;
    const run = info.workflowExecution;
    if (!request.idempotencyKey && !run) {
      throw ApplicationFailure.nonRetryable(
        'a ledger append outside a workflow needs an idempotencyKey',
        'LedgerInputError',
      );
    }
    const idempotencyKey =
      request.idempotencyKey ?? `${run!.workflowId}:${run!.runId}:${info.activityId}${index > 0 ? `:${index}` : ''}`;
    return { ...request, domain, idempotencyKey };
  }

  async function append(requests: LedgerAppendRequest[]): Promise<LedgerReceipt[]> {
    try {
      const results = await appendEntries(pool, requests.map(keyed));
      return results.map(({ entry, duplicate }) => ({ seq: entry.seq, hash: entry.hash, duplicate }));
    } catch (err) {
      if (err instanceof LedgerConflictError || err instanceof LedgerInputError) {
        throw ApplicationFailure.nonRetryable(err.message, err.name);
      }
      throw err;
    }
  }

  return {
    async appendLedgerEntry(request: LedgerAppendRequest): Promise<LedgerReceipt> {
      return (await append([request]))[0]!;
    },

    /** Several facts of one step in one transaction (all or none), each chained and idempotent on its own key. */
    async appendLedgerEntries(requests: LedgerAppendRequest[]): Promise<LedgerReceipt[]> {
      if (!Array.isArray(requests) || requests.length === 0) {
        throw ApplicationFailure.nonRetryable('appendLedgerEntries needs at least one entry', 'LedgerInputError');
      }
      return append(requests);
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
export type { LedgerEntry };
