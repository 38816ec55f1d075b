import { createHash } from 'node:crypto';

/**
 * Seeded randomness for the loopback venues: the same seed always yields the same markets, prices and outcomes,
 * so a scenario test or a demo can be replayed exactly.
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Integer in [low, high]. */
  int(low: number, high: number): number;
}

/** A 32-bit seed derived from any parts (seed, instance name, market ticker, ...). */
export function seedOf(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

/** mulberry32: small, fast, and good enough for synthetic markets (not for anything secret). */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal() {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    int(low, high) {
      return low + Math.floor(next() * (high - low + 1));
    },
  };
}
