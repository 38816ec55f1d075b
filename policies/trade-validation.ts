import { isApprovedMarket } from './approved-markets';
import { duplicateOrderReason } from './duplicate-orders';
import { exposureRefusals, type ExposureBook } from './exposure-book';
import type { TradingDomain } from './limits';
import { dailyLossBreach, totalLossBreach } from './loss-breakers';
import type { Cents } from './money';
import { orderRateBreach } from './order-throttle';
import {
  describeOrder,
  heldQuantity,
  orderCostCents,
  orderFormProblems,
  orderIntent,
  type OrderIntent,
  type Position,
  type RecentOrder,
  type VenueOrder,
} from './orders';
import { priceCollarBreach } from './price-collar';
import type { ProofSummary } from './proof';
import { proofProblems } from './proof-check';
import type { RiskPolicy } from './risk-policy';
import { admitsOrder, type TradingState, type TradingStatus } from './trading-state';
import type { CheckName, FailedCheck } from './verdict';

/**
 * Pre-trade validation (seed: validate_trade, "Multi-layer trade validation before execution", and the checks of
 * SEC 15c3-5 that ../shared/reference/risk-and-security.md lists). It runs outside whatever decided the trade and
 * names every check that fails, so the operator and the ledger see all the reasons at once.
 */

/** seed: "Trading on <80% probability markets (without approval)": the approval is the operator's, for this order only. */
export interface OperatorApproval {
  clientOrderId: string;
  by: string;
  reason: string;
  at: string;
}

/**
 * seed: "REQUIRES: Pre-approval for new strategies": a live trade of a strategy the operator has not approved waits for
 * that approval before its order (paper trading is how a strategy earns it, so paper trades never wait).
 */
export function awaitsLiveApproval(domain: TradingDomain, liveApproval: { by: string } | undefined): boolean {
  return domain === 'live' && !liveApproval;
}

export interface TradeProposal {
  /** Deterministic (from the trade workflow's id): the venue and the duplicate check both key on it. */
  clientOrderId: string;
  strategyId: string;
  /** Hash of the strategy's code and parameters now; the proof must be for this version. */
  strategyVersion: string;
  order: VenueOrder;
  /** The estimated probability that the trade wins, 0..1. */
  probability: number;
  probabilityApproval?: OperatorApproval;
}

/** The account as the portfolio guardian sees it when the trade is validated. */
export interface PortfolioSnapshot {
  domain: TradingDomain;
  /** Status, portfolio value (equityCents) and the loss baselines. */
  trading: TradingState;
  /** Cash the venue reports available. */
  cashCents: Cents;
  positions: readonly Position[];
  /** Filled and reserved exposure. */
  exposure: ExposureBook;
  /** Orders entered recently (duplicate and order-rate checks). */
  recentOrders: readonly RecentOrder[];
}

/** What the trade workflow looked up for this proposal. */
export interface TradeEvidence {
  /** The latest proof for the strategy (ledger kind `backtest.proof`), if any. */
  proof: ProofSummary | undefined;
  /** The market's reference price (for Kalshi the YES price), if known. */
  referencePrice: string | undefined;
  /** Epoch milliseconds (workflow time: policies never read a clock). */
  now: number;
}

export interface TradeVerdict {
  accepted: boolean;
  failures: FailedCheck[];
  /** What the order does to risk; undefined when the order cannot be read. */
  intent: OrderIntent | undefined;
  /** The most the order can cost, fee included: the exposure to reserve. 0 for a sell. */
  costCents: Cents;
  /** Exceptions the ledger must show with the trade (e.g. an operator-approved probability). */
  notes: string[];
}

const STATUS_RESTRICTION: Readonly<Record<Exclude<TradingStatus, 'ACTIVE'>, string>> = {
  REDUCING: 'trading is REDUCING while reconciling with the venue: only risk-reducing orders',
  PAUSED:
    'trading is PAUSED after the daily loss limit: only risk-reducing orders until an operator resumes after review',
  HALTED: 'trading is HALTED (kill switch or incident): only cancels and risk-reducing orders',
  SHUTDOWN:
    'trading is SHUTDOWN after the total loss limit: only cancels and risk-reducing orders until an operator resets it',
};

export function validateTrade(
  proposal: TradeProposal,
  snapshot: PortfolioSnapshot,
  policy: RiskPolicy,
  evidence: TradeEvidence,
): TradeVerdict {
  const { order } = proposal;
  const { trading } = snapshot;
  const failures: FailedCheck[] = [];
  const notes: string[] = [];

  const formProblems = orderFormProblems(order);
  fail(
    failures,
    'order-form',
    formProblems.length > 0 ? `${describeOrder(order)}: ${formProblems.join('; ')}` : undefined,
  );
  const intent = formProblems.length > 0 ? undefined : orderIntent(order, snapshot.positions);
  // An order that cannot be read is treated as one that adds risk.
  const addsRisk = intent !== 'reduce';

  const status = trading.status;
  if (status !== 'ACTIVE' && !admitsOrder(status, addsRisk ? 'increase' : 'reduce')) {
    fail(failures, 'trading-state', STATUS_RESTRICTION[status]);
  }

  if (addsRisk) {
    // seed: trade.within_daily_loss_limit(), checked on the figures too, not only on the guardian's status
    fail(failures, 'daily-loss', dailyLossBreach(trading.dayBaselineCents, trading.equityCents, policy.limits));
    fail(failures, 'total-loss', totalLossBreach(trading.startingValueCents, trading.equityCents, policy.limits));
    // seed: trade.market in APPROVED_MARKETS
    if (!isApprovedMarket(policy.approvedMarkets, order.venue, order.market)) {
      fail(failures, 'approved-market', `${order.venue} market ${order.market} is not on the operator's approved list`);
    }
    fail(failures, 'probability', probabilityProblem(proposal, policy.limits.minProbability, notes));
    // seed: trade.has_backtest_proof()
    const problems = proofProblems(evidence.proof, proposal, snapshot.domain, policy.proof);
    fail(failures, 'backtest-proof', problems.length > 0 ? problems.join('; ') : undefined);
  }

  fail(failures, 'order-rate', orderRateBreach(snapshot.recentOrders, evidence.now, policy.throttle));
  if (intent !== undefined) {
    fail(failures, 'price-collar', priceCollarBreach(order, evidence.referencePrice, policy.collar));
    fail(
      failures,
      'duplicate-order',
      duplicateOrderReason(proposal.clientOrderId, order, snapshot.recentOrders, evidence.now, policy.duplicates),
    );
  }

  if (intent === 'short') {
    // seed: no leverage or margin: only what is held may be sold
    fail(
      failures,
      'no-short',
      `${describeOrder(order)} sells more than the ${heldQuantity(order, snapshot.positions)} held: a short sale`,
    );
  }

  const costCents = intent === 'buy' ? orderCostCents(order) : 0;
  if (intent === 'buy') {
    const request = {
      reservationId: proposal.clientOrderId,
      venue: order.venue,
      market: order.market,
      amountCents: costCents,
    };
    failures.push(
      ...exposureRefusals(snapshot.exposure, request, {
        domain: snapshot.domain,
        portfolioValueCents: trading.equityCents,
        cashCents: snapshot.cashCents,
        limits: policy.limits,
      }),
    );
  }

  return { accepted: failures.length === 0, failures, intent, costCents, notes };
}

/**
 * Records a failed check when there is a reason. A function, not a closure in validateTrade: a backtest validates
 * tens of thousands of orders, and a closure made on every call (named by tsx with defineProperty) costs more than
 * most checks.
 */
function fail(failures: FailedCheck[], check: CheckName, reason: string | undefined): void {
  if (reason !== undefined) failures.push({ check, reason });
}

/** seed: trade.probability >= 0.80; lower only with the operator's approval of this very order. */
function probabilityProblem(proposal: TradeProposal, minProbability: number, notes: string[]): string | undefined {
  const { probability, probabilityApproval: approval } = proposal;
  if (!(probability >= 0 && probability <= 1)) return `probability ${probability} is not a number between 0 and 1`;
  if (probability >= minProbability) return undefined;
  const below = `probability ${probability} is below the ${minProbability} minimum`;
  if (approval === undefined) return `${below} and the operator has not approved this trade`;
  if (approval.clientOrderId !== proposal.clientOrderId) {
    return `${below}; the approval given is for order ${approval.clientOrderId}, not ${proposal.clientOrderId}`;
  }
  if (approval.by.trim() === '' || approval.reason.trim() === '') {
    return `${below}; an approval must name the operator and give a reason`;
  }
  notes.push(`${below}, accepted with the approval of ${approval.by} at ${approval.at}: ${approval.reason}`);
  return undefined;
}
