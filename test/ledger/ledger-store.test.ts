import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  appendEntry,
  LedgerConflictError,
  LedgerInputError,
  publishCheckpoint,
  readCheckpoint,
  readCheckpoints,
  readEntries,
  sealUnkeyedChain,
  verifyChain,
  verifyTail,
} from '../../ledger/ledger-store';
import { GENESIS_HASH, type LedgerAppend } from '../../ledger/entry';
import { entryHash, LedgerKeyError, unkeyedEntryHash } from '../../ledger/hash-chain';
import { appPool } from '../../platform/postgres/postgres';
import { freshDatabase, testAppPool } from '../support/stack';
import { TEST_LEDGER_KEY } from '../support/ledger-key';
import { asLedgerOwner, rewriteLedgerFrom, withLedgerTriggersOff } from '../support/ledger-tamper';

const fill = (n: number, extra: Record<string, unknown> = {}): LedgerAppend => ({
  kind: 'trade.fill',
  domain: 'live',
  account: 'kalshi-live',
  payload: { market: 'KXTEST-1', count: n, priceCents: 56, ...extra } as LedgerAppend['payload'],
  idempotencyKey: `fill-${n}`,
});

describe('ledger store on PostgreSQL', () => {
  it('chains entries: seq 1..n, each prev_hash is the hash before it, and verify passes', async () => {
    const pool = testAppPool(await freshDatabase('chain'));
    for (let n = 1; n <= 5; n++) await appendEntry(pool, fill(n));
    const entries = await readEntries(pool);
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(entries[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
    const report = await verifyChain(pool, { key: TEST_LEDGER_KEY });
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
    await assert.rejects(
      appendEntry(pool, { ...fill(1), payload: { market: 'OTHER', count: 1 } }),
      LedgerConflictError,
    );
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
    assert.deepEqual(
      entries.map((e) => e.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.equal((await verifyChain(pool, { key: TEST_LEDGER_KEY })).ok, true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the application role (no privilege) and from the owner (triggers)', async () => {
    const url = await freshDatabase('appendonly');
    const pool = testAppPool(url);
    await appendEntry(pool, fill(1));
    await assert.rejects(pool.query(`UPDATE ledger_entries SET account = 'x'`), /permission denied/);
    await assert.rejects(pool.query('DELETE FROM ledger_entries'), /permission denied/);
    await assert.rejects(pool.query('TRUNCATE ledger_entries'), /permission denied/);
    await asLedgerOwner(url, async (owner) => {
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
    await withLedgerTriggersOff(url, (owner) =>
      owner.query(`UPDATE ledger_entries SET payload = jsonb_set(payload, '{count}', '600') WHERE seq = 4`),
    );
    const report = await verifyChain(pool, { key: TEST_LEDGER_KEY });
    assert.equal(report.ok, false);
    assert.equal(report.firstBreak?.seq, 4);
    assert.equal(report.firstBreak?.reason, 'hash-mismatch');
    assert.equal(report.entries, 3);
  });

  it('names a deleted entry as a gap', async () => {
    const url = await freshDatabase('gap');
    const pool = testAppPool(url);
    for (let n = 1; n <= 4; n++) await appendEntry(pool, fill(n));
    await withLedgerTriggersOff(url, (owner) => owner.query('DELETE FROM ledger_entries WHERE seq = 2'));
    const report = await verifyChain(pool, { key: TEST_LEDGER_KEY });
    assert.deepEqual([report.firstBreak?.seq, report.firstBreak?.reason], [2, 'gap']);
  });

  it('catches a rewrite of every hash from one entry on: without the key the MAC cannot be recomputed', async () => {
    const url = await freshDatabase('rewrite');
    const pool = testAppPool(url);
    for (let n = 1; n <= 5; n++) await appendEntry(pool, fill(n));
    const seen: string[] = [];
    for (const forge of ['unkeyed SHA-256', 'a guessed key'] as const) {
      await rewriteLedgerFrom(url, 3, (e) =>
        forge === 'unkeyed SHA-256' ? unkeyedEntryHash(e) : entryHash(e, Buffer.alloc(32, 7)),
      );
      const report = await verifyChain(pool, { key: TEST_LEDGER_KEY });
      assert.deepEqual([report.firstBreak?.seq, report.firstBreak?.reason], [3, 'hash-mismatch'], forge);
      seen.push(forge);
    }
    assert.equal(seen.length, 2);
  });

  it('refuses to append through a pool that holds no ledger key', async () => {
    const pool = appPool(await freshDatabase('nokey'));
    try {
      await assert.rejects(
        appendEntry(pool, fill(1)),
        (err: Error) => err instanceof LedgerKeyError && /no ledger MAC key/.test(err.message),
      );
    } finally {
      await pool.end();
    }
  });

  it('publishes a head only when the chain extends the last one, as an append-only series', async () => {
    const url = await freshDatabase('publish');
    const pool = testAppPool(url);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ckpt-')), 'checkpoints.jsonl');
    for (let n = 1; n <= 3; n++) await appendEntry(pool, fill(n));
    const first = await publishCheckpoint(pool, file);
    assert.ok('published' in first && first.published.seq === 3);
    await appendEntry(pool, fill(4));
    const second = await publishCheckpoint(pool, file);
    assert.ok('published' in second && second.published.seq === 4 && second.previous?.seq === 3);
    assert.deepEqual(
      readCheckpoints(file).map((c) => c.seq),
      [3, 4],
      'the earlier head is kept, not overwritten',
    );

    // The owner empties the table and writes a different, internally consistent history with the right key even:
    // it does not extend the published head, so it is never published.
    await rewriteLedgerFrom(
      url,
      1,
      (e) => entryHash(e, TEST_LEDGER_KEY),
      (payload) => ({ ...payload, priceCents: 1 }),
    );
    const refused = await publishCheckpoint(pool, file);
    assert.ok('broken' in refused);
    assert.deepEqual([refused.broken.seq, refused.broken.reason], [4, 'checkpoint-mismatch']);
    assert.deepEqual(
      readCheckpoints(file).map((c) => c.seq),
      [3, 4],
      'nothing was published',
    );
    assert.equal((await verifyTail(pool, file)).ok, false);
  });

  it('names removed entries when the ledger ends before the published head', async () => {
    const url = await freshDatabase('truncated');
    const pool = testAppPool(url);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ckpt-')), 'checkpoints.jsonl');
    for (let n = 1; n <= 4; n++) await appendEntry(pool, fill(n));
    await publishCheckpoint(pool, file);
    await withLedgerTriggersOff(url, (owner) => owner.query('DELETE FROM ledger_entries WHERE seq = 4'));
    const report = await verifyChain(pool, { key: TEST_LEDGER_KEY, checkpoint: readCheckpoint(file) });
    assert.deepEqual([report.firstBreak?.seq, report.firstBreak?.reason], [4, 'checkpoint-mismatch']);
    assert.match((await verifyTail(pool, file)).firstBreak!.detail, /is gone: entries were removed/);
  });

  it('seals an unkeyed chain of an earlier version with one keyed entry, after verifying it', async () => {
    const url = await freshDatabase('seal');
    const pool = testAppPool(url);
    // Three entries as the unkeyed version wrote them.
    let prevHash = GENESIS_HASH;
    for (let n = 1; n <= 3; n++) {
      const unhashed = { ...fill(n), seq: n, recordedAt: new Date(Date.UTC(2026, 0, n)).toISOString(), prevHash };
      prevHash = unkeyedEntryHash(unhashed);
      await pool.query(
        'INSERT INTO ledger_entries (seq, kind, domain, account, payload, recorded_at, idempotency_key, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
        [
          n,
          unhashed.kind,
          unhashed.domain,
          unhashed.account,
          JSON.stringify(unhashed.payload),
          unhashed.recordedAt,
          unhashed.idempotencyKey,
          unhashed.prevHash,
          prevHash,
        ],
      );
    }
    assert.equal(
      (await verifyChain(pool, { key: TEST_LEDGER_KEY })).ok,
      false,
      'unsealed, the unkeyed entries do not verify as keyed',
    );
    const sealSeq = await sealUnkeyedChain(pool, { seq: 3, hash: prevHash, publishedAt: '2026-01-03T00:00:00.000Z' });
    assert.equal(sealSeq, 4);
    assert.equal(await sealUnkeyedChain(pool, undefined), undefined, 'a sealed chain is not sealed twice');
    await appendEntry(pool, fill(5));
    assert.deepEqual(await verifyChain(pool, { key: TEST_LEDGER_KEY }).then((r) => [r.ok, r.entries]), [true, 5]);
    // After the seal, an unkeyed rewrite of a later entry is caught.
    await rewriteLedgerFrom(url, 5, unkeyedEntryHash);
    assert.deepEqual(
      await verifyChain(pool, { key: TEST_LEDGER_KEY }).then((r) => [r.firstBreak?.seq, r.firstBreak?.reason]),
      [5, 'hash-mismatch'],
    );
  });

  it('refuses to seal an unkeyed chain that does not verify', async () => {
    const url = await freshDatabase('badseal');
    const pool = testAppPool(url);
    const unhashed = { ...fill(1), seq: 1, recordedAt: new Date().toISOString(), prevHash: GENESIS_HASH };
    await pool.query(
      'INSERT INTO ledger_entries (seq, kind, domain, account, payload, recorded_at, idempotency_key, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
      [
        1,
        unhashed.kind,
        unhashed.domain,
        unhashed.account,
        JSON.stringify({ market: 'EDITED' }),
        unhashed.recordedAt,
        unhashed.idempotencyKey,
        GENESIS_HASH,
        unkeyedEntryHash(unhashed),
      ],
    );
    await assert.rejects(sealUnkeyedChain(pool, undefined), /unkeyed ledger does not verify, so it is not sealed/);
  });
});
