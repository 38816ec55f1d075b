import { BAR_INTERVAL_MS, type PriceBar, type PriceHistoryWindow, type VenuePort } from '../venues/venue-port';

/**
 * A closed candle does not change: a research worker keeps the bars it has read of each market, and the next scan
 * (every 15 minutes) asks the venue only from the last bar it holds, which it reads again in case that period was
 * still open. The reads are as many as before (one per hundred markets, each paced); their answers hold a bar or two
 * per market instead of the whole window, so a scan's decoding, garbage and the venue's own work shrink with them.
 * A batch asks from the earliest bar any of its markets lacks, so a market seen for the first time gets its whole
 * window. What a market gets is what one read of the whole window would have returned.
 */
const MAX_MARKETS = 20_000;

export class PriceHistoryCache {
  /** By interval and market, the bars held, oldest first; the Map's order is the order of last use. */
  private readonly held = new Map<string, PriceBar[]>();

  async read(
    port: Pick<VenuePort, 'getPriceHistories'>,
    markets: readonly string[],
    window: PriceHistoryWindow,
  ): Promise<Map<string, PriceBar[]>> {
    const step = BAR_INTERVAL_MS[window.interval];
    const from = Date.parse(window.from);
    // A bar belongs to the window when its period ends at or after the window's start (as the venue counts it); the
    // bars held are in time order, so only the oldest are looked at.
    const inWindow = (bar: PriceBar) => Date.parse(bar.start) + step >= from;
    const keyOf = (market: string) => `${window.interval}:${market}`;
    const kept = new Map(
      markets.map((m) => {
        const held = this.held.get(keyOf(m)) ?? [];
        const first = held.findIndex(inWindow);
        return [m, first < 0 ? [] : held.slice(first)];
      }),
    );
    const resumeAt = Math.min(
      ...[...kept.values()].map((bars) => (bars.length ? Date.parse(bars.at(-1)!.start) : from)),
    );
    const fetched = await port.getPriceHistories(markets, {
      ...window,
      from: new Date(Math.max(from, resumeAt)).toISOString(),
    });
    const histories = new Map<string, PriceBar[]>();
    for (const market of markets) {
      const fresh = fetched.get(market) ?? [];
      const older = kept.get(market)!;
      // The held bars before the first fresh one (the fresh answer replaces the rest).
      const replaced = fresh.length === 0 ? -1 : older.findIndex((b) => b.start >= fresh[0]!.start);
      const bars = [...(replaced < 0 ? older : older.slice(0, replaced)), ...fresh];
      this.remember(keyOf(market), bars);
      histories.set(market, [...bars]);
    }
    return histories;
  }

  private remember(key: string, bars: PriceBar[]): void {
    this.held.delete(key);
    this.held.set(key, bars);
    if (this.held.size > MAX_MARKETS) this.held.delete(this.held.keys().next().value!);
  }
}
