import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_VENUE_FAILURES } from '../policies/venue-failures';

/**
 * Timeout and retry policies, one per kind of call. Start-to-close timeouts are sized to the call so a crashed
 * worker is noticed quickly; named domain errors are never retried.
 */

/** Errors that retrying cannot fix. Activities throw ApplicationFailure with these types. */
export const NON_RETRYABLE_ERRORS = [
  'DomainViolation',
  'LedgerConflictError',
  'LedgerInputError',
  'ConfigError',
  // Research (activities/research/backtest.ts, activities/research/analyst, activities/research/sources)
  'UnknownStrategyError',
  'BacktestDataError',
  'LookAheadError',
  'SourceNotAllowed',
  'AnalystInputError',
  'LlmCredentialError',
  'ScreeningInputError',
  'AlertInputError',
  'ApprovalInputError',
  // Venue failures retrying cannot fix, from their classification (policies/venue-failures.ts)
  ...NON_RETRYABLE_VENUE_FAILURES,
  // Incident response and reconciliation (activities/incidents*.ts, activities/operations/reconciliation.ts)
  'IncidentInputError',
  'ReconciliationInputError',
];

/** A ledger append: a quick local database write; retried generously because losing a fact is not an option. */
export const LEDGER_WRITE: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/**
 * A quick step run as a local activity, in the worker that runs the workflow (no task queue round trip; the domain
 * guard checks it like any other): a trade's read-only look-ups and its calls to the guardian (each update carries an
 * id from the order, so a re-run gets the guardian's first answer). Retried in the worker while short, then by timer.
 */
export const LOCAL_STEP: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  localRetryThreshold: '10s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/** Probes of NEMO's own dependencies: each probe bounds itself, so one attempt is the truth of the moment. */
export const HEALTH_PROBE: ActivityOptions = {
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 1 },
};

/** A ledger dump or a restore drill: minutes on a large ledger; heartbeats show progress and detect a dead worker. */
export const BACKUP: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['BackupNotFound'],
  },
};

/**
 * Telling the operator (SMS and email, each bounded by its own 10-20 s timeouts), also used by approval requests,
 * which alert the operator. Retries never send twice: the alert is recorded under an idempotency key, and a retry
 * returns that record.
 */
export const ALERT_DELIVERY: ActivityOptions = {
  startToCloseTimeout: '90s',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/**
 * A venue read (market data or the account). Each HTTP call is bounded at 10 s by the adapter and a list may take a
 * few pages. 429 (after the venue's Retry-After), 5xx, timeouts and dropped connections are retried.
 */
export const VENUE_READ: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/**
 * Placing an order: up to three calls (look-up by client order id on a retry, place, read the fills), each bounded at
 * 10 s. Retries are safe because placement is idempotent on the client order id; they stop after two minutes so a
 * stale order is not placed long after the decision was taken.
 */
export const ORDER_PLACEMENT: ActivityOptions = {
  startToCloseTimeout: '35s',
  scheduleToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '20s',
    maximumAttempts: 6,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/** Cancelling an order (cancel, then read it back): idempotent, so retried longer than a placement. */
export const ORDER_CANCEL: ActivityOptions = {
  startToCloseTimeout: '25s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/**
 * A backtest: seconds to minutes of computation. It heartbeats its progress every chunk of bars, so a dead worker is
 * noticed within the heartbeat timeout; a wrong strategy, missing data or a look-ahead fail at once.
 */
export const BACKTEST_RUN: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

// Self-upgrade (issue 8): refusals, failed deploys and refused rollbacks are verdicts, never retried.
const UPGRADE_ERRORS = [...NON_RETRYABLE_ERRORS, 'UpgradeRefused', 'DeployFailed', 'RollbackRefused'];

/** Git, file and npm work on a candidate or a release (seconds to minutes); heartbeats name the step. */
export const UPGRADE_STEP: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: UPGRADE_ERRORS },
};

/**
 * A candidate's full test suite and backtests: the activity itself stops them after NEMO_UPGRADE_CHECK_TIMEOUT;
 * progress heartbeats every few seconds, so a dead worker is noticed within a minute and the run starts over.
 */
export const UPGRADE_CHECKS: ActivityOptions = {
  startToCloseTimeout: '3h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '10s', maximumAttempts: 2, nonRetryableErrorTypes: UPGRADE_ERRORS },
};

/** Deploy, health watch and rollback: each bounded by its own deadline (worker readiness, the health window). */
export const RELEASE_CONTROL: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: UPGRADE_ERRORS },
};

/** A release canary's activity: answers at once. */
export const CANARY: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
};

/** A research scan's batch: many paced venue reads and analyst calls; heartbeats per market show progress. */
export const SCAN_BATCH: ActivityOptions = {
  startToCloseTimeout: '20m',
  heartbeatTimeout: '2m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/**
 * An incident-response step (signal or update the guardians, read the ledger and the venue's books, write a report):
 * seconds each; retried for a good while, because an incident must get through its protocol.
 */
export const INCIDENT_STEP: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};

/** An audit check or an operations report (ledger reads, the chain verified, charts rendered): up to minutes. */
export const REPORT_WRITE: ActivityOptions = {
  startToCloseTimeout: '10m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
  },
};
