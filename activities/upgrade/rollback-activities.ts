import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { LedgerDomain } from '../../ledger/entry';
import { ApplicationFailure, msToNumber } from '@temporalio/common';
import type { NemoConfig } from '../../platform/config';
import type { NemoHome } from '../../platform/nemo-home';
import { rollBack, RollbackError, type RollbackResult } from './rollback';

/**
 * `rollBackToLastGoodVersion` (capability release.rollback): registered by the upgrade worker, for the self-upgrade
 * workflow's automatic rollback, and available to the control worker, for the TechnicalFailure incident. It writes
 * its own ledger entry (upgrade.rolled-back, or upgrade.rollback-unavailable when there is no earlier good version).
 */

/** A WorkerContext fits: the upgrade worker and the control worker each register it with their own context. */
export interface RollbackActivityDeps {
  temporal: Client;
  home: NemoHome;
  ledgerPool: pg.Pool;
  /** The domain of the worker that registers the activity (written on its ledger entry). */
  domain: LedgerDomain;
  /** How long the restored build's workers may take to start, and how long the left build stays warm. */
  config: Pick<NemoConfig, 'NEMO_UPGRADE_DEPLOY_TIMEOUT' | 'NEMO_UPGRADE_KEEP_WARM'>;
}

export interface LastGoodVersionRequest {
  /** Why, for the ledger and the operator (e.g. the failed health check, or the incident id). */
  reason: string;
  /** The build that failed; default: the current one. */
  failedBuildId?: string;
}

export function createRollbackActivities(deps: RollbackActivityDeps) {
  return {
    async rollBackToLastGoodVersion(request: LastGoodVersionRequest): Promise<RollbackResult> {
      const { workflowExecution, workflowType, activityId, attempt } = Context.current().info;
      try {
        return await rollBack(
          {
            client: deps.temporal,
            home: deps.home,
            pool: deps.ledgerPool,
            ledgerDomain: deps.domain,
            identity: `${workflowType ?? 'nemo'}/${workflowExecution?.workflowId ?? 'activity'}`,
            readyTimeoutMs: msToNumber(deps.config.NEMO_UPGRADE_DEPLOY_TIMEOUT as '3m'),
            keepWarmMs: msToNumber(deps.config.NEMO_UPGRADE_KEEP_WARM as '30m'),
            onWait: (why) => Context.current().heartbeat({ waiting: why }),
            // Per attempt: a retry may find the rollback already done and records what it found.
            idempotencyKey: `rollback:${workflowExecution?.workflowId}:${workflowExecution?.runId}:${activityId}:${attempt}`,
          },
          {
            reason: request.reason,
            failedBuildId: request.failedBuildId,
            by: workflowType ?? 'nemo',
            condemnsCurrent: true,
          },
        );
      } catch (err) {
        if (err instanceof RollbackError) throw ApplicationFailure.nonRetryable(err.message, 'RollbackRefused');
        throw err;
      }
    },
  };
}

export type RollbackActivities = ReturnType<typeof createRollbackActivities>;
