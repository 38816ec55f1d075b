import type { WorkerContext } from '../workers/worker-context';
import { coreHealthProbes, createHealthActivities } from './health';
import { createHeartbeatActivities } from './heartbeat';
import { createBackupActivities } from './backups';
import { createAlertActivities } from './alerts/alert-activities';
import { createAlertService } from './alerts/alert-service';
import { createApprovalActivities } from './approvals';
import { createKeyActivities } from './keys';
import { createKalshiKeyRevoker, kalshiBaseUrlFor } from './keys-kalshi-revoker';

/** The control domain's activities: heartbeat, health and (later) incidents, backups, reconciliation, audits. */
export function controlActivities(ctx: WorkerContext) {
  const alerts = createAlertService(ctx);
  return {
    ...createAlertActivities(alerts),
    ...createApprovalActivities({ ...ctx, alerts }),
    ...createKeyActivities({ ...ctx, revoker: createKalshiKeyRevoker(kalshiBaseUrlFor(ctx.config)) }),
    ...createHeartbeatActivities(ctx),
    ...createBackupActivities({ databaseUrl: ctx.config.DATABASE_URL, backupDir: ctx.config.NEMO_BACKUP_DIR ?? ctx.home.backups }),
    ...createHealthActivities(() => coreHealthProbes(ctx)),
  };
}
