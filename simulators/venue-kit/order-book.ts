/**
 * A price-time priority book shared by both loopback venues: synthetic liquidity (no owner) around the market price
 * plus members' resting orders. Prices and sizes are integers in the venue's own units.
 */
export type BookSide = 'buy' | 'sell';

export interface BookEntry {
  /** Set for a member's resting order; synthetic liquidity has none. */
  orderId?: string;
  accountId?: string;
  price: number;
  remaining: number;
  seq: number;
}

export class OrderBook {
  bids: BookEntry[] = [];
  asks: BookEntry[] = [];
  private seq = 0;

  constructor(readonly epoch: string) {}

  add(side: BookSide, entry: Omit<BookEntry, 'seq'>): void {
    const list = side === 'buy' ? this.bids : this.asks;
    list.push({ ...entry, seq: ++this.seq });
    list.sort(
      side === 'buy' ? (a, b) => b.price - a.price || a.seq - b.seq : (a, b) => a.price - b.price || a.seq - b.seq,
    );
  }

  /** The resting entries an incoming order at `limit` would trade with, best first. A member's own orders are
   * skipped (self-trade prevention), never matched. */
  crossing(side: BookSide, limit: number, accountId: string): BookEntry[] {
    return side === 'buy'
      ? this.asks.filter((e) => e.price <= limit && e.accountId !== accountId && e.remaining > 0)
      : this.bids.filter((e) => e.price >= limit && e.accountId !== accountId && e.remaining > 0);
  }

  remove(orderId: string): void {
    this.bids = this.bids.filter((e) => e.orderId !== orderId);
    this.asks = this.asks.filter((e) => e.orderId !== orderId);
  }

  prune(): void {
    this.bids = this.bids.filter((e) => e.remaining > 0);
    this.asks = this.asks.filter((e) => e.remaining > 0);
  }

  /** A new book at a new market price: fresh synthetic liquidity, the members' resting orders carried over. */
  rebuilt(epoch: string, synthetic: { bids: [number, number][]; asks: [number, number][] }): OrderBook {
    const book = new OrderBook(epoch);
    for (const e of this.bids.filter((x) => x.orderId)) book.add('buy', e);
    for (const e of this.asks.filter((x) => x.orderId)) book.add('sell', e);
    for (const [price, remaining] of synthetic.bids) book.add('buy', { price, remaining });
    for (const [price, remaining] of synthetic.asks) book.add('sell', { price, remaining });
    return book;
  }

  /**
   * Synthetic liquidity that arrived crossing members' resting orders trades with them at the members' prices.
   * `fill(entry, side, quantity)` books each member fill (and reduces entry.remaining).
   */
  crossMembers(fill: (entry: BookEntry, side: BookSide, quantity: number) => void): void {
    for (const [side, mine, theirs] of [
      ['buy', this.bids, this.asks],
      ['sell', this.asks, this.bids],
    ] as const) {
      for (const entry of mine.filter((e) => e.orderId)) {
        for (const synthetic of theirs) {
          if (entry.remaining === 0) break;
          const crosses = side === 'buy' ? synthetic.price <= entry.price : synthetic.price >= entry.price;
          if (synthetic.orderId || synthetic.remaining === 0 || !crosses) continue;
          const q = Math.min(entry.remaining, synthetic.remaining);
          synthetic.remaining -= q;
          fill(entry, side, q);
        }
      }
    }
    this.prune();
  }

  /** Aggregated levels, best first: [price, size]. */
  levels(depth = 0): { bids: [number, number][]; asks: [number, number][] } {
    const aggregate = (entries: BookEntry[]) => {
      const out: [number, number][] = [];
      for (const e of entries) {
        if (e.remaining <= 0) continue;
        const last = out[out.length - 1];
        if (last && last[0] === e.price) last[1] += e.remaining;
        else out.push([e.price, e.remaining]);
      }
      return depth > 0 ? out.slice(0, depth) : out;
    };
    return { bids: aggregate(this.bids), asks: aggregate(this.asks) };
  }
}
