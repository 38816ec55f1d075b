import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import type { NemoConfig } from '../../../platform/config';
import type { ApprovalRequest } from '../../approvals/approval-activities';
import { documentText, loadAcceptedDocuments } from '../sources/documents-store';
import { screenForModel, type Detection, type ScreenedText } from '../sources/screening';
import { askForTool, type AbstainReason } from './ask-model';
import { budgetState, recordLlmCall, spentToday, type BudgetState } from './budget';
import { endpointFor, type LlmEndpoint } from './llm-config';
import { callCostMicroUsd } from './pricing';
import { dataBlock, ESTIMATE_SYSTEM_PROMPT, newNonce } from './prompt';
import { statisticalEstimate } from './statistical-analyst';
import { ESTIMATE_TOOL } from './tools';
import type { AnalystDeps } from './deps';

/**
 * estimateProbability (capability analyst.ask): a probability for one market from Claude (or Kimi, the cheaper
 * tier), or from the built-in statistical analyst when no key is configured. Every text the model will read (the
 * market's title and rules, any fetched documents) is screened here, in this activity, by the hash of its current
 * content: a quarantined title or rules make the analyst abstain, a quarantined document is left out. Texts reach
 * the model only as datamarked data blocks; the answer is one validated tool call or an abstention, and an answer
 * whose confidence is below NEMO_ANALYST_MIN_CONFIDENCE abstains. The result says which inputs it rests on
 * (provenance): the venue's figures and listing are trusted, documents are outside text. Every LLM call is recorded
 * in the ledger with its tokens and cost; the daily budget is checked before each call, and a result says
 * `budgetLow` (with a ready credit-purchase request) when little is left, so the calling workflow asks the operator.
 * The analyst never buys anything.
 */
export const estimateRequestSchema = z.object({
  market: z.object({
    venue: z.enum(['kalshi', 'coinbase']),
    id: z.string().regex(/^[\w.:-]{1,200}$/, 'must be a venue market id (letters, digits, . _ : -)'),
    title: z.string().min(1).max(1_000),
    rules: z.string().max(8_000).optional(),
    closesAt: z.iso.datetime({ offset: true }).optional(),
    yesPrice: z.number().min(0).max(1).optional(),
  }),
  /** The market's recent YES prices, oldest first (trusted numbers from the venue adapters). */
  recentPrices: z.array(z.number().min(0).max(1)).max(1_000).default([]),
  /** Accepted research documents (activities/research/sources) to weigh; quarantined ones are never read. */
  documentIds: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a research document id'))
    .max(20)
    .default([]),
  tier: z.enum(['standard', 'cheap']).default('standard'),
});

export type EstimateRequest = z.input<typeof estimateRequestSchema>;

/**
 * What an estimate rests on. `trusted`: the venue's own figures and listing, read over its authenticated API.
 * `outside`: the research documents (outside text) the model read. Only an estimate with no outside input may
 * trigger a buy (policies/estimate-provenance.ts).
 */
export interface Provenance {
  trusted: ('venue-figures' | 'venue-listing')[];
  outside: string[];
}

interface AnalystCommon {
  source: 'anthropic' | 'kimi' | 'statistical';
  model: string;
  costMicroUsd: number;
  budgetRemainingUsd: number;
  /** Little of today's LLM budget is left: the workflow should ask the operator to buy credit (creditRequest). */
  budgetLow: boolean;
  creditRequest?: Omit<ApprovalRequest, 'expiresAt'>;
  provenance: Provenance;
  /** Texts quarantined by this call's screening, newly recorded: the workflow raises their alerts. */
  quarantined: Detection[];
}

export type AnalystResult =
  | (AnalystCommon & { kind: 'estimate'; probability: number; confidence: number; rationale: string })
  | (AnalystCommon & { kind: 'abstain'; reason: AbstainReason; detail: string });

export class AnalystInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalystInputError';
  }
}

const MAX_OUTPUT_TOKENS = 600;

/** The market's texts and its documents, screened by content; only accepted ones are read. */
interface ScreenedInputs {
  title: ScreenedText;
  rules?: ScreenedText;
  documents: { id: string; source: string; screened: ScreenedText }[];
}

async function screenInputs(
  deps: AnalystDeps,
  request: z.output<typeof estimateRequestSchema>,
  callKey: string,
): Promise<ScreenedInputs> {
  const { market } = request;
  const listing = `${market.venue}-market`;
  const title = await screenForModel(deps, { source: listing, externalId: market.id, text: market.title }, callKey);
  const rules = market.rules
    ? await screenForModel(deps, { source: `${listing}-rules`, externalId: market.id, text: market.rules }, callKey)
    : undefined;
  const documents = [];
  for (const doc of await loadAcceptedDocuments(deps.pool, request.documentIds)) {
    const screened = await screenForModel(
      deps,
      { source: doc.source, externalId: doc.externalId, text: documentText(doc), documentId: doc.id },
      callKey,
    );
    documents.push({ id: doc.id, source: doc.source, screened });
  }
  return { title, rules, documents };
}

function userMessage(request: z.output<typeof estimateRequestSchema>, inputs: ScreenedInputs): string {
  const nonce = newNonce();
  const { market } = request;
  const trusted = [
    `Estimate the probability that ${market.venue} market ${market.id} resolves YES.`,
    market.yesPrice !== undefined
      ? `Current YES price on the venue: ${market.yesPrice.toFixed(4)}.`
      : 'No current price is known.',
    request.recentPrices.length > 0
      ? `Recent YES prices, oldest first: ${request.recentPrices
          .slice(-50)
          .map((p) => p.toFixed(3))
          .join(', ')}.`
      : '',
    market.closesAt ? `The market closes at ${market.closesAt}.` : '',
    'The market title, its rules and any documents follow as DATA blocks.',
  ].filter(Boolean);
  const blocks = [
    dataBlock({ source: 'market-title', text: inputs.title.modelText }, nonce),
    ...(inputs.rules ? [dataBlock({ source: 'market-rules', text: inputs.rules.modelText }, nonce)] : []),
    ...readable(inputs).map((d) => dataBlock({ source: `document:${d.source}`, text: d.screened.modelText }, nonce)),
  ];
  return [...trusted, '', ...blocks].join('\n');
}

const readable = (inputs: ScreenedInputs) => inputs.documents.filter((d) => d.screened.status === 'accepted');

/** Dollars for the operator: cents, or tenths of a cent for amounts under a dollar. */
const usd = (amount: number) => `$${amount.toFixed(amount < 1 ? 4 : 2)}`;

function creditRequest(budget: BudgetState, config: NemoConfig): Omit<ApprovalRequest, 'expiresAt'> {
  const left = Math.max(0, budget.remainingMicroUsd) / 1e6;
  const daily = config.NEMO_LLM_DAILY_BUDGET_USD;
  return {
    kind: 'credit-purchase',
    subject: 'LLM analyst credit',
    summary: `LLM budget low: ${usd(left)} of ${usd(daily)} left today. Buy API credit?`,
    details: {
      what: 'Buy API credit for the analyst LLM (Anthropic or Kimi), or raise NEMO_LLM_DAILY_BUDGET_USD',
      why: `today's analyst spend leaves ${usd(left)} of the ${usd(daily)} daily budget; without credit the analyst abstains`,
      limits: { dailyBudgetUsd: daily, remainingUsd: left },
    },
  };
}

export async function estimateProbability(
  deps: AnalystDeps,
  rawRequest: EstimateRequest,
  callKey: string,
  now = new Date(),
): Promise<AnalystResult> {
  const parsed = estimateRequestSchema.safeParse(rawRequest);
  if (!parsed.success) {
    throw new AnalystInputError(
      `estimate request refused: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`,
    );
  }
  const request = parsed.data;
  const { config } = deps;
  const minConfidence = config.NEMO_ANALYST_MIN_CONFIDENCE;
  const endpoint: LlmEndpoint | undefined =
    (request.tier === 'cheap' ? endpointFor('estimate-cheap', config, deps.secrets) : undefined) ??
    endpointFor('estimate', config, deps.secrets);
  const before = budgetState(
    config.NEMO_LLM_DAILY_BUDGET_USD,
    config.NEMO_LLM_BUDGET_LOW_FRACTION,
    await spentToday(deps, now),
  );
  // Screened even when no model will read them, so an injection is quarantined and alerted all the same.
  const inputs = await screenInputs(deps, request, callKey);
  const quarantined = [inputs.title, inputs.rules, ...inputs.documents.map((d) => d.screened)].flatMap((t) =>
    t?.detection ? [t.detection] : [],
  );
  const common = (
    budget: BudgetState,
    cost: number,
    source: AnalystCommon['source'],
    model: string,
    provenance: Provenance,
  ): AnalystCommon => ({
    source,
    model,
    costMicroUsd: cost,
    budgetRemainingUsd: Math.max(0, budget.remainingMicroUsd) / 1e6,
    budgetLow: budget.low,
    ...(budget.low ? { creditRequest: creditRequest(budget, config) } : {}),
    provenance,
    quarantined,
  });
  const figures: Provenance = { trusted: ['venue-figures'], outside: [] };

  if (endpoint === undefined) {
    const estimate = statisticalEstimate([
      ...request.recentPrices,
      ...(request.market.yesPrice !== undefined ? [request.market.yesPrice] : []),
    ]);
    // The statistical analyst reads only the venue's prices and costs nothing, so the budget cannot be what stops it.
    const base = common({ ...before, low: false }, 0, 'statistical', 'statistical', figures);
    if (!estimate)
      return {
        kind: 'abstain',
        ...base,
        reason: 'no-data',
        detail: 'no LLM is configured and the market has no recent prices',
      };
    return estimate.confidence < minConfidence
      ? lowConfidence(base, estimate.confidence, minConfidence)
      : { kind: 'estimate', ...base, ...estimate };
  }
  const listing =
    inputs.title.status === 'quarantined' ? 'title' : inputs.rules?.status === 'quarantined' ? 'rules' : undefined;
  if (listing) {
    return {
      kind: 'abstain',
      ...common(before, 0, endpoint.provider, endpoint.model, figures),
      reason: 'quarantined-input',
      detail: `the market's ${listing} is quarantined: nothing about this market is sent to a model`,
    };
  }
  const provenance: Provenance = {
    trusted: ['venue-figures', 'venue-listing'],
    outside: readable(inputs).map((d) => d.id),
  };
  if (before.exhausted) {
    return {
      kind: 'abstain',
      ...common(before, 0, endpoint.provider, endpoint.model, provenance),
      reason: 'budget-exhausted',
      detail: `today's LLM budget of ${usd(config.NEMO_LLM_DAILY_BUDGET_USD)} is spent`,
    };
  }

  const answer = await askForTool(endpoint, ESTIMATE_TOOL, ESTIMATE_SYSTEM_PROMPT, userMessage(request, inputs), {
    timeoutMs: msToNumber(config.NEMO_LLM_TIMEOUT as Parameters<typeof msToNumber>[0]),
    maxRetries: 2,
    maxTokens: MAX_OUTPUT_TOKENS,
  });
  const cost = callCostMicroUsd(endpoint.model, answer.usage.inputTokens, answer.usage.outputTokens);
  await recordLlmCall(deps, {
    task: 'estimate',
    endpoint,
    usage: answer.usage,
    cost,
    outcome: answer.kind === 'answer' ? 'estimate' : answer.reason,
    subject: request.market.id,
    now,
    callKey,
  });
  const after = budgetState(
    config.NEMO_LLM_DAILY_BUDGET_USD,
    config.NEMO_LLM_BUDGET_LOW_FRACTION,
    before.budgetMicroUsd - before.remainingMicroUsd + cost,
  );
  const base = common(after, cost, endpoint.provider, endpoint.model, provenance);
  if (answer.kind === 'abstain') return { kind: 'abstain', ...base, reason: answer.reason, detail: answer.detail };
  return answer.value.confidence < minConfidence
    ? lowConfidence(base, answer.value.confidence, minConfidence)
    : { kind: 'estimate', ...base, ...answer.value };
}

function lowConfidence(base: AnalystCommon, confidence: number, floor: number): AnalystResult {
  return {
    kind: 'abstain',
    ...base,
    reason: 'low-confidence',
    detail: `confidence ${confidence} is below the ${floor} floor (NEMO_ANALYST_MIN_CONFIDENCE)`,
  };
}
