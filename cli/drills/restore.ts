import type { BackupProof } from '../../activities/operations/backups';
import { latestEntry } from '../../ledger/ledger-store';
import { TASK_QUEUES } from '../../policies/domains';
import { check, ledgerMark, waitFor, type DrillCheck, type DrillContext } from './drill-kit';

/**
 * seed: "Disaster recovery drill". Restores the newest ledger backup (taking one first if none exists) into a scratch
 * database through the `restoreDrill` workflow, which verifies the restored hash chain and measures the recovery
 * time; the drill checks the result, the ledger record, and that the scratch database is gone afterwards.
 */
export async function restoreDrill(ctx: DrillContext): Promise<{ checks: DrillCheck[]; restored: DrillCheck[] }> {
  const checks: DrillCheck[] = [];
  if (!(await latestEntry(ctx.pool, 'backup.verified'))) {
    const mark = await ledgerMark(ctx);
    ctx.say('no verified backup yet: running the ledger backup now');
    await ctx.client.schedule.getHandle('nemo-ledger-backup').trigger();
    const backup = await waitFor(async () => {
      const entry = await latestEntry(ctx.pool, 'backup.verified');
      return entry && entry.seq > mark ? entry : undefined;
    }, ctx.waitMs);
    checks.push(
      check(
        'a backup to restore',
        Boolean(backup),
        backup
          ? `backup ${String(backup.payload.name)} taken and verified now`
          : `no verified backup within ${ctx.waitMs / 1000} s`,
      ),
    );
    if (!backup) return { checks, restored: [] };
  }
  const mark = await ledgerMark(ctx);
  ctx.say('restoring the newest backup into a scratch database (workflow restoreDrill on the control worker)');
  const proof = (await ctx.client.workflow.execute('restoreDrill', {
    taskQueue: TASK_QUEUES.control,
    workflowId: `drill/restore/${new Date().toISOString()}`,
    args: [],
  })) as BackupProof | { ok: false; problem: string };
  checks.push(
    check(
      'newest backup restored and its hash chain verified',
      proof.ok,
      'name' in proof
        ? `${proof.name}: ${proof.ok ? `${proof.entries} entries verified, recovery time ${proof.restoreMs} ms` : proof.problem}`
        : proof.problem,
    ),
  );
  const recorded = await latestEntry(ctx.pool, 'backup.restore-drill');
  checks.push(
    check(
      'restore drill recorded in the ledger',
      Boolean(recorded && recorded.seq > mark),
      recorded && recorded.seq > mark ? `ledger seq ${recorded.seq}` : 'no backup.restore-drill entry',
    ),
  );
  const { rows } = await ctx.pool.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'nemo_restore_%'",
  );
  return {
    checks,
    restored: [
      check(
        'scratch database dropped',
        rows.length === 0,
        rows.length ? `left: ${rows.map((r) => r.datname).join(', ')}` : 'none left',
      ),
    ],
  };
}
