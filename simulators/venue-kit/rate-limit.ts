/**
 * Per-key request budgets over a sliding one-second window, as the venues enforce them (Kalshi by key tier and
 * read/write class, Coinbase per key). Answers how long the caller should wait when the budget is spent.
 */
export class RateLimiter {
  private windows = new Map<string, number[]>();

  /** Records a request for `bucket` if it fits `perSecond`; otherwise returns the wait in ms before one would. */
  take(bucket: string, perSecond: number, now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const stamps = (this.windows.get(bucket) ?? []).filter((t) => t > now - 1000);
    if (stamps.length >= perSecond) {
      this.windows.set(bucket, stamps);
      return { ok: false, retryAfterMs: Math.max(1, stamps[0]! + 1000 - now) };
    }
    stamps.push(now);
    this.windows.set(bucket, stamps);
    return { ok: true };
  }
}
