import type { LedgerEntry } from '../../ledger/entry';
import { ownerClient } from '../../platform/postgres/postgres';

type Owner = ReturnType<typeof ownerClient>;

/** `fn` connected as the database's owner (who may ALTER the ledger table, unlike the application role). */
export async function asLedgerOwner<T>(url: string, fn: (owner: Owner) => Promise<T>): Promise<T> {
  const owner = ownerClient(url);
  await owner.connect();
  try {
    return await fn(owner);
  } finally {
    await owner.end();
  }
}

/** What a database owner can do to the ledger: turn its append-only triggers off, run `fn`, turn them on again. */
export function withLedgerTriggersOff<T>(url: string, fn: (owner: Owner) => Promise<T>): Promise<T> {
  return asLedgerOwner(url, async (owner) => {
    await owner.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER');
    try {
      return await fn(owner);
    } finally {
      await owner.query('ALTER TABLE ledger_entries ENABLE TRIGGER USER');
    }
  });
}

/**
 * What a database superuser can do: disable the triggers and rewrite every entry from `fromSeq` on, its payload
 * changed by `change`, each hash recomputed with `hash` and chained to the one before, so the rows stay internally
 * consistent. Returns the seq of the last entry rewritten.
 */
export async function rewriteLedgerFrom(
  url: string,
  fromSeq: number,
  hash: (e: Omit<LedgerEntry, 'hash'>) => string,
  change: (payload: LedgerEntry['payload'], seq: number) => LedgerEntry['payload'] = (payload) => payload,
): Promise<number> {
  return withLedgerTriggersOff(url, async (owner) => {
    const { rows } = await owner.query<{
      seq: string;
      kind: string;
      domain: LedgerEntry['domain'];
      account: string;
      payload: LedgerEntry['payload'];
      recorded_at: Date;
      idempotency_key: string;
      prev_hash: string;
    }>('SELECT * FROM ledger_entries WHERE seq >= $1 ORDER BY seq', [fromSeq]);
    let prevHash = rows[0]!.prev_hash;
    for (const row of rows) {
      const entry = {
        seq: Number(row.seq),
        kind: row.kind,
        domain: row.domain,
        account: row.account,
        payload: change(row.payload, Number(row.seq)),
        recordedAt: row.recorded_at.toISOString(),
        idempotencyKey: row.idempotency_key,
        prevHash,
      };
      prevHash = hash(entry);
      await owner.query('UPDATE ledger_entries SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [
        entry.seq,
        JSON.stringify(entry.payload),
        entry.prevHash,
        prevHash,
      ]);
    }
    return Number(rows.at(-1)!.seq);
  });
}
