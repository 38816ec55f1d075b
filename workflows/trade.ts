import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common';
import { proxyActivities, sleep, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { GuardianClientActivities } from '../activities/guardian-client';
import type { LedgerReadActivities } from '../activities/ledger-reads';
import type { VenueActivities } from '../activities/exchanges/venue-activities';
import type { VenueOrder as VenueOrderState } from '../activities/exchanges/venue-port';
import { TASK_QUEUES } from '../policies/domains';
import type { TradingDomain } from '../policies/limits';
import { describeOrder, orderNotionalCents, type VenueOrder } from '../policies/orders';
import { ACCEPTED_PROOF_SOURCES } from '../policies/proof-check';
import { validateTrade, type OperatorApproval, type TradeProposal } from '../policies/trade-validation';
import type { FailedCheck } from '../policies/verdict';
import { LEDGER_WRITE, ORDER_CANCEL, ORDER_PLACEMENT, VENUE_READ } from './activity-options';
import { awaitOperatorDecision } from './approvals';
import { clientOrderIdFor } from './client-order-id';
import type { Endorsement } from './candidates';
import { ledgerOf } from './ledger';
import { filledPart, isTerminal, toPlaceOrderRequest } from './order-translation';
import { NemoDomain, NemoMarket, NemoState, NemoStrategy, NemoVenue } from './search-attributes';

/**
 * One trade, live or paper, read top to bottom as the protocol it implements:
 *   validate -> (outside text would raise the probability) ask the operator to endorse it -> (live, new strategy)
 *   ask the operator -> reserve exposure at the guardian -> place the order with a
 *   deterministic client order id -> await the fill or cancel at the deadline -> ledger -> commit or release ->
 *   post-trade report.
 * The client order id comes from the workflow id, so a retry, a replay or a restart after a crash finds the order
 * already placed instead of placing a second one.
 */
export interface TradeRequest {
  strategyId: string;
  strategyVersion: string;
  order: VenueOrder;
  /** The estimated probability the trade wins (seed: at least 0.80 unless the operator approved this trade). */
  probability: number;
  /** The strategy's short reason, for the operator and the report (never shown to anything that decides). */
  rationale: string;
  /** The market's reference price for the price collar (Kalshi: the YES price). */
  referencePrice?: string;
  timeInForce: 'gtc' | 'ioc';
  /** How long a resting order waits for its fill before it is cancelled. */
  fillDeadline: string;
  /** How long an approval request stays open (live trades of a strategy not yet approved). */
  approvalTimeout: string;
  probabilityApproval?: OperatorApproval;
  /**
   * Only outside text would make this trade (workflows/candidates.ts Endorsement): `probability` is the trusted one,
   * and the trade asks the operator to endorse the outside text before it goes ahead at the outside probability.
   */
  endorsement?: Endorsement;
}

export type TradeOutcome =
  | { outcome: 'refused'; failures: FailedCheck[] }
  | { outcome: 'not-approved'; decision: 'rejected' | 'expired'; by?: string; reason?: string }
  | { outcome: 'venue-rejected'; reason: string }
  | { outcome: 'done'; clientOrderId: string; orderId: string; status: VenueOrderState['status']; filledQuantity: string; averageFillPrice?: string; feesCents: number };

const POLL_FIRST_MS = 1_000;
const POLL_MAX_MS = 15_000;

function activitiesFor(domain: TradingDomain) {
  const queue = TASK_QUEUES[domain];
  return {
    reads: proxyActivities<LedgerReadActivities>({ taskQueue: queue, ...LEDGER_WRITE }),
    guardian: proxyActivities<GuardianClientActivities>({ taskQueue: queue, ...LEDGER_WRITE }),
    venue: proxyActivities<VenueActivities>({ taskQueue: queue, ...VENUE_READ }),
    orders: proxyActivities<VenueActivities>({ taskQueue: queue, ...ORDER_PLACEMENT }),
    cancels: proxyActivities<VenueActivities>({ taskQueue: queue, ...ORDER_CANCEL }),
    ledger: ledgerOf(domain),
  };
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

async function trade(domain: TradingDomain, request: TradeRequest): Promise<TradeOutcome> {
  const act = activitiesFor(domain);
  const { workflowId } = workflowInfo();
  const { order } = request;
  const venue = order.venue;
  const account = `${domain}:${venue}`;
  const clientOrderId = clientOrderIdFor(domain, workflowId);
  const proposal: TradeProposal = {
    clientOrderId,
    strategyId: request.strategyId,
    strategyVersion: request.strategyVersion,
    order,
    // An endorsement request is validated at the probability it asks for: the operator is only asked about a trade
    // that could go ahead.
    probability: request.endorsement?.outsideProbability ?? request.probability,
    probabilityApproval: request.probabilityApproval,
  };
  const stage = (state: string) => {
    upsertSearchAttributes([
      { key: NemoDomain, value: domain },
      { key: NemoStrategy, value: request.strategyId },
      { key: NemoVenue, value: order.venue },
      { key: NemoMarket, value: order.market },
      { key: NemoState, value: state },
    ]);
    upsertMemo({ summary: `${domain} ${describeOrder(order)} (${request.strategyId}): ${state}` });
  };
  const record = (kind: string, payload: Record<string, unknown>) =>
    act.ledger.appendLedgerEntry({
      kind,
      account,
      payload: JSON.parse(JSON.stringify({ clientOrderId, workflowId, strategyId: request.strategyId, ...payload })),
      idempotencyKey: `${kind}:${clientOrderId}`,
    });
  const refuse = async (failures: FailedCheck[]): Promise<TradeOutcome> => {
    stage('REFUSED');
    await record('trade.refused', { order, failures });
    return { outcome: 'refused', failures };
  };

  // 1. Validate against the guardian's view of the account before anyone is asked anything.
  stage('VALIDATING');
  const proof = await act.reads.findStrategyProof(request.strategyId, [...ACCEPTED_PROOF_SOURCES[domain]]);
  const evidence = { proof, referencePrice: request.referencePrice };
  const account0 = await act.guardian.guardianSnapshot(venue);
  const verdict = validateTrade(
    proposal,
    { domain, trading: account0.trading, cashCents: account0.cashCents, positions: account0.positions, exposure: account0.exposureBook, recentOrders: account0.recentOrders },
    account0.policy,
    { ...evidence, now: Date.now() },
  );
  if (!verdict.accepted) return refuse(verdict.failures);

  // 2. Outside text would raise this side's probability: only the operator's endorsement lets it count.
  const { endorsement } = request;
  if (endorsement) {
    stage('AWAITING_ENDORSEMENT');
    const trusted = endorsement.trustedProbability.toFixed(3);
    const outside = endorsement.outsideProbability.toFixed(3);
    const decision = await awaitOperatorDecision(
      {
        kind: 'outside-text',
        subject: `${order.market} (${request.strategyId})`,
        summary: `Outside text would raise the probability of ${describeOrder(order)} from ${trusted} to ${outside}. Endorse it and trade?`,
        details: {
          what: `${describeOrder(order)} at probability ${outside} (from trusted inputs alone: ${trusted}, not enough to trade)`,
          why: `Quoted outside text (untrusted, screened and accepted): "${endorsement.excerpt}"`,
          limits: { trustedProbability: endorsement.trustedProbability, outsideProbability: endorsement.outsideProbability, documentIds: endorsement.documentIds },
        },
      },
      request.approvalTimeout as '30m',
    );
    await record(decision.outcome === 'approved' ? 'trade.endorsed' : 'trade.not-approved', {
      order, endorsement: { ...endorsement }, decision: decision.outcome, by: decision.by ?? null, reason: decision.reason ?? null,
    });
    if (decision.outcome !== 'approved') {
      stage(decision.outcome === 'rejected' ? 'REJECTED' : 'EXPIRED');
      return { outcome: 'not-approved', decision: decision.outcome, by: decision.by, reason: decision.reason };
    }
  }

  // 3. seed: "REQUIRES: Pre-approval for new strategies" (live only; paper trading is how a strategy earns it).
  if (domain === 'live' && !(await act.reads.liveApprovalOf(request.strategyId, request.strategyVersion))) {
    stage('AWAITING_APPROVAL');
    const decision = await awaitOperatorDecision(
      {
        kind: 'live-trade',
        subject: `${request.strategyId}@${request.strategyVersion}`,
        summary: `First live trade of strategy ${request.strategyId}: ${describeOrder(order)}, probability ${request.probability}`,
        details: {
          what: describeOrder(order),
          why: request.rationale,
          limits: `max ${account0.policy.limits.maxPositionFraction * 100}% and $${account0.policy.limits.maxPositionUsd} per position, ${account0.policy.limits.maxExposureFraction * 100}% total exposure`,
          proof: proof ? { proofId: proof.proofId, trades: proof.trades, winRate: proof.winRate, maxDrawdown: proof.maxDrawdown } : null,
        },
      },
      request.approvalTimeout as '30m',
    );
    if (decision.outcome !== 'approved') {
      stage(decision.outcome === 'rejected' ? 'REJECTED' : 'EXPIRED');
      await record('trade.not-approved', { order, decision: decision.outcome, by: decision.by ?? null, reason: decision.reason ?? null });
      return { outcome: 'not-approved', decision: decision.outcome, by: decision.by, reason: decision.reason };
    }
    await act.ledger.appendLedgerEntry({
      kind: 'strategy.live-approved',
      account,
      payload: { strategyId: request.strategyId, strategyVersion: request.strategyVersion, by: decision.by ?? 'operator', reason: decision.reason ?? null, firstTrade: workflowId },
      idempotencyKey: `strategy.live-approved:${request.strategyId}:${request.strategyVersion}:${clientOrderId}`,
    });
  }

  // 4. Reserve exposure at the guardian: it checks everything again against the book as it is now.
  stage('RESERVING');
  let reserved;
  try {
    reserved = await act.guardian.reserveAtGuardian(venue, { proposal, evidence });
  } catch (err) {
    if (failureType(err) !== 'TradeRefused') throw err;
    const cause = (err as ActivityFailure).cause as ApplicationFailure;
    return refuse((cause.details?.[0] as FailedCheck[]) ?? [{ check: 'trading-state', reason: cause.message }]);
  }

  // 5. Place the order under its deterministic client order id.
  stage('PLACING');
  const place = domain === 'live' ? act.orders.placeLiveOrder : act.orders.placePaperOrder;
  let state: VenueOrderState;
  try {
    state = await place(toPlaceOrderRequest(order, clientOrderId, request.timeInForce));
  } catch (err) {
    // A refusal (insufficient funds, invalid order) placed nothing; a timeout may have placed it. The venue knows.
    const placed = await act.venue.findOrderByClientOrderId({ venue, clientOrderId, market: order.market });
    if (!placed) {
      await act.guardian.releaseAtGuardian(venue, reserved.reservationId);
      const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
      stage('VENUE_REJECTED');
      await record('trade.venue-rejected', { order, reason });
      return { outcome: 'venue-rejected', reason };
    }
    state = placed;
  }

  // 6. Await the fill, or cancel what rests at the deadline.
  stage('WORKING');
  const deadline = Date.now() + msToNumber(request.fillDeadline as '5m');
  for (let wait = POLL_FIRST_MS; !isTerminal(state); wait = Math.min(wait * 2, POLL_MAX_MS)) {
    if (Date.now() >= deadline) {
      const cancel = domain === 'live' ? act.cancels.cancelLiveOrder : act.cancels.cancelPaperOrder;
      state = await cancel({ venue, orderId: state.orderId, market: order.market });
      if (!isTerminal(state)) state = await act.venue.getOrder({ venue, orderId: state.orderId });
      break;
    }
    await sleep(Math.min(wait, deadline - Date.now()));
    state = await act.venue.getOrder({ venue, orderId: state.orderId });
  }

  // 7. The ledger: what filled, at what price, with what fees.
  const filled = filledPart(order, state);
  const costCents = filled && reserved.intent === 'buy' ? orderNotionalCents(filled) + state.feesCents : 0;
  if (filled) {
    await record('trade.fill', {
      orderId: state.orderId,
      market: order.market,
      intent: reserved.intent,
      filled,
      filledQuantity: state.filledQuantity,
      averageFillPrice: state.averageFillPrice ?? null,
      feesCents: state.feesCents,
      costCents,
    });
  }

  // 8. Commit what filled at the guardian (which releases the rest), or release the whole reservation.
  if (filled) {
    await act.guardian.commitFillAtGuardian(venue, { reservationId: reserved.reservationId, orderId: state.orderId, filled, intent: reserved.intent, costCents, feesCents: state.feesCents });
  } else {
    await act.guardian.releaseAtGuardian(venue, reserved.reservationId);
  }

  // 9. Post-trade report: the order intended next to the order executed (the lesson of Knight Capital).
  stage(filled ? 'FILLED' : 'UNFILLED');
  await record('trade.report', {
    intended: order,
    executed: { status: state.status, filledQuantity: state.filledQuantity, averageFillPrice: state.averageFillPrice ?? null, feesCents: state.feesCents },
    probability: proposal.probability,
    rationale: request.rationale,
    reservedCents: reserved.costCents,
    committedCents: costCents,
    notes: reserved.notes,
  });
  return {
    outcome: 'done', clientOrderId, orderId: state.orderId, status: state.status, filledQuantity: state.filledQuantity,
    averageFillPrice: state.averageFillPrice, feesCents: state.feesCents,
  };
}

export async function liveTrade(request: TradeRequest): Promise<TradeOutcome> {
  return trade('live', request);
}

export async function paperTrade(request: TradeRequest): Promise<TradeOutcome> {
  return trade('paper', request);
}
