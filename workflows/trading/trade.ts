import { ActivityFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common';
import {
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LedgerActivities } from '../../activities/operations/ledger';
import type { Opening, OpeningActivities } from '../../activities/trading/open-trade';
import type { TradingActivities } from '../../activities/trading/trading-activities';
import type { VenueActivities } from '../../activities/venues/venue-activities';
import type { VenueOrder as VenueOrderState } from '../../activities/venues/venue-port';
import { TASK_QUEUES } from '../../policies/domains';
import type { TradingDomain } from '../../policies/limits';
import { describeOrder, orderNotionalCents, type VenueOrder } from '../../policies/orders';
import { ACCEPTED_PROOF_SOURCES } from '../../policies/proof-check';
import { awaitsLiveApproval, type OperatorApproval, type TradeProposal } from '../../policies/trade-validation';
import type { FailedCheck } from '../../policies/verdict';
import { LOCAL_STEP, ORDER_CANCEL, ORDER_PLACEMENT, VENUE_READ } from '../activity-options';
import { awaitOperatorDecision } from '../approvals/await-decision';
import { refusedChecks } from '../../contracts/guardian';
import { clientOrderIdFor } from './client-order-id';
import type { Endorsement } from '../../contracts/candidates';
import { filledPart, isTerminal, toPlaceOrderRequest } from './order-translation';
import { NemoDomain, NemoMarket, NemoState, NemoStrategy, NemoVenue } from '../../contracts/search-attributes';
import type { ApprovalOutcome } from '../../contracts/approvals';

/**
 * One trade, live or paper, read top to bottom as the protocol it implements:
 *   the guardian decides and reserves exposure (every check, once) -> (outside text would raise the probability) ask
 *   the operator to endorse it -> (live, new strategy) ask the operator -> (after a wait) the guardian confirms the
 *   reservation still stands -> place the order with a deterministic client order id -> await the fill or cancel at
 *   the deadline -> settle: the ledger (fill and post-trade report in one write), then commit or release at the
 *   guardian. A trade nobody has to be asked about is reserved and placed in one step.
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
   * Only outside text would make this trade (contracts/candidates.ts Endorsement): `probability` is the trusted one,
   * and the trade asks the operator to endorse the outside text before it goes ahead at the outside probability.
   */
  endorsement?: Endorsement;
}

export type TradeOutcome =
  | { outcome: 'refused'; failures: FailedCheck[] }
  | { outcome: 'not-approved'; decision: 'rejected' | 'expired'; by?: string; reason?: string }
  | { outcome: 'venue-rejected'; reason: string }
  | {
      outcome: 'done';
      clientOrderId: string;
      orderId: string;
      status: VenueOrderState['status'];
      filledQuantity: string;
      averageFillPrice?: string;
      feesCents: number;
    };

const POLL_FIRST_MS = 1_000;
const POLL_MAX_MS = 15_000;

function activitiesFor(domain: TradingDomain) {
  const queue = TASK_QUEUES[domain];
  return {
    // The evidence read with the reservation, the guardian's other updates and the trade's ledger appends (each
    // idempotent on its key, so a re-run after a crash finds the entry already written) run in the worker that runs
    // the trade: no task queue round trip, and the fill's write and its commit at the guardian share the workflow task
    // the fill arrived in.
    guardian: proxyLocalActivities<TradingActivities>(LOCAL_STEP),
    ledger: proxyLocalActivities<LedgerActivities>(LOCAL_STEP),
    venue: proxyActivities<VenueActivities>({ taskQueue: queue, ...VENUE_READ }),
    orders: proxyActivities<VenueActivities>({ taskQueue: queue, ...ORDER_PLACEMENT }),
    cancels: proxyActivities<VenueActivities>({ taskQueue: queue, ...ORDER_CANCEL }),
    opening: proxyActivities<OpeningActivities>({ taskQueue: queue, ...ORDER_PLACEMENT }),
  };
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
  // Each upsert is a history event and an index write: the trade's identity is published with its first state, then
  // only the state; the Web UI's current details (no event) say the rest. The first state is published after the
  // guardian has decided: commands leave with the workflow task the reservation runs in.
  let identified = false;
  const showDetails = (state: string) =>
    setCurrentDetails(`${domain} ${describeOrder(order)} (${request.strategyId}): ${state}`);
  const stage = (state: string) => {
    const identity = identified
      ? []
      : [
          { key: NemoDomain, value: domain },
          { key: NemoStrategy, value: request.strategyId },
          { key: NemoVenue, value: order.venue },
          { key: NemoMarket, value: order.market },
        ];
    upsertSearchAttributes([...identity, { key: NemoState, value: state }]);
    identified = true;
    showDetails(state);
  };
  const entry = (kind: string, payload: Record<string, unknown>) => ({
    kind,
    account,
    payload: JSON.parse(JSON.stringify({ clientOrderId, workflowId, strategyId: request.strategyId, ...payload })),
    idempotencyKey: `${kind}:${clientOrderId}`,
  });
  const record = (kind: string, payload: Record<string, unknown>) => act.ledger.appendLedgerEntry(entry(kind, payload));
  const refuse = async (failures: FailedCheck[]): Promise<TradeOutcome> => {
    stage('REFUSED');
    await record('trade.refused', { order, failures });
    return { outcome: 'refused', failures };
  };

  // 1. The guardian decides: every check, once, on the account's book as it is now, and the exposure reserved. When
  // nobody has to be asked first, the order is placed in the same step (step 5 comes with it): one hop to the venue.
  showDetails('RESERVING');
  const asked = { proposal, referencePrice: request.referencePrice, proofSources: [...ACCEPTED_PROOF_SOURCES[domain]] };
  const placement = toPlaceOrderRequest(order, clientOrderId, request.timeInForce);
  const reserve = () => act.guardian.reserveForTrade(venue, asked);
  const open = async (): Promise<Opening & { failed?: unknown }> => {
    if (request.endorsement) return { reservation: await reserve() };
    try {
      const openTrade = domain === 'live' ? act.opening.openLiveTrade : act.opening.openPaperTrade;
      return await openTrade(venue, { ...asked, placement });
    } catch (err) {
      if (refusedChecks(err)) throw err;
      // Still failing after its retries (the guardian or the venue unreachable): the reservation is read back (it is
      // idempotent) and step 5 asks the venue whether the order stands. Never placed again: a stale order is worse.
      return { reservation: await reserve(), failed: err };
    }
  };
  let opening: Awaited<ReturnType<typeof open>>;
  try {
    opening = await open();
  } catch (err) {
    const failures = refusedChecks(err);
    if (!failures) throw err;
    return refuse(failures);
  }
  const { reserved, proof, liveApproval } = opening.reservation;
  // An order that will not go ahead gives its room back.
  const notApproved = async (
    decision: ApprovalOutcome,
    kind: string,
    extra: Record<string, unknown>,
  ): Promise<TradeOutcome> => {
    await act.guardian.releaseAtGuardian(venue, reserved.reservationId);
    stage(decision.outcome === 'rejected' ? 'REJECTED' : 'EXPIRED');
    await record(kind, {
      order,
      ...extra,
      decision: decision.outcome,
      by: decision.by ?? null,
      reason: decision.reason ?? null,
    });
    return {
      outcome: 'not-approved',
      decision: decision.outcome as 'rejected' | 'expired',
      by: decision.by,
      reason: decision.reason,
    };
  };
  let waitedForOperator = false;

  // 2. Outside text would raise this side's probability: only the operator's endorsement lets it count.
  const { endorsement } = request;
  if (endorsement) {
    stage('AWAITING_ENDORSEMENT');
    waitedForOperator = true;
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
          limits: {
            trustedProbability: endorsement.trustedProbability,
            outsideProbability: endorsement.outsideProbability,
            documentIds: endorsement.documentIds,
          },
        },
      },
      request.approvalTimeout as '30m',
    );
    if (decision.outcome !== 'approved')
      return notApproved(decision, 'trade.not-approved', { endorsement: { ...endorsement } });
    await record('trade.endorsed', {
      order,
      endorsement: { ...endorsement },
      decision: decision.outcome,
      by: decision.by ?? null,
      reason: decision.reason ?? null,
    });
  }

  // 3. seed: "REQUIRES: Pre-approval for new strategies" (live only; paper trading is how a strategy earns it).
  if (awaitsLiveApproval(domain, liveApproval)) {
    stage('AWAITING_APPROVAL');
    waitedForOperator = true;
    const { limits } = reserved;
    const decision = await awaitOperatorDecision(
      {
        kind: 'live-trade',
        subject: `${request.strategyId}@${request.strategyVersion}`,
        summary: `First live trade of strategy ${request.strategyId}: ${describeOrder(order)}, probability ${request.probability}`,
        details: {
          what: describeOrder(order),
          why: request.rationale,
          limits: `max ${limits.maxPositionFraction * 100}% and $${limits.maxPositionUsd} per position, ${limits.maxExposureFraction * 100}% total exposure`,
          proof: proof
            ? { proofId: proof.proofId, trades: proof.trades, winRate: proof.winRate, maxDrawdown: proof.maxDrawdown }
            : null,
        },
      },
      request.approvalTimeout as '30m',
    );
    if (decision.outcome !== 'approved') return notApproved(decision, 'trade.not-approved', {});
    await act.ledger.appendLedgerEntry({
      kind: 'strategy.live-approved',
      account,
      payload: {
        strategyId: request.strategyId,
        strategyVersion: request.strategyVersion,
        by: decision.by ?? 'operator',
        reason: decision.reason ?? null,
        firstTrade: workflowId,
      },
      idempotencyKey: `strategy.live-approved:${request.strategyId}:${request.strategyVersion}:${clientOrderId}`,
    });
  }

  // 4. The operator took time: the reservation stands only if trading did not stop meanwhile.
  if (waitedForOperator) {
    try {
      await act.guardian.confirmAtGuardian(venue, { reservationId: reserved.reservationId, intent: reserved.intent });
    } catch (err) {
      const failures = refusedChecks(err);
      if (!failures) throw err;
      await act.guardian.releaseAtGuardian(venue, reserved.reservationId);
      return refuse(failures);
    }
  }

  // 5. Place the order under its deterministic client order id, unless step 1 placed it (or tried to).
  let state: VenueOrderState;
  try {
    if (opening.failed) throw opening.failed;
    if (opening.placed) state = opening.placed;
    else {
      stage('PLACING');
      state = await (domain === 'live' ? act.orders.placeLiveOrder : act.orders.placePaperOrder)(placement);
    }
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

  // 6. Await the fill, or cancel what rests at the deadline (an order the venue already finished never worked).
  if (!isTerminal(state)) stage('WORKING');
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

  // 7. Settle, in one step: the ledger's one write (what filled, at what price, with what fees, and the post-trade
  // report: the order intended next to the order executed, the lesson of Knight Capital), then what filled committed
  // at the guardian (which releases the rest), or the whole reservation released.
  const filled = filledPart(order, state);
  const costCents = filled && reserved.intent === 'buy' ? orderNotionalCents(filled) + state.feesCents : 0;
  const report = entry('trade.report', {
    intended: order,
    executed: {
      status: state.status,
      filledQuantity: state.filledQuantity,
      averageFillPrice: state.averageFillPrice ?? null,
      feesCents: state.feesCents,
    },
    probability: proposal.probability,
    rationale: request.rationale,
    reservedCents: reserved.costCents,
    committedCents: costCents,
    notes: reserved.notes,
  });
  const fill =
    filled &&
    entry('trade.fill', {
      orderId: state.orderId,
      market: order.market,
      intent: reserved.intent,
      filled,
      filledQuantity: state.filledQuantity,
      averageFillPrice: state.averageFillPrice ?? null,
      feesCents: state.feesCents,
      costCents,
    });
  await act.guardian.settleTrade(venue, {
    entries: fill ? [fill, report] : [report],
    reservationId: reserved.reservationId,
    fill: filled && {
      reservationId: reserved.reservationId,
      orderId: state.orderId,
      filled,
      intent: reserved.intent,
      costCents,
      feesCents: state.feesCents,
    },
  });
  stage(filled ? 'FILLED' : 'UNFILLED');
  return {
    outcome: 'done',
    clientOrderId,
    orderId: state.orderId,
    status: state.status,
    filledQuantity: state.filledQuantity,
    averageFillPrice: state.averageFillPrice,
    feesCents: state.feesCents,
  };
}

export async function liveTrade(request: TradeRequest): Promise<TradeOutcome> {
  return trade('live', request);
}

export async function paperTrade(request: TradeRequest): Promise<TradeOutcome> {
  return trade('paper', request);
}
