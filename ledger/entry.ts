import type { Json } from './canonical-json';

/** Who wrote an entry: one of the execution domains, or the operator (CLI decisions). */
export type LedgerDomain = 'research' | 'paper' | 'live' | 'upgrade' | 'control' | 'operator';

/** What a caller asks to append. The idempotency key makes a retried write land once. */
export interface LedgerAppend {
  kind: string;
  domain: LedgerDomain;
  account: string;
  payload: { [key: string]: Json };
  idempotencyKey: string;
}

export interface LedgerEntry extends LedgerAppend {
  seq: number;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Account used for entries that concern NEMO as a whole rather than one trading account. */
export const SYSTEM_ACCOUNT = 'nemo';
