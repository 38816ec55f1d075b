// The workflows the control worker runs (and no others).
export { heartbeat } from './heartbeat';
export { healthCheck } from './health-check';
export { ledgerBackup } from './ledger-backup';
export { restoreDrill } from './restore-drill';
export { keyAgeCheck } from './key-age-check';
export { alertDigest } from './alert-digest';
