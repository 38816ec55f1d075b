/**
 * The simulated market clock. Market time (resolutions, candles, price paths) runs on it and tests can advance it;
 * authentication always uses the real wall clock, because clients sign with their own real time.
 */
export class SimClock {
  constructor(public offsetMs = 0) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock advance must be a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
    return this.now();
  }
}
