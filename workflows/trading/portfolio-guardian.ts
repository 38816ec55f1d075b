import { ApplicationFailure } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountMark, AccountMarkActivities } from '../../activities/trading/account-marks';
import type { LedgerReadActivities } from '../../activities/trading/ledger-reads';
import type { VenueActivities } from '../../activities/venues/venue-activities';
import { TASK_QUEUES } from '../../policies/domains';
import {
  commitExposure,
  EMPTY_EXPOSURE_BOOK,
  exposureTotals,
  releaseExposure,
  releaseSoldExposure,
} from '../../policies/exposure-book';
import { hotWalletCheck } from '../../policies/hot-wallet';
import { exposureCapCents, type TradingDomain } from '../../policies/limits';
import { orderNotionalCents, positionsAfterFill, type Venue } from '../../policies/orders';
import { decideOrder, type OrderDecision } from '../../policies/order-decision';
import type { RiskPolicy } from '../../policies/risk-policy';
import type { PortfolioSnapshot } from '../../policies/trade-validation';
import {
  admitsOrder,
  applyTradingEvent,
  openTradingState,
  tradingDayOf,
  type TradingEffect,
  type TradingEvent,
} from '../../policies/trading-state';
import type { FailedCheck } from '../../policies/verdict';
import { LEDGER_WRITE, ORDER_CANCEL, VENUE_READ } from '../activity-options';
import { raiseAlert } from '../operations/alerts';
import {
  commitFillUpdate,
  confirmReservationUpdate,
  guardianStatusQuery,
  incidentSignal,
  operatorCommandUpdate,
  reconciliationUpdate,
  releaseReservationUpdate,
  reserveExposureUpdate,
  tradeRefused,
  type FillReport,
  type GuardianMemory,
  type GuardianStatus,
  type OperatorCommand,
  type Reserved,
  type ReserveRequest,
} from '../../contracts/guardian';
import { ledgerOf } from '../operations/ledger';
import { NemoDomain, NemoState, NemoVenue } from '../../contracts/search-attributes';

/**
 * The portfolio guardian: one long-running entity workflow per venue account and domain. It owns the account's
 * trading state (ACTIVE / REDUCING / PAUSED / HALTED / SHUTDOWN), its exposure reservations and the day's P&L.
 * Every trade reserves exposure here before its order is placed; Temporal runs updates one at a time, so two trades
 * can never both take the last room under a limit. Breakers trip the moment a fill or a mark crosses a threshold;
 * every transition is recorded in the ledger and alerted; HALTED (and PAUSED, SHUTDOWN) cancel working orders.
 *
 * Its baselines are also recorded in the ledger, so a new Temporal database cannot quietly reset a SHUTDOWN.
 */
export interface GuardianInput {
  domain: TradingDomain;
  venue: Venue;
  policy: RiskPolicy;
  /** How often the account is marked to market when nothing else wakes the guardian. */
  markEvery: string;
}

/**
 * Fills arriving one after another are marked together, at most once per this spacing: a mark per fill made the
 * guardian's own reads the wall at 50 trades at once (bench/trade-path.ts). A fill's fees count at once, and what it
 * filled moves the guardian's cash and positions at once; the venue's mark adds the spread within this spacing.
 */
const FILL_MARK_SPACING_MS = 1_000;

function activitiesFor(domain: TradingDomain) {
  const queue = TASK_QUEUES[domain];
  return {
    marks: proxyActivities<AccountMarkActivities>({ taskQueue: queue, ...VENUE_READ }),
    venue: proxyActivities<VenueActivities>({ taskQueue: queue, ...VENUE_READ }),
    cancels: proxyActivities<VenueActivities>({ taskQueue: queue, ...ORDER_CANCEL }),
    memory: proxyActivities<LedgerReadActivities>({ taskQueue: queue, ...LEDGER_WRITE }),
    ledger: ledgerOf(domain),
  };
}

/**
 * An update handler that throws anything but a Temporal failure fails the workflow task (SDK 1.24), and the caller
 * waits until its timeout while the guardian retries the task: every handler's error leaves as a typed failure.
 */
function typedFailures<A extends unknown[], R>(handler: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return handler(...args);
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      throw ApplicationFailure.nonRetryable(
        `the guardian refused the request: ${(err as Error).message}`,
        'GuardianInputError',
      );
    }
  };
}

/** Why a reservation taken before an operator's wait no longer stands: trading stopped, or it was released. */
function confirmationRefusals(memory: GuardianMemory, reservationId: string, intent: 'buy' | 'reduce'): FailedCheck[] {
  if (intent === 'reduce') return [];
  if (!memory.exposure.reservations[reservationId])
    return [{ check: 'trading-state', reason: `reservation ${reservationId} is no longer open` }];
  if (!admitsOrder(memory.trading.status, 'increase')) {
    return [
      {
        check: 'trading-state',
        reason: `trading became ${memory.trading.status} while the trade waited for the operator`,
      },
    ];
  }
  return [];
}

export function accountOf(domain: TradingDomain, venue: Venue): string {
  return `${domain}:${venue}`;
}

/** The shared implementation behind livePortfolioGuardian and paperPortfolioGuardian. */
async function portfolioGuardian(input: GuardianInput, carried?: GuardianMemory): Promise<void> {
  const { domain, venue, policy } = input;
  const account = accountOf(domain, venue);
  const act = activitiesFor(domain);

  // The first run takes its baselines from the ledger (or opens the account at today's value).
  let memory: GuardianMemory = carried ?? (await openGuardian());
  /** An operator command, a reconciliation or an incident: mark and act at once. */
  let wake = false;
  /** Fills committed by this run, and their fees: a mark read while one was committed may predate it. */
  let fillsCommitted = 0;
  let feesCommittedCents = 0;
  let filledSinceMark = false;
  const effects: TradingEffect[] = [];

  async function openGuardian(): Promise<GuardianMemory> {
    const recorded = await act.memory.loadGuardianMemory(account);
    if (recorded) return recorded;
    const mark = await act.marks.markAccount(venue);
    const now = Date.now();
    const opened: GuardianMemory = {
      trading: openTradingState({
        startingValueCents: mark.equityCents,
        day: tradingDayOf(now),
        at: new Date(now).toISOString(),
      }),
      exposure: EMPTY_EXPOSURE_BOOK,
      cashCents: mark.cashCents,
      positions: mark.positions,
      recentOrders: [],
      transitions: 0,
      lastMarkAt: mark.at,
      hotWalletAlertDay: null,
    };
    await act.ledger.appendLedgerEntry({
      kind: 'guardian.opened',
      account,
      payload: { memory: JSON.parse(JSON.stringify(opened)) },
      idempotencyKey: `guardian.opened:${account}:${workflowInfo().firstExecutionRunId}`,
    });
    return opened;
  }

  const snapshot = (): PortfolioSnapshot => ({
    domain,
    trading: memory.trading,
    cashCents: memory.cashCents,
    positions: memory.positions,
    exposure: memory.exposure,
    recentOrders: memory.recentOrders,
  });

  const apply = (event: TradingEvent) => {
    const step = applyTradingEvent(memory.trading, event, policy.limits);
    memory = { ...memory, trading: step.state };
    effects.push(...step.effects);
    return step;
  };

  // The search attributes change only with the trading status (a history event each); the Web UI's current details
  // follow every mark and fill without one.
  let published: string | undefined;
  const publishState = () => {
    if (published !== memory.trading.status) {
      upsertSearchAttributes([
        { key: NemoDomain, value: domain },
        { key: NemoVenue, value: venue },
        { key: NemoState, value: memory.trading.status },
      ]);
      published = memory.trading.status;
    }
    const { committedCents, reservedCents } = exposureTotals(memory.exposure);
    setCurrentDetails(
      `${venue} ${domain}: ${memory.trading.status}, equity $${(memory.trading.equityCents / 100).toFixed(2)}, exposure $${((committedCents + reservedCents) / 100).toFixed(2)}, marked ${memory.lastMarkAt}`,
    );
  };

  /**
   * The guardian decides each order once (decideOrder: every check, on the book as it is now). The validator decides,
   * so a refused order is rejected before anything enters the history; the handler, which runs right after it in the
   * same activation on the same book, takes that decision. On replay validators do not run and the handler decides
   * (the same pure function on the same book, so the same decision).
   */
  const decided = new Map<string, { on: GuardianMemory; decision: OrderDecision }>();
  const decide = ({ proposal, evidence }: ReserveRequest): OrderDecision =>
    decideOrder(snapshot(), venue, proposal, policy, { ...evidence, now: Date.now() });

  setHandler(
    reserveExposureUpdate,
    typedFailures((request: ReserveRequest): Reserved => {
      const id = request.proposal.clientOrderId;
      const cached = decided.get(id);
      decided.delete(id);
      const decision = cached?.on === memory ? cached.decision : decide(request);
      if (!decision.accepted) throw tradeRefused(decision.failures);
      // Only the book changed: nothing is published (no command, no history event per order); the Web UI shows the
      // account as of its last mark or fill. The updates of one workflow task are thus decided in one pass, in order.
      memory = { ...memory, exposure: decision.exposure, recentOrders: decision.recentOrders };
      return {
        reservationId: id,
        intent: decision.intent,
        costCents: decision.costCents,
        notes: decision.notes,
        limits: policy.limits,
      };
    }),
    {
      validator: (request) => {
        const decision = decide(request);
        if (!decision.accepted) throw tradeRefused(decision.failures);
        decided.set(request.proposal.clientOrderId, { on: memory, decision });
      },
    },
  );

  setHandler(confirmReservationUpdate, () => undefined, {
    validator: ({ reservationId, intent }) => {
      const failures = confirmationRefusals(memory, reservationId, intent);
      if (failures.length > 0) throw tradeRefused(failures);
    },
  });

  setHandler(
    commitFillUpdate,
    typedFailures((fill: FillReport) => {
      // A commit retried after the guardian answered (its update id is new after a continue-as-new) changes nothing.
      if (memory.exposure.closed.includes(fill.reservationId)) return { committedCents: 0, releasedCents: 0 };
      let book = memory.exposure;
      let committedCents = 0;
      let releasedCents = 0;
      if (fill.intent === 'buy') {
        const result = commitExposure(book, {
          reservationId: fill.reservationId,
          fillId: fill.orderId,
          venue,
          market: fill.filled.market,
          amountCents: fill.costCents,
          orderComplete: true,
        });
        book = result.book;
        committedCents = result.committedCents;
        releasedCents = result.releasedCents;
        if (result.unreservedCents > 0) {
          effects.push({
            kind: 'alert-operator',
            severity: 'warning',
            message: `a fill of ${fill.filled.market} committed $${(result.unreservedCents / 100).toFixed(2)} more exposure than was reserved`,
          });
        }
      } else {
        book = releaseSoldExposure(releaseExposure(book, fill.reservationId).book, fill.filled, memory.positions);
      }
      // What filled moves cash and positions now, and its fees are a loss now (a breaker trips on the fill that
      // crosses it); the mark that follows adds the spread.
      const cashCents =
        fill.intent === 'buy'
          ? memory.cashCents - fill.costCents
          : memory.cashCents + orderNotionalCents(fill.filled) - fill.feesCents;
      memory = {
        ...memory,
        exposure: book,
        cashCents,
        positions: positionsAfterFill(memory.positions, fill.filled),
      };
      if (fill.feesCents > 0) {
        const at = new Date(Date.now()).toISOString();
        apply({ kind: 'equity', source: 'fill', equityCents: memory.trading.equityCents - fill.feesCents, at });
      }
      fillsCommitted += 1;
      feesCommittedCents += fill.feesCents;
      filledSinceMark = true;
      return { committedCents, releasedCents };
    }),
  );

  setHandler(
    releaseReservationUpdate,
    typedFailures((reservationId: string) => {
      const { book, releasedCents } = releaseExposure(memory.exposure, reservationId);
      memory = { ...memory, exposure: book };
      return { releasedCents };
    }),
  );

  setHandler(
    operatorCommandUpdate,
    typedFailures((command: OperatorCommand) => {
      const at = new Date(Date.now()).toISOString();
      const kind =
        command.action === 'halt'
          ? 'operator-halt'
          : command.action === 'resume'
            ? 'operator-resume'
            : 'operator-reset';
      const step = apply({ kind, by: command.by, reason: command.reason, at });
      wake = true;
      publishState();
      return { applied: !step.refused, refused: step.refused, status: memory.trading.status };
    }),
  );

  setHandler(
    reconciliationUpdate,
    typedFailures((phase: 'started' | 'ended') => {
      apply({
        kind: phase === 'started' ? 'reconciliation-started' : 'reconciliation-ended',
        at: new Date(Date.now()).toISOString(),
      });
      wake = true;
      publishState();
      return memory.trading.status;
    }),
  );

  setHandler(incidentSignal, (notice) => {
    apply({
      kind: 'incident',
      source: notice.source,
      description: notice.description,
      at: new Date(Date.now()).toISOString(),
    });
    wake = true;
    publishState();
  });

  setHandler(guardianStatusQuery, (): GuardianStatus => {
    const { committedCents, reservedCents } = exposureTotals(memory.exposure);
    return {
      domain,
      venue,
      trading: memory.trading,
      cashCents: memory.cashCents,
      dayPnlCents: memory.trading.equityCents - memory.trading.dayBaselineCents,
      totalPnlCents: memory.trading.equityCents - memory.trading.startingValueCents,
      exposure: {
        committedCents,
        reservedCents,
        limitCents: exposureCapCents(policy.limits, memory.trading.equityCents),
      },
      exposureBook: memory.exposure,
      openReservations: Object.keys(memory.exposure.reservations).length,
      positions: memory.positions,
      recentOrders: memory.recentOrders,
      lastMarkAt: memory.lastMarkAt,
      policy,
    };
  });

  /** The account at its marks: the equity event may trip a breaker; a new UTC day moves the daily baseline. */
  async function markToMarket(): Promise<void> {
    const fillsBefore = fillsCommitted;
    const feesBefore = feesCommittedCents;
    filledSinceMark = false;
    let mark: AccountMark;
    try {
      mark = await act.marks.markAccount(venue);
    } catch (err) {
      // The venue may be down: the guardian keeps its last state (its limits still hold) and tries again later.
      log.warn('marking the account failed', { account, error: (err as Error).message });
      return;
    }
    // A fill committed while the venue was read may be missing from the read: the cash and positions the fills left
    // stand until the next mark (which that fill asked for), and the read's equity counts less their fees (stricter,
    // never looser, if the read had them already).
    const fresh = fillsCommitted === fillsBefore;
    memory = fresh
      ? { ...memory, cashCents: mark.cashCents, positions: mark.positions, lastMarkAt: mark.at }
      : { ...memory, lastMarkAt: mark.at };
    const equityCents = mark.equityCents - (feesCommittedCents - feesBefore);
    const now = Date.now();
    const day = tradingDayOf(now);
    const at = new Date(now).toISOString();
    if (day !== memory.trading.day) apply({ kind: 'day-rollover', day, openingValueCents: equityCents, at });
    else apply({ kind: 'equity', source: 'mark', equityCents, at });
    if (domain === 'live' && venue === 'coinbase') {
      const wallet = hotWalletCheck(mark.equityCents, policy.limits);
      if (wallet.alert && memory.hotWalletAlertDay !== day) {
        memory = { ...memory, hotWalletAlertDay: day };
        effects.push({ kind: 'alert-operator', severity: wallet.severity, message: wallet.reason });
      }
    }
  }

  /** Carries out what the trading-state reducer decided, in order: record, alert, cancel. */
  async function carryOutEffects(): Promise<void> {
    while (effects.length > 0) {
      const effect = effects.shift()!;
      if (effect.kind === 'record-transition') {
        memory = { ...memory, transitions: memory.transitions + 1 };
        await act.ledger.appendLedgerEntry({
          kind: 'guardian.transition',
          account,
          payload: { transition: { ...effect.transition }, memory: JSON.parse(JSON.stringify(memory)) },
          idempotencyKey: `guardian.transition:${account}:${workflowInfo().firstExecutionRunId}:${memory.transitions}`,
        });
      } else if (effect.kind === 'alert-operator') {
        await raiseAlert({
          severity: effect.severity,
          title: `NEMO ${domain} ${venue}: ${memory.trading.status}`,
          body: effect.message,
          dedupeKey: `guardian:${account}:${memory.trading.status}:${effect.message.slice(0, 60)}`,
        });
      } else {
        await cancelWorkingOrders(effect.reason);
      }
    }
  }

  async function cancelWorkingOrders(reason: string): Promise<void> {
    const working = await act.venue.listOrders({ venue, status: 'open' });
    const cancel = domain === 'live' ? act.cancels.cancelLiveOrder : act.cancels.cancelPaperOrder;
    for (const order of working) await cancel({ venue, orderId: order.orderId, market: order.market });
    await act.ledger.appendLedgerEntry({
      kind: 'guardian.orders-cancelled',
      account,
      payload: { reason, cancelled: working.map((o) => o.orderId) },
      idempotencyKey: `guardian.cancel:${account}:${workflowInfo().firstExecutionRunId}:${memory.transitions}`,
    });
  }

  publishState();
  for (;;) {
    wake = false;
    const markedAt = Date.now();
    await markToMarket();
    await carryOutEffects();
    publishState();
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await carryOutEffects();
      await continueAsNew<typeof portfolioGuardian>(input, memory);
    }
    await condition(() => wake || effects.length > 0 || filledSinceMark, input.markEvery as '1m');
    const spacing = markedAt + FILL_MARK_SPACING_MS - Date.now();
    if (!wake && effects.length === 0 && spacing > 0) await condition(() => wake || effects.length > 0, spacing);
  }
}

export async function livePortfolioGuardian(input: GuardianInput, carried?: GuardianMemory): Promise<void> {
  return portfolioGuardian({ ...input, domain: 'live' }, carried);
}

export async function paperPortfolioGuardian(input: GuardianInput, carried?: GuardianMemory): Promise<void> {
  return portfolioGuardian({ ...input, domain: 'paper' }, carried);
}
