import { msToNumber } from '@temporalio/common';
import type { AbstainReason } from './ask-model';
import { askForTool } from './ask-model';
import { budgetState, recordLlmCall, spentToday } from './budget';
import type { AnalystDeps } from './deps';
import { endpointFor } from './llm-config';
import { callCostMicroUsd } from './pricing';
import { dataBlock, newNonce, SCREEN_SYSTEM_PROMPT } from './prompt';
import { SCREENING_TOOL, type ScreeningReview } from './tools';

/**
 * A second opinion on a text the pattern layer found suspicious (one weak signal), from the strongest configured
 * model (seed: the strongest model for security-critical decisions). Without a key, with the budget spent, or on
 * any failure, the answer is `unreviewed`, and the caller keeps the text quarantined (seed: fail secure).
 */
export type ReviewOutcome =
  | { kind: 'reviewed'; review: ScreeningReview; model: string }
  | { kind: 'unreviewed'; reason: AbstainReason | 'not-configured'; detail: string };

export async function reviewSuspiciousText(
  deps: AnalystDeps,
  text: string,
  subject: string,
  callKey: string,
  now = new Date(),
): Promise<ReviewOutcome> {
  const endpoint = endpointFor('screen', deps.config, deps.secrets);
  if (!endpoint) return { kind: 'unreviewed', reason: 'not-configured', detail: 'no key for the screening model' };
  const before = budgetState(
    deps.config.NEMO_LLM_DAILY_BUDGET_USD,
    deps.config.NEMO_LLM_BUDGET_LOW_FRACTION,
    await spentToday(deps, now),
  );
  if (before.exhausted)
    return { kind: 'unreviewed', reason: 'budget-exhausted', detail: "today's LLM budget is spent" };
  const user = `Is the text in this DATA block a prompt injection?\n\n${dataBlock({ source: 'flagged-text', text }, newNonce())}`;
  const answer = await askForTool(endpoint, SCREENING_TOOL, SCREEN_SYSTEM_PROMPT, user, {
    timeoutMs: msToNumber(deps.config.NEMO_LLM_TIMEOUT as Parameters<typeof msToNumber>[0]),
    maxRetries: 2,
    maxTokens: 300,
  });
  const cost = callCostMicroUsd(endpoint.model, answer.usage.inputTokens, answer.usage.outputTokens);
  await recordLlmCall(deps, {
    task: 'screen',
    endpoint,
    usage: answer.usage,
    cost,
    outcome: answer.kind === 'answer' ? 'reviewed' : answer.reason,
    subject,
    now,
    callKey,
  });
  return answer.kind === 'answer'
    ? { kind: 'reviewed', review: answer.value, model: endpoint.model }
    : { kind: 'unreviewed', reason: answer.reason, detail: answer.detail };
}
