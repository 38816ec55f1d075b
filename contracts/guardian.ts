import { ApplicationFailure } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExposureBook } from '../policies/exposure-book';
import type { Limits, TradingDomain } from '../policies/limits';
import type { Cents } from '../policies/money';
import type { Position, RecentOrder, Venue, VenueOrder } from '../policies/orders';
import type { RiskPolicy } from '../policies/risk-policy';
import type { TradeEvidence, TradeProposal } from '../policies/trade-validation';
import type { TradingState } from '../policies/trading-state';
import type { FailedCheck } from '../policies/verdict';

/**
 * The portfolio guardian's messages: shared by the guardian workflow, the activities that call it for trades, and
 * the `nemo` commands. Reservations and operator commands are updates (the caller gets an answer, and a refused
 * reservation is rejected by the validator before anything is written); incidents are signals (fire and forget).
 */

/** The guardian of one venue account in one domain: `guardian/live/kalshi`. */
export function guardianWorkflowId(domain: TradingDomain, venue: Venue): string {
  return `guardian/${domain}/${venue}`;
}

export interface ReserveRequest {
  proposal: TradeProposal;
  evidence: Omit<TradeEvidence, 'now'>;
}

export interface Reserved {
  reservationId: string;
  intent: 'buy' | 'reduce';
  /** Exposure reserved (0 for a risk-reducing sell). */
  costCents: Cents;
  notes: string[];
  /** The limits the guardian enforced (shown to the operator when a trade asks for approval). */
  limits: Limits;
}

/**
 * The failure type of an order the guardian refuses: an ApplicationFailure thrown from the reservation's validator,
 * its first detail the failed checks (so nothing is ever parsed back out of a message).
 */
export const TRADE_REFUSED = 'TradeRefused';

export function tradeRefused(failures: FailedCheck[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `trade refused by the portfolio guardian: ${failures.map((f) => `${f.check}: ${f.reason}`).join('; ')}`,
    TRADE_REFUSED,
    failures,
  );
}

/** The failed checks of a TradeRefused failure, wherever it sits in the cause chain; undefined for any other error. */
export function refusedChecks(err: unknown): FailedCheck[] | undefined {
  for (let e = err; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type === TRADE_REFUSED)
      return (e.details?.[0] as FailedCheck[] | undefined) ?? [];
  }
  return undefined;
}

export interface ConfirmRequest {
  reservationId: string;
  intent: 'buy' | 'reduce';
}

export interface FillReport {
  reservationId: string;
  /** The venue order id (the commit is idempotent on it). */
  orderId: string;
  /** The order as filled: its quantity is the filled quantity, its price the average fill price. */
  filled: VenueOrder;
  intent: 'buy' | 'reduce';
  /** What the filled part cost, fees included (buys); proceeds are not exposure. */
  costCents: Cents;
  feesCents: Cents;
}

export interface OperatorCommand {
  action: 'halt' | 'resume' | 'reset';
  by: string;
  reason: string;
}

export interface OperatorCommandResult {
  applied: boolean;
  refused?: string;
  status: TradingState['status'];
}

export interface IncidentNotice {
  source: string;
  description: string;
}

export interface GuardianStatus {
  domain: TradingDomain;
  venue: Venue;
  trading: TradingState;
  cashCents: Cents;
  dayPnlCents: Cents;
  totalPnlCents: Cents;
  exposure: { committedCents: Cents; reservedCents: Cents; limitCents: Cents };
  /** The whole reservation book, so a trade's pre-check counts every open claim on the room. */
  exposureBook: ExposureBook;
  /** The policy the guardian enforces, so a trade can check itself against it before asking the operator. */
  policy: RiskPolicy;
  openReservations: number;
  positions: Position[];
  recentOrders: RecentOrder[];
  lastMarkAt: string | null;
}

/** What a guardian carries across continue-as-new, and records in the ledger with every transition. */
export interface GuardianMemory {
  trading: TradingState;
  exposure: ExposureBook;
  cashCents: Cents;
  positions: Position[];
  recentOrders: RecentOrder[];
  /** Transitions recorded so far (their ledger idempotency keys count on it). */
  transitions: number;
  lastMarkAt: string | null;
  /** The UTC day the hot-wallet alert was last raised (once a day is enough). */
  hotWalletAlertDay: string | null;
}

export const reserveExposureUpdate = defineUpdate<Reserved, [ReserveRequest]>('reserveExposure');
/** After waiting for the operator: does the reservation still stand (trading may have stopped meanwhile)? */
export const confirmReservationUpdate = defineUpdate<void, [ConfirmRequest]>('confirmReservation');
export const commitFillUpdate = defineUpdate<{ committedCents: Cents; releasedCents: Cents }, [FillReport]>(
  'commitFill',
);
export const releaseReservationUpdate = defineUpdate<{ releasedCents: Cents }, [string]>('releaseReservation');
export const operatorCommandUpdate = defineUpdate<OperatorCommandResult, [OperatorCommand]>('operatorCommand');
export const reconciliationUpdate = defineUpdate<TradingState['status'], ['started' | 'ended']>('reconciliation');
export const incidentSignal = defineSignal<[IncidentNotice]>('incident');
export const guardianStatusQuery = defineQuery<GuardianStatus>('guardianStatus');
