import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { controlActivities } from '../../activities/control-domain';
import { listBackups } from '../../activities/operations/backups';
import { appendEntry, readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { TASK_QUEUES } from '../../policies/domains';
import { saveHistoryFixture } from '../support/histories';
import { withLedgerTriggersOff } from '../support/ledger-tamper';
import { testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';

const retention = { hourly: 2, daily: 0, weekly: 0 };

describe('ledger backups proven by restores (real pg_dump, pg_restore, Temporal)', () => {
  let config: NemoConfig;
  let client: Client;
  let run = 0;
  const execute = <T>(type: string, args: unknown[]) =>
    client.workflow.execute<(...a: unknown[]) => Promise<T>>(type, {
      taskQueue: TASK_QUEUES.control,
      workflowId: `${type}-test-${++run}`,
      args,
    });

  before(async () => {
    config = await testConfig();
    client = await testClient(config);
    await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities }]);
    const pool = testAppPool(config.DATABASE_URL);
    for (let n = 1; n <= 25; n++) {
      await appendEntry(pool, {
        kind: 'trade.fill',
        domain: 'live',
        account: 'kalshi-live',
        payload: { n },
        idempotencyKey: `fill-${n}`,
      });
    }
  });

  it('backs up, restores into a scratch database, verifies the chain and records the restore time', async () => {
    const proof = await execute<{ ok: boolean; restoreMs: number; entries: number; name: string }>('ledgerBackup', [
      retention,
    ]);
    assert.equal(proof.ok, true);
    assert.equal(proof.entries, 25);
    assert.ok(proof.restoreMs > 0);
    const backups = listBackups(nemoHome(config.NEMO_HOME).backups);
    assert.equal(backups.length, 1);
    assert.deepEqual(backups[0]!.ledgerHead.seq, 25);
    assert.ok(existsSync(backups[0]!.file));
    const [entry] = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'backup.verified' });
    assert.equal(entry?.payload.name, proof.name);
    assert.equal(entry?.payload.restoreMs, proof.restoreMs);
    await saveHistoryFixture(client, `ledgerBackup-test-${run}`, 'control');
  });

  it('keeps only what the retention policy says', async () => {
    await execute('ledgerBackup', [retention]);
    await execute('ledgerBackup', [retention]);
    assert.equal(listBackups(nemoHome(config.NEMO_HOME).backups).length, 2);
  });

  it('detects a corrupted backup file by its checksum', async () => {
    const [latest] = listBackups(nemoHome(config.NEMO_HOME).backups).slice(-1);
    const bytes = readFileSync(latest!.file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(latest!.file, bytes);
    const drill = await execute<{ ok: boolean; problem: string }>('restoreDrill', [latest!.name]);
    assert.equal(drill.ok, false);
    assert.match(drill.problem, /checksum mismatch/);
    await saveHistoryFixture(client, `restoreDrill-test-${run}`, 'control');
  });

  it('detects a truncated backup whose checksum was forged to match', async () => {
    const [older] = listBackups(nemoHome(config.NEMO_HOME).backups);
    truncateSync(older!.file, 2000);
    const manifestFile = older!.file.replace(/\.dump$/, '.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.sha256 = createHash('sha256').update(readFileSync(older!.file)).digest('hex');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const drill = await execute<{ ok: boolean; problem: string }>('restoreDrill', [older!.name]);
    assert.equal(drill.ok, false);
    assert.match(drill.problem, /restore failed/);
  });

  it('detects a backup of a ledger that had been tampered with, naming the entry', async () => {
    await withLedgerTriggersOff(config.DATABASE_URL, (owner) =>
      owner.query(`UPDATE ledger_entries SET payload = '{"n": 999}' WHERE seq = 7`),
    );
    const proof = await execute<{ ok: boolean; problem: string; firstBreak: { seq: number } }>('ledgerBackup', [
      retention,
    ]);
    assert.equal(proof.ok, false);
    assert.equal(proof.firstBreak.seq, 7);
    const [failed] = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'backup.failed' });
    assert.match(String(failed?.payload.problem), /does not verify/);
  });
});
