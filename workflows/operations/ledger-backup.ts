import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BackupActivities, BackupProof } from '../../activities/operations/backups';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import type { RetentionPolicy } from '../../policies/backup-retention';
import { TASK_QUEUES } from '../../policies/domains';
import { BACKUP, LEDGER_WRITE } from '../activity-options';
import { ledgerOf } from './ledger';

const { backUpLedger, proveBackup } = proxyActivities<BackupActivities>({ taskQueue: TASK_QUEUES.control, ...BACKUP });
const { pruneBackups } = proxyActivities<BackupActivities>({ taskQueue: TASK_QUEUES.control, ...LEDGER_WRITE });
const { appendLedgerEntry } = ledgerOf('control');

/**
 * seed: "Hourly backups to external storage" and "Validate backup integrity": dump, prove the dump by restoring it
 * and verifying the restored ledger, record the result, then apply the retention policy. An unproven backup is
 * recorded as failed and never counts; pruning only runs after a proven one, so a bad hour cannot delete good copies.
 */
export async function ledgerBackup(retention: RetentionPolicy): Promise<BackupProof> {
  const backup = await backUpLedger();
  const proof = await proveBackup(backup.name);
  const pruned = proof.ok ? await pruneBackups(retention) : [];
  await appendLedgerEntry({
    kind: proof.ok ? 'backup.verified' : 'backup.failed',
    account: SYSTEM_ACCOUNT,
    payload: {
      name: backup.name,
      file: backup.file,
      bytes: backup.bytes,
      sha256: backup.sha256,
      ledgerHead: { ...backup.ledgerHead },
      restoreMs: proof.restoreMs,
      entriesVerified: proof.entries,
      problem: proof.problem ?? null,
      pruned,
    },
    idempotencyKey: `backup:${workflowInfo().workflowId}:${workflowInfo().runId}`,
  });
  return proof;
}
