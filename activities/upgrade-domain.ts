import { msToNumber } from '@temporalio/common';
import type { WorkerContext } from '../platform/worker-context';
import { keyFileOf } from '../platform/vault/master-key';
import { createRollbackActivities } from './upgrade/rollback-activities';
import { createUpgradeActivities } from './upgrade/upgrade-activities';

type DurationText = Parameters<typeof msToNumber>[0];

/** The upgrade domain's activities: candidates, checks, releases, deploys, health watches and rollbacks. */
export function upgradeActivities(ctx: WorkerContext) {
  const { config } = ctx;
  return {
    ...createUpgradeActivities({
      roots: { repo: config.NEMO_UPGRADE_REPO, home: ctx.home },
      settings: {
        testCommand: config.NEMO_UPGRADE_TEST_COMMAND,
        hiddenFromCandidates: [keyFileOf(config)],
        backtestCommand: config.NEMO_UPGRADE_BACKTEST_COMMAND,
        checkTimeoutMs: msToNumber(config.NEMO_UPGRADE_CHECK_TIMEOUT as DurationText),
        testDatabaseUrl: config.NEMO_UPGRADE_TEST_DATABASE_URL,
        deployTimeoutMs: msToNumber(config.NEMO_UPGRADE_DEPLOY_TIMEOUT as DurationText),
        keepWarmMs: msToNumber(config.NEMO_UPGRADE_KEEP_WARM as DurationText),
      },
      client: ctx.temporal,
      buildId: process.env.NEMO_BUILD_ID ?? null,
    }),
    ...createRollbackActivities(ctx),
  };
}
