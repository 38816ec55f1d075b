import { createHash } from 'node:crypto';
import { canonicalJson, type Json } from './canonical-json';
import type { LedgerEntry } from './entry';

/** hash = SHA-256(prev_hash || "\n" || canonical row), so changing any field or any earlier row breaks the chain. */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>): string {
  const row: Json = {
    seq: entry.seq,
    kind: entry.kind,
    domain: entry.domain,
    account: entry.account,
    payload: entry.payload,
    recordedAt: entry.recordedAt,
    idempotencyKey: entry.idempotencyKey,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(`${entry.prevHash}\n${canonicalJson(row)}`).digest('hex');
}
