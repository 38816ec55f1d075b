import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { assertJson, canonicalJson } from './canonical-json';
import { GENESIS_HASH, SYSTEM_ACCOUNT, type LedgerAppend, type LedgerEntry } from './entry';
import { entryHash, LEDGER_SEAL_KIND, LedgerKeyError, unkeyedEntryHash, type LedgerKey } from './hash-chain';

/** The same idempotency key arrived with different facts: a bug upstream, never silently merged. */
export class LedgerConflictError extends Error {
  constructor(
    readonly idempotencyKey: string,
    readonly existingSeq: number,
  ) {
    super(`ledger entry ${existingSeq} already holds idempotency key ${idempotencyKey} with different content`);
    this.name = 'LedgerConflictError';
  }
}

export class LedgerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerInputError';
  }
}

// Appends are serialised so that seq is gap-free and each row chains to the one before it.
const APPEND_LOCK = 7_020_260_002;

interface Row {
  seq: string;
  kind: string;
  domain: LedgerEntry['domain'];
  account: string;
  payload: LedgerEntry['payload'];
  recorded_at: Date;
  idempotency_key: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, kind, domain, account, payload, recorded_at, idempotency_key, prev_hash, hash';

function fromRow(row: Row): LedgerEntry {
  return {
    seq: Number(row.seq),
    kind: row.kind,
    domain: row.domain,
    account: row.account,
    payload: row.payload,
    recordedAt: row.recorded_at.toISOString(),
    idempotencyKey: row.idempotency_key,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

const sameFacts = (a: LedgerAppend, b: LedgerAppend) =>
  a.kind === b.kind &&
  a.domain === b.domain &&
  a.account === b.account &&
  canonicalJson(a.payload) === canonicalJson(b.payload);

function checkAppend(request: LedgerAppend): void {
  if (!/^[a-z][a-z0-9_.-]*$/.test(request.kind))
    throw new LedgerInputError(`ledger kind "${request.kind}" must match ^[a-z][a-z0-9_.-]*$`);
  if (!request.account) throw new LedgerInputError('ledger account must not be empty');
  if (!request.idempotencyKey || request.idempotencyKey.length > 300) {
    throw new LedgerInputError('ledger idempotencyKey must be 1 to 300 characters');
  }
  try {
    assertJson(request.payload);
  } catch (err) {
    throw new LedgerInputError((err as Error).message);
  }
}

// The key a pool's appends are chained with. Bound once where the pool is made (a worker from its vault scope, the
// CLI and `nemo up` from the vault), so the many writers keep calling appendEntry(pool, ...).
const poolKeys = new WeakMap<pg.Pool, LedgerKey>();

export function bindLedgerKey(pool: pg.Pool, key: LedgerKey): pg.Pool {
  poolKeys.set(pool, key);
  return pool;
}

export function ledgerKeyOf(pool: pg.Pool): LedgerKey {
  const key = poolKeys.get(pool);
  if (!key)
    throw new LedgerKeyError(
      'this connection pool has no ledger MAC key bound (bindLedgerKey): the ledger cannot be written without it',
    );
  return key;
}

export interface AppendResult {
  entry: LedgerEntry;
  /** True when the idempotency key had already been written: nothing new was appended. */
  duplicate: boolean;
}

/** Appends one entry in its own transaction: all of it or none of it, once per idempotency key. */
export async function appendEntry(pool: pg.Pool, request: LedgerAppend, now: Date = new Date()): Promise<AppendResult> {
  return (await appendEntries(pool, [request], now))[0]!;
}

/**
 * Appends several entries in one transaction, in order, each chained to the one before and each idempotent on its own
 * key (a retry finds what was written): all of them are written, or none.
 */
export async function appendEntries(
  pool: pg.Pool,
  requests: readonly LedgerAppend[],
  now: Date = new Date(),
): Promise<AppendResult[]> {
  for (const request of requests) checkAppend(request);
  const key = ledgerKeyOf(pool);
  const client = await pool.connect();
  try {
    // Four round trips whatever the number of entries: open and lock, read what is known, insert what is new, commit.
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK})`);
    const results = await appendWithin(client, requests, key, now);
    await client.query('COMMIT');
    return results;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Appends inside the caller's transaction, which holds the append lock: the entries already written under their keys and the chain's head in one read, the new entries in one insert. */
async function appendWithin(
  client: pg.PoolClient,
  requests: readonly LedgerAppend[],
  key: LedgerKey,
  now: Date,
): Promise<AppendResult[]> {
  const { rows } = await client.query<Row & { is_head: boolean }>(
    `SELECT ${COLUMNS}, false AS is_head FROM ledger_entries WHERE idempotency_key = ANY($1::text[])
     UNION ALL (SELECT ${COLUMNS}, true AS is_head FROM ledger_entries ORDER BY seq DESC LIMIT 1)`,
    [requests.map((r) => r.idempotencyKey)],
  );
  const head = rows.find((r) => r.is_head);
  const byKey = new Map(rows.filter((r) => !r.is_head).map((r) => [r.idempotency_key, fromRow(r)]));
  let seq = head ? Number(head.seq) : 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const written: LedgerEntry[] = [];
  const results = requests.map((request): AppendResult => {
    const existing = byKey.get(request.idempotencyKey);
    if (existing) {
      if (!sameFacts(existing, request)) throw new LedgerConflictError(request.idempotencyKey, existing.seq);
      return { entry: existing, duplicate: true };
    }
    const unhashed = { ...request, seq: ++seq, recordedAt: now.toISOString(), prevHash };
    const entry: LedgerEntry = { ...unhashed, hash: entryHash(unhashed, key) };
    prevHash = entry.hash;
    byKey.set(entry.idempotencyKey, entry);
    written.push(entry);
    return { entry, duplicate: false };
  });
  if (written.length > 0) {
    await client.query(
      `INSERT INTO ledger_entries (${COLUMNS}) VALUES ${written.map((_, i) => `(${Array.from({ length: 9 }, (__, j) => `$${i * 9 + j + 1}`).join(', ')})`).join(', ')}`,
      written.flatMap((entry) => [
        entry.seq,
        entry.kind,
        entry.domain,
        entry.account,
        JSON.stringify(entry.payload),
        entry.recordedAt,
        entry.idempotencyKey,
        entry.prevHash,
        entry.hash,
      ]),
    );
  }
  return results;
}

export interface LedgerQuery {
  kind?: string;
  /** A prefix such as "trade." matches every kind that starts with it. */
  kindPrefix?: string;
  account?: string;
  since?: Date;
  afterSeq?: number;
  limit?: number;
}

export async function readEntries(db: pg.Pool | pg.Client, query: LedgerQuery = {}): Promise<LedgerEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (query.kind) add('kind = ?', query.kind);
  if (query.kindPrefix) add("kind LIKE ? || '%'", query.kindPrefix);
  if (query.account) add('account = ?', query.account);
  if (query.since) add('recorded_at >= ?', query.since);
  if (query.afterSeq !== undefined) add('seq > ?', query.afterSeq);
  params.push(query.limit ?? 1000);
  const sql = `SELECT ${COLUMNS} FROM ledger_entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY seq LIMIT $${params.length}`;
  const { rows } = await db.query<Row>(sql, params);
  return rows.map(fromRow);
}

/** The newest entry of a kind (optionally of one account), or undefined. */
export async function latestEntry(
  db: pg.Pool | pg.Client,
  kind: string,
  account?: string,
): Promise<LedgerEntry | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM ledger_entries WHERE kind = $1 AND ($2::text IS NULL OR account = $2) ORDER BY seq DESC LIMIT 1`,
    [kind, account ?? null],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function ledgerHead(db: pg.Pool | pg.Client): Promise<{ seq: number; hash: string }> {
  const { rows } = await db.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1',
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
}

export type ChainBreak =
  | { seq: number; reason: 'gap'; detail: string }
  | { seq: number; reason: 'prev-hash-mismatch'; detail: string }
  | { seq: number; reason: 'hash-mismatch'; detail: string }
  | { seq: number; reason: 'checkpoint-mismatch'; detail: string };

export interface VerifyReport {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string };
  firstBreak?: ChainBreak;
}

/** A head published outside the database: NEMO_HOME's series, backup manifests, heartbeat histories, daily reports. */
export interface Checkpoint {
  seq: number;
  hash: string;
  publishedAt: string;
}

/** Where the chain turns keyed: the `ledger.keyed` seal, or 1 for a ledger keyed from its first entry. */
async function keyedFrom(db: pg.Pool | pg.Client): Promise<number> {
  const { rows } = await db.query<{ seq: string | null }>(
    'SELECT min(seq) AS seq FROM ledger_entries WHERE kind = $1',
    [LEDGER_SEAL_KIND],
  );
  return rows[0]?.seq ? Number(rows[0].seq) : 1;
}

/**
 * Recomputes the chain and names the first entry that does not hold: from the start, or (`from`) from a published
 * checkpoint on, which must still be in the ledger with the hash that was published.
 */
export async function verifyChain(
  db: pg.Pool | pg.Client,
  options: { key: LedgerKey; checkpoint?: Checkpoint; from?: Checkpoint; onProgress?: (checked: number) => void },
): Promise<VerifyReport> {
  return verifyFrom(db, options, await keyedFrom(db));
}

async function verifyFrom(
  db: pg.Pool | pg.Client,
  options: { key: LedgerKey; checkpoint?: Checkpoint; from?: Checkpoint; onProgress?: (checked: number) => void },
  keyed: number,
): Promise<VerifyReport> {
  let prev = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const fail = (firstBreak: ChainBreak): VerifyReport => ({ ok: false, entries: checked, head: prev, firstBreak });
  if (options.from && options.from.seq > 0) {
    const [at] = await readEntries(db, { afterSeq: options.from.seq - 1, limit: 1 });
    if (at?.seq !== options.from.seq || at.hash !== options.from.hash) {
      return fail({
        seq: options.from.seq,
        reason: 'checkpoint-mismatch',
        detail:
          at?.seq === options.from.seq
            ? `entry ${options.from.seq} differs from the head published at ${options.from.publishedAt}: the chain was rewritten`
            : `entry ${options.from.seq}, published at ${options.from.publishedAt}, is gone: entries were removed`,
      });
    }
    prev = { seq: at.seq, hash: at.hash };
  }
  for (;;) {
    const batch = await readEntries(db, { afterSeq: prev.seq, limit: 5000 });
    if (batch.length === 0) break;
    for (const entry of batch) {
      if (entry.seq !== prev.seq + 1) {
        return fail({
          seq: prev.seq + 1,
          reason: 'gap',
          detail: `entry ${prev.seq + 1} is missing (next present: ${entry.seq})`,
        });
      }
      if (entry.prevHash !== prev.hash) {
        return fail({
          seq: entry.seq,
          reason: 'prev-hash-mismatch',
          detail: `prev_hash does not equal the hash of entry ${prev.seq}`,
        });
      }
      const { hash, ...unhashed } = entry;
      if ((entry.seq >= keyed ? entryHash(unhashed, options.key) : unkeyedEntryHash(unhashed)) !== hash) {
        return fail({
          seq: entry.seq,
          reason: 'hash-mismatch',
          detail: `entry ${entry.seq} (${entry.kind}) was changed after it was written, or written without the ledger key`,
        });
      }
      if (options.checkpoint && entry.seq === options.checkpoint.seq && entry.hash !== options.checkpoint.hash) {
        return fail({
          seq: entry.seq,
          reason: 'checkpoint-mismatch',
          detail: `entry ${entry.seq} differs from the head published at ${options.checkpoint.publishedAt}: the chain was rewritten`,
        });
      }
      prev = { seq: entry.seq, hash: entry.hash };
      checked += 1;
    }
    options.onProgress?.(checked);
  }
  if (options.checkpoint && options.checkpoint.seq > prev.seq) {
    return fail({
      seq: prev.seq + 1,
      reason: 'checkpoint-mismatch',
      detail: `the ledger ends at ${prev.seq} but entry ${options.checkpoint.seq} was published at ${options.checkpoint.publishedAt}: entries were removed`,
    });
  }
  return { ok: true, entries: checked, head: prev };
}

/**
 * Migration to the keyed chain: a ledger whose entries were chained unkeyed is verified (against its last published
 * head) and sealed by one keyed `ledger.keyed` entry. Returns the seal's seq, or undefined when there was nothing to
 * seal (an empty or already keyed ledger).
 */
export async function sealUnkeyedChain(pool: pg.Pool, checkpoint: Checkpoint | undefined): Promise<number | undefined> {
  const key = ledgerKeyOf(pool);
  const head = await ledgerHead(pool);
  const [last] = await readEntries(pool, { afterSeq: head.seq - 1, limit: 1 });
  if (!last || (await keyedFrom(pool)) > 1) return undefined;
  const { hash, ...unhashed } = last;
  if (entryHash(unhashed, key) === hash) return undefined;
  const unkeyed = await verifyFrom(pool, { key, checkpoint }, Number.POSITIVE_INFINITY);
  if (!unkeyed.ok)
    throw new LedgerKeyError(`the unkeyed ledger does not verify, so it is not sealed: ${unkeyed.firstBreak!.detail}`);
  const { entry } = await appendEntry(pool, {
    kind: LEDGER_SEAL_KIND,
    domain: 'control',
    account: SYSTEM_ACCOUNT,
    payload: { sealedHead: { ...head }, mac: 'HMAC-SHA256' },
    idempotencyKey: `ledger.keyed:${head.seq}`,
  });
  return entry.seq;
}

/** The published heads, oldest first: an append-only series, one JSON line per checkpoint. */
export function readCheckpoints(file: string): Checkpoint[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Checkpoint);
}

export function readCheckpoint(file: string): Checkpoint | undefined {
  return readCheckpoints(file).at(-1);
}

function appendCheckpoint(file: string, checkpoint: Checkpoint): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(checkpoint)}\n`);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type Publication =
  { published: Checkpoint; previous?: Checkpoint } | { broken: ChainBreak; previous?: Checkpoint };

/**
 * Publishes the head outside the database, but only a head that extends the last one published: the chain must verify
 * from the previous checkpoint to the new head. Otherwise nothing is written (a rewritten chain is never blessed) and
 * the break is returned for the caller to raise.
 */
export async function publishCheckpoint(pool: pg.Pool, file: string, now = new Date()): Promise<Publication> {
  const previous = readCheckpoint(file);
  const report = await verifyChain(pool, { key: ledgerKeyOf(pool), from: previous });
  if (!report.ok) return { broken: report.firstBreak!, previous };
  const published: Checkpoint = { ...report.head, publishedAt: now.toISOString() };
  appendCheckpoint(file, published);
  return { published, previous };
}

/** The chain from the newest checkpoint to the head (what the incident watch checks every minute). */
export async function verifyTail(pool: pg.Pool, file: string): Promise<VerifyReport> {
  return verifyChain(pool, { key: ledgerKeyOf(pool), from: readCheckpoint(file) });
}

/** A checkpoint written before the series existed (one overwritten file) starts the series. */
export function adoptLegacyCheckpoint(legacyFile: string, file: string): void {
  if (!existsSync(legacyFile) || existsSync(file)) return;
  appendCheckpoint(file, JSON.parse(readFileSync(legacyFile, 'utf8')) as Checkpoint);
}
