import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BackupActivities, BackupProof } from '../../activities/operations/backups';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { BACKUP } from '../activity-options';
import { ledgerOf } from './ledger';

const { latestBackupName, proveBackup } = proxyActivities<BackupActivities>({
  taskQueue: TASK_QUEUES.control,
  ...BACKUP,
});
const { appendLedgerEntry } = ledgerOf('control');

/**
 * seed: "Disaster recovery drill": restore a backup (the newest, or the one named) into a scratch database, verify
 * the restored ledger, and record the measured recovery time.
 */
export async function restoreDrill(name?: string): Promise<BackupProof | { ok: false; problem: string }> {
  const target = name ?? (await latestBackupName());
  if (!target) {
    const none = { ok: false as const, problem: 'no backup exists yet to restore' };
    await appendLedgerEntry({
      kind: 'backup.restore-drill',
      account: SYSTEM_ACCOUNT,
      payload: { ...none, name: null },
      idempotencyKey: `drill:${workflowInfo().workflowId}:${workflowInfo().runId}`,
    });
    return none;
  }
  const proof = await proveBackup(target);
  await appendLedgerEntry({
    kind: 'backup.restore-drill',
    account: SYSTEM_ACCOUNT,
    payload: {
      name: proof.name,
      ok: proof.ok,
      restoreMs: proof.restoreMs,
      entriesVerified: proof.entries,
      problem: proof.problem ?? null,
    },
    idempotencyKey: `drill:${workflowInfo().workflowId}:${workflowInfo().runId}`,
  });
  return proof;
}
