/**
 * Paces reads to a venue below its rate limit (Kalshi's basic tier allows 20 reads a second; the default here is
 * half of that), shared by every activity of one worker so concurrent scan batches cannot add up to a burst.
 */
export class VenuePacer {
  private readonly next = new Map<string, number>();

  constructor(private readonly perSecond: number) {}

  /** Waits until this venue may be read again, and claims the slot. */
  async take(venue: string): Promise<void> {
    const interval = 1000 / this.perSecond;
    const now = Date.now();
    const at = Math.max(now, this.next.get(venue) ?? 0);
    this.next.set(venue, at + interval);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
