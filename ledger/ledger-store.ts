import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import type pg from 'pg';
import { assertJson, canonicalJson } from './canonical-json';
import { GENESIS_HASH, type LedgerAppend, type LedgerEntry } from './entry';
import { entryHash } from './hash-chain';

/** The same idempotency key arrived with different facts: a bug upstream, never silently merged. */
export class LedgerConflictError extends Error {
  constructor(readonly idempotencyKey: string, readonly existingSeq: number) {
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
  a.kind === b.kind && a.domain === b.domain && a.account === b.account && canonicalJson(a.payload) === canonicalJson(b.payload);

function checkAppend(request: LedgerAppend): void {
  if (!/^[a-z][a-z0-9_.-]*$/.test(request.kind)) throw new LedgerInputError(`ledger kind "${request.kind}" must match ^[a-z][a-z0-9_.-]*$`);
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
export async function appendEntries(pool: pg.Pool, requests: readonly LedgerAppend[], now: Date = new Date()): Promise<AppendResult[]> {
  for (const request of requests) checkAppend(request);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    const results: AppendResult[] = [];
    for (const request of requests) results.push(await appendWithin(client, request, now));
    await client.query('COMMIT');
    return results;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** One append inside the caller's transaction, which holds the append lock. */
async function appendWithin(client: pg.PoolClient, request: LedgerAppend, now: Date): Promise<AppendResult> {
  const existing = await client.query<Row>(`SELECT ${COLUMNS} FROM ledger_entries WHERE idempotency_key = $1`, [
    request.idempotencyKey,
  ]);
  if (existing.rows[0]) {
    const entry = fromRow(existing.rows[0]);
    if (!sameFacts(entry, request)) throw new LedgerConflictError(request.idempotencyKey, entry.seq);
    return { entry, duplicate: true };
  }
  const head = await client.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1',
  );
  const unhashed = {
    ...request,
    seq: head.rows[0] ? Number(head.rows[0].seq) + 1 : 1,
    recordedAt: now.toISOString(),
    prevHash: head.rows[0]?.hash ?? GENESIS_HASH,
  };
  const entry: LedgerEntry = { ...unhashed, hash: entryHash(unhashed) };
  await client.query(
    `INSERT INTO ledger_entries (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [entry.seq, entry.kind, entry.domain, entry.account, JSON.stringify(entry.payload), entry.recordedAt,
      entry.idempotencyKey, entry.prevHash, entry.hash],
  );
  return { entry, duplicate: false };
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
export async function latestEntry(db: pg.Pool | pg.Client, kind: string, account?: string): Promise<LedgerEntry | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM ledger_entries WHERE kind = $1 AND ($2::text IS NULL OR account = $2) ORDER BY seq DESC LIMIT 1`,
    [kind, account ?? null],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function ledgerHead(db: pg.Pool | pg.Client): Promise<{ seq: number; hash: string }> {
  const { rows } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1');
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

export interface Checkpoint {
  seq: number;
  hash: string;
  publishedAt: string;
}

/** Recomputes the whole chain and names the first entry that does not hold. */
export async function verifyChain(
  db: pg.Pool | pg.Client,
  options: { checkpoint?: Checkpoint; onProgress?: (checked: number) => void } = {},
): Promise<VerifyReport> {
  let prev = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const fail = (firstBreak: ChainBreak): VerifyReport => ({ ok: false, entries: checked, head: prev, firstBreak });
  for (;;) {
    const batch = await readEntries(db, { afterSeq: prev.seq, limit: 5000 });
    if (batch.length === 0) break;
    for (const entry of batch) {
      if (entry.seq !== prev.seq + 1) {
        return fail({ seq: prev.seq + 1, reason: 'gap', detail: `entry ${prev.seq + 1} is missing (next present: ${entry.seq})` });
      }
      if (entry.prevHash !== prev.hash) {
        return fail({ seq: entry.seq, reason: 'prev-hash-mismatch', detail: `prev_hash does not equal the hash of entry ${prev.seq}` });
      }
      const { hash, ...unhashed } = entry;
      if (entryHash(unhashed) !== hash) {
        return fail({ seq: entry.seq, reason: 'hash-mismatch', detail: `content of entry ${entry.seq} (${entry.kind}) was changed after it was written` });
      }
      if (options.checkpoint && entry.seq === options.checkpoint.seq && entry.hash !== options.checkpoint.hash) {
        return fail({ seq: entry.seq, reason: 'checkpoint-mismatch', detail: `entry ${entry.seq} differs from the head published at ${options.checkpoint.publishedAt}: the chain was rewritten` });
      }
      prev = { seq: entry.seq, hash: entry.hash };
      checked += 1;
    }
    options.onProgress?.(checked);
  }
  if (options.checkpoint && options.checkpoint.seq > prev.seq) {
    return fail({ seq: prev.seq + 1, reason: 'checkpoint-mismatch', detail: `the ledger ends at ${prev.seq} but entry ${options.checkpoint.seq} was published at ${options.checkpoint.publishedAt}: entries were removed` });
  }
  return { ok: true, entries: checked, head: prev };
}

/** The head hash is published outside the database so an owner who rewrites the whole chain is still caught. */
export function publishCheckpoint(file: string, head: { seq: number; hash: string }, now = new Date()): Checkpoint {
  const checkpoint: Checkpoint = { ...head, publishedAt: now.toISOString() };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(checkpoint, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return checkpoint;
}

export function readCheckpoint(file: string): Checkpoint | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Checkpoint) : undefined;
}
