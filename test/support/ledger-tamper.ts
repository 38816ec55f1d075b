import type { LedgerEntry } from '../../ledger/entry';
import { readEntries } from '../../ledger/ledger-store';
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
    const entries = await readEntries(owner, { afterSeq: fromSeq - 1, limit: 1_000_000 });
    let prevHash = entries[0]!.prevHash;
    for (const { hash: _old, ...read } of entries) {
      const entry = { ...read, payload: change(read.payload, read.seq), prevHash };
      prevHash = hash(entry);
      await owner.query('UPDATE ledger_entries SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [
        entry.seq,
        JSON.stringify(entry.payload),
        entry.prevHash,
        prevHash,
      ]);
    }
    return entries.at(-1)!.seq;
  });
}
