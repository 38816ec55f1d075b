/**
 * A seeded pseudo-random source (mulberry32): fast, good enough for simulated prices, and it replays exactly
 * from its seed, so a synthetic backtest is reproducible and its data hash stable.
 */
export class SeededRandom {
  private state: number;
  private spare = Number.NaN;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`the random seed must be a whole number, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const value = this.spare;
      this.spare = Number.NaN;
      return value;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
