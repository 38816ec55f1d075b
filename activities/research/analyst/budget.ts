import type pg from 'pg';
import { SYSTEM_ACCOUNT } from '../../../ledger/entry';
import { appendEntry } from '../../../ledger/ledger-store';
import type { TokenUsage } from './ask-model';
import type { AnalystTask, LlmEndpoint } from './llm-config';

/** The analyst's daily spend (UTC day), summed from its `analyst.usage` ledger entries, and its recording. */
export const USAGE_KIND = 'analyst.usage';

export function utcDayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export async function spentTodayMicroUsd(pool: pg.Pool, now: Date): Promise<number> {
  const { rows } = await pool.query<{ spent: string }>(
    `SELECT COALESCE(SUM((payload->>'costMicroUsd')::bigint), 0)::text AS spent
       FROM ledger_entries WHERE kind = $1 AND recorded_at >= $2`,
    [USAGE_KIND, utcDayStart(now)],
  );
  return Number(rows[0]!.spent);
}

/**
 * Today's spend as of the last ledger read (at most `maxAgeMs` old) plus every call recorded through this meter since,
 * shared by the analyst calls of one worker: a scan of thousands of markets reads the ledger once a second, not once
 * per market. A call recorded while a read is in flight is counted twice until the next read (the safe direction);
 * spend by other processes is seen at the next read.
 */
export class BudgetMeter {
  private day = '';
  private readAt = 0;
  private base = 0;
  private recordedSince = 0;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxAgeMs = 1000,
  ) {}

  async spentToday(now: Date): Promise<number> {
    const day = now.toISOString().slice(0, 10);
    if (day !== this.day || Date.now() - this.readAt > this.maxAgeMs) {
      this.reading ??= this.read(now, day).finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
    return this.base + this.recordedSince;
  }

  /** A call's cost, once its usage entry is in the ledger. */
  recorded(costMicroUsd: number): void {
    this.recordedSince += costMicroUsd;
  }

  private async read(now: Date, day: string): Promise<void> {
    const inLedgerAlready = this.recordedSince;
    const readAt = Date.now();
    this.base = await spentTodayMicroUsd(this.pool, now);
    this.recordedSince -= inLedgerAlready;
    this.day = day;
    this.readAt = readAt;
  }
}

/** Where today's spend is read: the ledger, or the worker's meter when it has one. */
type BudgetReader = { pool: pg.Pool; budget?: BudgetMeter };

/** Today's spend: from the worker's meter when the caller has one, else from the ledger. */
export function spentToday(deps: BudgetReader, now: Date): Promise<number> {
  return deps.budget ? deps.budget.spentToday(now) : spentTodayMicroUsd(deps.pool, now);
}

export interface BudgetState {
  budgetMicroUsd: number;
  remainingMicroUsd: number;
  /** Little enough left that the workflow should ask the operator to buy credit. */
  low: boolean;
  exhausted: boolean;
}

export function budgetState(budgetUsd: number, lowFraction: number, spentMicroUsd: number): BudgetState {
  const budgetMicroUsd = Math.round(budgetUsd * 1e6);
  const remainingMicroUsd = budgetMicroUsd - spentMicroUsd;
  return {
    budgetMicroUsd,
    remainingMicroUsd,
    low: remainingMicroUsd < budgetMicroUsd * lowFraction,
    exhausted: remainingMicroUsd <= 0,
  };
}

/** One LLM call in the ledger: its tokens, cost and outcome, once per call key (a retried activity attempt differs). */
export async function recordLlmCall(
  deps: BudgetReader,
  call: {
    task: AnalystTask;
    endpoint: LlmEndpoint;
    usage: TokenUsage;
    cost: number;
    outcome: string;
    subject: string;
    now: Date;
    callKey: string;
  },
): Promise<void> {
  await appendEntry(deps.pool, {
    kind: USAGE_KIND,
    domain: 'research',
    account: SYSTEM_ACCOUNT,
    payload: {
      task: call.task,
      provider: call.endpoint.provider,
      model: call.endpoint.model,
      inputTokens: call.usage.inputTokens,
      outputTokens: call.usage.outputTokens,
      costMicroUsd: call.cost,
      outcome: call.outcome,
      subject: call.subject,
      day: call.now.toISOString().slice(0, 10),
    },
    idempotencyKey: `analyst:${call.callKey}`,
  });
  deps.budget?.recorded(call.cost);
}
