import type { WorkerContext } from '../platform/worker-context';
import { coreHealthProbes, createHealthActivities, serviceHealthProbes } from './operations/health';
import { createHeartbeatActivities } from './operations/heartbeat';
import { createBackupActivities } from './operations/backups';
import { ledgerKeyOf } from '../ledger/ledger-store';
import { createAlertActivities } from './operations/alert-activities';
import { createAlertService } from '../platform/alerts/alert-service';
import { createApprovalActivities } from './approvals/approval-activities';
import { createKeyActivities } from './security/keys';
import { localVaultKeeper } from '../platform/vault/vault-keeper';
import { createKalshiKeyRevoker, kalshiBaseUrlFor } from './security/kalshi-key-revoker';
import { venuePortsFor } from './venues/credentials';
import { createIncidentActivities } from './incidents/incident-activities';
import { createIncidentWatchActivities } from './incidents/incident-watch';
import { createReconciliationActivities } from './operations/reconciliation';
import { createAuditActivities } from './operations/audits';
import { createReportActivities } from './operations/reports';
import { createRollbackActivities } from './upgrade/rollback-activities';

/** The control domain's activities: heartbeat, health, alerts, approvals, keys, backups, incidents, reconciliation, audits, reports. */
export function controlActivities(ctx: WorkerContext) {
  const alerts = createAlertService(ctx);
  const ports = venuePortsFor('control', ctx.secrets, ctx.config);
  return {
    ...createAlertActivities(alerts),
    ...createApprovalActivities({ ...ctx, alerts }),
    ...createKeyActivities({
      ...ctx,
      vault: ctx.vaultKeeper ?? localVaultKeeper(ctx.config, createKalshiKeyRevoker(kalshiBaseUrlFor(ctx.config))),
    }),
    ...createHeartbeatActivities(ctx),
    ...createBackupActivities({
      databaseUrl: ctx.config.DATABASE_URL,
      backupDir: ctx.config.NEMO_BACKUP_DIR ?? ctx.home.backups,
      ledgerKey: ledgerKeyOf(ctx.ledgerPool),
      checkpointsFile: ctx.home.ledgerCheckpoints,
    }),
    ...createHealthActivities(() => [
      ...coreHealthProbes(ctx),
      ...serviceHealthProbes({ ports, secrets: ctx.secrets, config: ctx.config }),
    ]),
    // Incident response and operations (issue 7). The venues are read with the read-only keys only.
    ...createIncidentActivities({ ctx, ports }),
    ...createIncidentWatchActivities(ctx),
    ...createReconciliationActivities({ ctx, ports }),
    ...createAuditActivities(ctx),
    ...createReportActivities({ ctx, ports }),
    ...createRollbackActivities(ctx),
  };
}
