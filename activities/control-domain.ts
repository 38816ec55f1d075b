import type { WorkerContext } from '../workers/worker-context';
import { coreHealthProbes, createHealthActivities } from './health';
import { createHeartbeatActivities } from './heartbeat';
import { createBackupActivities } from './backups';

/** The control domain's activities: heartbeat, health and (later) incidents, backups, reconciliation, audits. */
export function controlActivities(ctx: WorkerContext) {
  return {
    ...createHeartbeatActivities(ctx),
    ...createBackupActivities({ databaseUrl: ctx.config.DATABASE_URL, backupDir: ctx.config.NEMO_BACKUP_DIR ?? ctx.home.backups }),
    ...createHealthActivities(() => coreHealthProbes(ctx)),
  };
}
