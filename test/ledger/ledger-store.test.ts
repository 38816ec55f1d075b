import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ownerClient } from '../../platform/postgres';
import {
  appendEntry, LedgerConflictError, LedgerInputError, publishCheckpoint, readCheckpoint, readEntries, verifyChain, ledgerHead,
} from '../../ledger/ledger-store';
import { GENESIS_HASH, type LedgerAppend } from '../../ledger/entry';
import { freshDatabase, testAppPool } from '../helpers/stack';

const fill = (n: number, extra: Record<string, unknown> = {}): LedgerAppend => ({
  kind: 'trade.fill',
  domain: 'live',
  account: 'kalshi-live',
  payload: { market: 'KXTEST-1', count: n, priceCents: 56, ...extra } as LedgerAppend['payload'],
  idempotencyKey: `fill-${n}`,
});

async function asOwner<T>(url: string, fn: (c: ReturnType<typeof ownerClient>) => Promise<T>): Promise<T> {
  const client = ownerClient(url);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('ledger store on PostgreSQL', () => {
  it('chains entries: seq 1..n, each prev_hash is the hash before it, and verify passes', async () => {
    const pool = testAppPool(await freshDatabase('chain'));
    for (let n = 1; n <= 5; n++) await appendEntry(pool, fill(n));
    const entries = await readEntries(pool);
    assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.equal(entries[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
    const report = await verifyChain(pool);
    assert.equal(report.ok, true);
    assert.equal(report.entries, 5);
    assert.deepEqual(report.head, { seq: 5, hash: entries[4]!.hash });
  });

  it('writes a duplicate idempotency key once and returns the first entry', async () => {
    const pool = testAppPool(await freshDatabase('idem'));
    const first = await appendEntry(pool, fill(1));
    const again = await appendEntry(pool, fill(1));
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.entry.seq, first.entry.seq);
    assert.equal((await readEntries(pool)).length, 1);
  });

  it('refuses the same idempotency key with different facts instead of merging them', async () => {
    const pool = testAppPool(await freshDatabase('conflict'));
    await appendEntry(pool, fill(1));
    await assert.rejects(appendEntry(pool, { ...fill(1), payload: { market: 'OTHER', count: 1 } }), LedgerConflictError);
  });

  it('refuses payloads jsonb would change, naming the field, and writes nothing', async () => {
    const pool = testAppPool(await freshDatabase('input'));
    await assert.rejects(appendEntry(pool, fill(1, { price: Number.NaN })), (err: Error) => {
      assert.ok(err instanceof LedgerInputError);
      assert.match(err.message, /payload\.price/);
      return true;
    });
    await assert.rejects(appendEntry(pool, fill(2, { note: 'a\u0000b' })), /payload\.note.*NUL/);
    await assert.rejects(appendEntry(pool, { ...fill(3), kind: 'Bad Kind' }), /kind/);
    assert.equal((await readEntries(pool)).length, 0);
  });

  it('keeps the chain gap-free under 40 concurrent appends', async () => {
    const pool = testAppPool(await freshDatabase('concurrent'));
    await Promise.all(Array.from({ length: 40 }, (_, i) => appendEntry(pool, fill(i + 1))));
    const entries = await readEntries(pool);
    assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.equal((await verifyChain(pool)).ok, true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the application role (no privilege) and from the owner (triggers)', async () => {
    const url = await freshDatabase('appendonly');
    const pool = testAppPool(url);
    await appendEntry(pool, fill(1));
    await assert.rejects(pool.query(`UPDATE ledger_entries SET account = 'x'`), /permission denied/);
    await assert.rejects(pool.query('DELETE FROM ledger_entries'), /permission denied/);
    await assert.rejects(pool.query('TRUNCATE ledger_entries'), /permission denied/);
    await asOwner(url, async (owner) => {
      await assert.rejects(owner.query(`UPDATE ledger_entries SET account = 'x'`), /append-only: UPDATE refused/);
      await assert.rejects(owner.query('DELETE FROM ledger_entries'), /append-only: DELETE refused/);
      await assert.rejects(owner.query('TRUNCATE ledger_entries'), /append-only: TRUNCATE refused/);
    });
    assert.equal((await readEntries(pool))[0]!.account, 'kalshi-live');
  });

  it('names the first tampered entry when the owner disables the triggers and edits a row', async () => {
    const url = await freshDatabase('tamper');
    const pool = testAppPool(url);
    for (let n = 1; n <= 6; n++) await appendEntry(pool, fill(n));
    await asOwner(url, async (owner) => {
      await owner.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER');
      await owner.query(`UPDATE ledger_entries SET payload = jsonb_set(payload, '{count}', '600') WHERE seq = 4`);
      await owner.query('ALTER TABLE ledger_entries ENABLE TRIGGER USER');
    });
    const report = await verifyChain(pool);
    assert.equal(report.ok, false);
    assert.equal(report.firstBreak?.seq, 4);
    assert.equal(report.firstBreak?.reason, 'hash-mismatch');
    assert.equal(report.entries, 3);
  });

  it('names a deleted entry as a gap', async () => {
    const url = await freshDatabase('gap');
    const pool = testAppPool(url);
    for (let n = 1; n <= 4; n++) await appendEntry(pool, fill(n));
    await asOwner(url, async (owner) => {
      await owner.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER');
      await owner.query('DELETE FROM ledger_entries WHERE seq = 2');
      await owner.query('ALTER TABLE ledger_entries ENABLE TRIGGER USER');
    });
    const report = await verifyChain(pool);
    assert.deepEqual([report.firstBreak?.seq, report.firstBreak?.reason], [2, 'gap']);
  });

  it('catches a consistent rewrite of the whole chain through the head published outside the database', async () => {
    const url = await freshDatabase('rewrite');
    const pool = testAppPool(url);
    for (let n = 1; n <= 3; n++) await appendEntry(pool, fill(n));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ckpt-')), 'ledger-head.json');
    publishCheckpoint(file, await ledgerHead(pool));
    // The owner empties the table and writes a different, internally consistent history.
    await asOwner(url, async (owner) => {
      await owner.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER');
      await owner.query('DELETE FROM ledger_entries');
      await owner.query('ALTER TABLE ledger_entries ENABLE TRIGGER USER');
    });
    for (let n = 1; n <= 3; n++) await appendEntry(pool, fill(n, { priceCents: 1 }));
    assert.equal((await verifyChain(pool)).ok, true, 'the rewritten chain is internally consistent');
    const report = await verifyChain(pool, { checkpoint: readCheckpoint(file) });
    assert.equal(report.ok, false);
    assert.deepEqual([report.firstBreak?.seq, report.firstBreak?.reason], [3, 'checkpoint-mismatch']);
  });
});
