import { dollars } from './format';
import type { Limits } from './limits';
import { dailyLossBreach, totalLossBreach } from './loss-breakers';
import { assertCents, type Cents } from './money';

/**
 * The account's trading state (seed: "Circuit Breakers"; NautilusTrader's ACTIVE / REDUCING / HALTED; FIA kill-switch
 * guidance) as a pure reducer: the portfolio guardian feeds it every event and carries out the effects it returns.
 *
 *   ACTIVE    any order that passes validation
 *   REDUCING  only risk-reducing orders (while reconciling with the venue)
 *   PAUSED    daily loss reached; only an operator's resume after review lifts it (seed: "Manual review required")
 *   HALTED    kill switch or incident: no new orders, working orders cancelled, risk-reducing orders allowed
 *   SHUTDOWN  total loss reached; permanent until an operator resets it with a reason (seed: "Complete shutdown")
 *
 * Every change of status returns exactly one `record-transition` effect (a ledger entry) and one `alert-operator`.
 */
export const TRADING_STATUSES = ['ACTIVE', 'REDUCING', 'PAUSED', 'HALTED', 'SHUTDOWN'] as const;
export type TradingStatus = (typeof TRADING_STATUSES)[number];

export interface TradingState {
  status: TradingStatus;
  /** A reconciliation with the venue is running: new orders wait (NautilusTrader StreamReconciling). */
  reconciling: boolean;
  /** The trading day (e.g. "2026-02-12") whose opening value is the daily baseline. */
  day: string;
  /** All-time starting value the total loss is measured from; an operator's reset starts it again. */
  startingValueCents: Cents;
  /** The day's opening value the daily loss is measured from, or the value when the operator resumed after a pause. */
  dayBaselineCents: Cents;
  /** The latest portfolio value: cash after every fee paid plus positions at their marks. */
  equityCents: Cents;
  /** When the status last changed (ISO 8601). */
  since: string;
}

export interface Operator {
  /** Who decided (recorded with the transition). */
  by: string;
  reason: string;
}

export type TradingEvent =
  | { kind: 'equity'; source: 'fill' | 'mark'; equityCents: Cents; at: string }
  | { kind: 'day-rollover'; day: string; openingValueCents: Cents; at: string }
  | ({ kind: 'operator-halt'; at: string } & Operator)
  | ({ kind: 'operator-resume'; at: string } & Operator)
  | ({ kind: 'operator-reset'; at: string } & Operator)
  | { kind: 'reconciliation-started'; at: string }
  | { kind: 'reconciliation-ended'; at: string }
  | { kind: 'incident'; source: string; description: string; at: string };

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface TransitionRecord {
  from: TradingStatus;
  to: TradingStatus;
  cause: TradingEvent['kind'];
  reason: string;
  /** The operator, or "guardian" for an automatic breaker. */
  by: string;
  at: string;
  equityCents: Cents;
  dayBaselineCents: Cents;
  startingValueCents: Cents;
}

export type TradingEffect =
  | { kind: 'record-transition'; transition: TransitionRecord }
  | { kind: 'alert-operator'; severity: AlertSeverity; message: string }
  | { kind: 'cancel-working-orders'; reason: string };

export interface TradingStep {
  state: TradingState;
  effects: TradingEffect[];
  /** Why an operator's command was not applied (state unchanged), for the command to tell the operator. */
  refused?: string;
}

/** What an order does to risk: cancels and risk-reducing orders are the only ones a stopped account may send. */
export type OrderAdmission = 'cancel' | 'reduce' | 'increase';

/** Whether the status lets an order of this kind through (seed: "Continuing trading after circuit breaker" is forbidden). */
export function admitsOrder(status: TradingStatus, kind: OrderAdmission): boolean {
  return kind !== 'increase' || status === 'ACTIVE';
}

/**
 * The trading day an instant belongs to: its UTC calendar date. The guardian sends a day-rollover when it changes.
 * (Deterministic: it formats the time it is given, it reads no clock.)
 */
export function tradingDayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function openTradingState(init: { startingValueCents: Cents; day: string; at: string }): TradingState {
  assertCents(init.startingValueCents, 'startingValueCents');
  return {
    status: 'ACTIVE',
    reconciling: false,
    day: init.day,
    startingValueCents: init.startingValueCents,
    dayBaselineCents: init.startingValueCents,
    equityCents: init.startingValueCents,
    since: init.at,
  };
}

const SEVERITY: Readonly<Record<TradingStatus, AlertSeverity>> = {
  ACTIVE: 'info',
  REDUCING: 'warning',
  // seed: "Operator SMS alert on all breakers"
  PAUSED: 'critical',
  HALTED: 'critical',
  SHUTDOWN: 'critical',
};

/** Statuses that stop new positions also cancel working orders, which could still open them. */
const CANCELS_WORKING_ORDERS: ReadonlySet<TradingStatus> = new Set(['PAUSED', 'HALTED', 'SHUTDOWN']);

const GUARDIAN = 'guardian';

export function applyTradingEvent(state: TradingState, event: TradingEvent, limits: Limits): TradingStep {
  switch (event.kind) {
    case 'equity': {
      assertCents(event.equityCents, 'equityCents');
      return tripBreakers({ ...state, equityCents: event.equityCents }, event, limits);
    }
    case 'day-rollover': {
      // A new day measures the daily loss from its opening value; it does not lift a pause (seed: manual review).
      assertCents(event.openingValueCents, 'openingValueCents');
      const next = {
        ...state,
        day: event.day,
        dayBaselineCents: event.openingValueCents,
        equityCents: event.openingValueCents,
      };
      return tripBreakers(next, event, limits);
    }
    case 'operator-halt': {
      // A kill switch is never refused for want of a name or a reason: stopping is always safe.
      if (state.status === 'HALTED' || state.status === 'SHUTDOWN') {
        return { state, effects: [], refused: `trading is already ${state.status}` };
      }
      const by = event.by.trim() || 'an unnamed operator';
      return transition(
        state,
        'HALTED',
        event,
        `kill switch by ${by}: ${event.reason.trim() || 'no reason given'}`,
        by,
      );
    }
    case 'incident': {
      const reason = `incident from ${event.source}: ${event.description}`;
      if (state.status === 'HALTED' || state.status === 'SHUTDOWN') {
        return {
          state,
          effects: [
            { kind: 'alert-operator', severity: 'critical', message: `${reason} (trading already ${state.status})` },
          ],
        };
      }
      // seed: Security Breach Protocol step 1, "Immediate halt of all operations"
      return transition(state, 'HALTED', event, reason, GUARDIAN);
    }
    case 'operator-resume': {
      const refused =
        operatorRefusal(event) ??
        (state.status === 'SHUTDOWN'
          ? 'SHUTDOWN is lifted only by an operator reset with a reason'
          : state.status !== 'PAUSED' && state.status !== 'HALTED'
            ? `nothing to resume: trading is ${state.status}`
            : undefined);
      if (refused) return { state, effects: [], refused };
      // Resuming after a daily-loss pause accepts the loss reviewed so far: the daily loss is measured from here on.
      const resumed = state.status === 'PAUSED' ? { ...state, dayBaselineCents: state.equityCents } : state;
      return lift(resumed, event, `resumed by ${event.by} after review: ${event.reason}`, event.by, limits);
    }
    case 'operator-reset': {
      const refused =
        operatorRefusal(event) ??
        (state.status !== 'SHUTDOWN' ? `only SHUTDOWN is reset; trading is ${state.status}` : undefined);
      if (refused) return { state, effects: [], refused };
      // The operator accepts the total loss: both baselines start again from today's value.
      const reset = { ...state, startingValueCents: state.equityCents, dayBaselineCents: state.equityCents };
      return lift(reset, event, `reset by ${event.by}: ${event.reason}`, event.by, limits);
    }
    case 'reconciliation-started': {
      const next = { ...state, reconciling: true };
      if (state.status !== 'ACTIVE') return { state: next, effects: [] };
      return transition(
        next,
        'REDUCING',
        event,
        'reconciling with the venue: only risk-reducing orders until it ends',
        GUARDIAN,
      );
    }
    case 'reconciliation-ended': {
      const next = { ...state, reconciling: false };
      if (state.status !== 'REDUCING') return { state: next, effects: [] };
      return lift(next, event, 'reconciliation with the venue ended', GUARDIAN, limits);
    }
  }
}

/**
 * Lifts a stop (operator's resume or reset, end of a reconciliation) to ACTIVE, or to REDUCING while a reconciliation
 * runs, unless the figures trip a breaker right away: trading never resumes into a loss past a limit.
 */
function lift(state: TradingState, event: TradingEvent, reason: string, by: string, limits: Limits): TradingStep {
  const to: TradingStatus = state.reconciling ? 'REDUCING' : 'ACTIVE';
  const breaker = trippedBreaker({ ...state, status: to }, limits);
  if (breaker) return transition(state, breaker.to, event, `${reason}; but ${breaker.reason}`, by);
  return transition(state, to, event, reason, by);
}

function operatorRefusal(event: Operator): string | undefined {
  if (event.by.trim() === '') return 'the operator must be named';
  if (event.reason.trim() === '') return 'a reason is required';
  return undefined;
}

/** seed: "Automatic trading halt on 5% daily drawdown", "Complete shutdown at 65% total loss". */
function trippedBreaker(
  state: TradingState,
  limits: Limits,
): { to: 'PAUSED' | 'SHUTDOWN'; reason: string } | undefined {
  if (state.status === 'SHUTDOWN') return undefined;
  const total = totalLossBreach(state.startingValueCents, state.equityCents, limits);
  if (total) return { to: 'SHUTDOWN', reason: total };
  // PAUSED and HALTED already refuse new risk; a deeper daily loss changes nothing there.
  if (state.status !== 'ACTIVE' && state.status !== 'REDUCING') return undefined;
  const daily = dailyLossBreach(state.dayBaselineCents, state.equityCents, limits);
  return daily ? { to: 'PAUSED', reason: daily } : undefined;
}

function tripBreakers(state: TradingState, event: TradingEvent, limits: Limits): TradingStep {
  const breaker = trippedBreaker(state, limits);
  if (!breaker) return { state, effects: [] };
  const on = event.kind === 'equity' ? `, on a ${event.source}` : ', at the day rollover';
  return transition(state, breaker.to, event, `${breaker.reason}${on}`, GUARDIAN);
}

/** Moves to `to`: the record (a ledger entry), the operator's alert and, for a stop, the cancels. */
function transition(
  state: TradingState,
  to: TradingStatus,
  event: TradingEvent,
  reason: string,
  by: string,
): TradingStep {
  const record: TransitionRecord = {
    from: state.status,
    to,
    cause: event.kind,
    reason,
    by,
    at: event.at,
    equityCents: state.equityCents,
    dayBaselineCents: state.dayBaselineCents,
    startingValueCents: state.startingValueCents,
  };
  const effects: TradingEffect[] = [
    { kind: 'record-transition', transition: record },
    {
      kind: 'alert-operator',
      severity: SEVERITY[to],
      message: `trading ${state.status} -> ${to}: ${reason} (portfolio ${dollars(state.equityCents)})`,
    },
  ];
  if (CANCELS_WORKING_ORDERS.has(to)) {
    effects.push({ kind: 'cancel-working-orders', reason });
  }
  return { state: { ...state, status: to, since: event.at }, effects };
}
