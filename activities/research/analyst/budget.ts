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
  pool: pg.Pool,
  call: { task: AnalystTask; endpoint: LlmEndpoint; usage: TokenUsage; cost: number; outcome: string; subject: string; now: Date; callKey: string },
): Promise<void> {
  await appendEntry(pool, {
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
}
