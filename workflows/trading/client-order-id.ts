/**
 * The client order id of a trade is derived from its workflow id, so every retry, replay and restart of the trade
 * sends the same id and the venue (and the guardian) recognise it: an order is never placed twice. Kalshi allows at
 * most 64 characters of [-\w:+=/], so the id is a hash: FNV-1a 64-bit, pure and deterministic for workflow code.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK;
  return hash.toString(16).padStart(16, '0');
}

export function clientOrderIdFor(domain: 'paper' | 'live', workflowId: string, leg = 'open'): string {
  return `nemo-${domain}-${leg}-${fnv1a64(`${workflowId}\u0000${leg}`)}`;
}
