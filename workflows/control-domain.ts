// The workflows the control worker runs (and no others).
export { heartbeat } from './heartbeat';
export { healthCheck } from './health-check';
export { ledgerBackup } from './ledger-backup';
export { restoreDrill } from './restore-drill';
export { keyAgeCheck } from './key-age-check';
export { alertDigest } from './alert-digest';
export { securityBreach } from './incident-security-breach';
export { financialLoss } from './incident-financial-loss';
export { technicalFailure } from './incident-technical-failure';
export { incidentWatch } from './incident-watch';
export { dailyReconciliation } from './reconciliation';
export { accountSnapshot } from './audit-snapshot';
export { dailyAudit } from './audit-daily';
export { weeklyReview } from './audit-weekly';
export { monthlyDeepDive } from './audit-monthly';
