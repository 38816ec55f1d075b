import { createHash, createHmac } from 'node:crypto';
import { canonicalJson, type Json } from './canonical-json';
import type { LedgerEntry } from './entry';

/**
 * The ledger's MAC key: 32 random bytes kept in the vault (entry `ledger.mac`), never in the database, so an owner of
 * the database who rewrites rows cannot recompute the chain.
 */
export type LedgerKey = Buffer;

export class LedgerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerKeyError';
  }
}

/** Parses the vault entry's text (64 hex characters) into a key, naming what is wrong, never the value. */
export function parseLedgerKey(text: string | undefined, where: string): LedgerKey {
  if (!text)
    throw new LedgerKeyError(`${where} holds no ledger MAC key (vault entry ledger.mac): \`nemo up\` creates it`);
  if (!/^[0-9a-f]{64}$/.test(text.trim()))
    throw new LedgerKeyError(`${where}: the ledger MAC key must be 64 hex characters`);
  return Buffer.from(text.trim(), 'hex');
}

function chainedText(entry: Omit<LedgerEntry, 'hash'>): string {
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
  return `${entry.prevHash}\n${canonicalJson(row)}`;
}

/** hash = HMAC-SHA256(key, prev_hash || "\n" || canonical row): changing any field or earlier row breaks the chain. */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>, key: LedgerKey): string {
  return createHmac('sha256', key).update(chainedText(entry)).digest('hex');
}

/** The chain before it was keyed (plain SHA-256): entries before the `ledger.keyed` seal were written this way. */
export function unkeyedEntryHash(entry: Omit<LedgerEntry, 'hash'>): string {
  return createHash('sha256').update(chainedText(entry)).digest('hex');
}

/** The entry that seals an unkeyed chain: it and every entry after it are keyed. */
export const LEDGER_SEAL_KIND = 'ledger.keyed';
