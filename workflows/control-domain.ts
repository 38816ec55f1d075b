// The workflows the control worker runs (and no others).
export { heartbeat } from './operations/heartbeat';
export { healthCheck } from './operations/health-check';
export { ledgerBackup } from './operations/ledger-backup';
export { restoreDrill } from './operations/restore-drill';
export { keyAgeCheck } from './security/key-age-check';
export { alertDigest } from './operations/alert-digest';
export { securityBreach } from './incidents/security-breach';
export { financialLoss } from './incidents/financial-loss';
export { technicalFailure } from './incidents/technical-failure';
export { incidentWatch } from './incidents/incident-watch';
export { dailyReconciliation } from './operations/reconciliation';
export { accountSnapshot } from './operations/audit-snapshot';
export { dailyAudit } from './operations/audit-daily';
export { weeklyReview } from './operations/audit-weekly';
export { monthlyDeepDive } from './operations/audit-monthly';
