import type { WorkerContext } from '../workers/worker-context';
import { coreHealthProbes, createHealthActivities, serviceHealthProbes } from './health';
import { createHeartbeatActivities } from './heartbeat';
import { createBackupActivities } from './backups';
import { ledgerKeyOf } from '../ledger/ledger-store';
import { createAlertActivities } from './alerts/alert-activities';
import { createAlertService } from './alerts/alert-service';
import { createApprovalActivities } from './approvals';
import { createKeyActivities } from './keys';
import { localVaultKeeper } from '../platform/vault/vault-keeper';
import { createKalshiKeyRevoker, kalshiBaseUrlFor } from './keys-kalshi-revoker';
import { venuePortsFor } from './exchanges/credentials';
import { createIncidentActivities } from './incidents';
import { createIncidentWatchActivities } from './incidents-watch';
import { createReconciliationActivities } from './reconciliation';
import { createAuditActivities } from './audits';
import { createReportActivities } from './reports';
import { createRollbackActivities } from './upgrade/rollback-activities';

/** The control domain's activities: heartbeat, health, alerts, approvals, keys, backups, incidents, reconciliation, audits, reports. */
export function controlActivities(ctx: WorkerContext) {
  const alerts = createAlertService(ctx);
  const ports = venuePortsFor('control', ctx.secrets, ctx.config);
  return {
    ...createAlertActivities(alerts),
    ...createApprovalActivities({ ...ctx, alerts }),
    ...createKeyActivities({ ...ctx, vault: ctx.vaultKeeper ?? localVaultKeeper(ctx.config, createKalshiKeyRevoker(kalshiBaseUrlFor(ctx.config))) }),
    ...createHeartbeatActivities(ctx),
    ...createBackupActivities({
      databaseUrl: ctx.config.DATABASE_URL, backupDir: ctx.config.NEMO_BACKUP_DIR ?? ctx.home.backups, ledgerKey: ledgerKeyOf(ctx.ledgerPool), checkpointsFile: ctx.home.ledgerCheckpoints,
    }),
    ...createHealthActivities(() => [...coreHealthProbes(ctx), ...serviceHealthProbes({ ports, secrets: ctx.secrets, config: ctx.config })]),
    // Incident response and operations (issue 7). The venues are read with the read-only keys only.
    ...createIncidentActivities({ ctx, ports }),
    ...createIncidentWatchActivities(ctx),
    ...createReconciliationActivities({ ctx, ports }),
    ...createAuditActivities(ctx),
    ...createReportActivities({ ctx, ports }),
    ...createRollbackActivities(ctx),
  };
}
