import type { ActivityOptions } from '@temporalio/workflow';

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

/** Probes of NEMO's own dependencies: each probe bounds itself, so one attempt is the truth of the moment. */
export const HEALTH_PROBE: ActivityOptions = {
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 1 },
};

/** A ledger dump or a restore drill: minutes on a large ledger; heartbeats show progress and detect a dead worker. */
export const BACKUP: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['BackupNotFound'] },
};
