import { computeFeatures } from './features';
import type { PriceSeries } from './series';
import { LookAheadError, type BarField, type MarketView, type Strategy } from './types';

/**
 * The only window a strategy gets on a series: reads at "now" or earlier. Asking for a bar after now throws
 * LookAheadError, naming the strategy, the bar and how far ahead it tried to look. The engine (or the live caller)
 * moves "now" forward one bar at a time with `advance`.
 */
export class SeriesView implements MarketView {
  readonly venue: PriceSeries['venue'];
  readonly market: string;
  private readonly features: Float64Array[];
  private readonly columns: Partial<Record<BarField, Float64Array>>;
  private now = -1;

  /**
   * @param firstBar the index reported for the series' first bar, when the series is a window cut from a longer one
   *   (the look-ahead audit replays windows and must show the strategy the same indices as the full run)
   */
  constructor(
    private readonly series: PriceSeries,
    private readonly strategy: Pick<Strategy, 'id' | 'features'>,
    private readonly firstBar = 0,
  ) {
    this.venue = series.venue;
    this.market = series.market;
    this.features = computeFeatures(strategy.features, series.close);
    const { open, high, low, close, volume, bid, ask } = series;
    this.columns = { open, high, low, close, volume, bid, ask };
  }

  /** Moves now to bar `i`, which must be the next bar. */
  advance(i: number): void {
    if (i !== this.now + 1) throw new RangeError(`${this.market}: bars must arrive in order; at ${this.now}, got ${i}`);
    this.now = i;
  }

  get index(): number {
    return this.firstBar + this.now;
  }

  get time(): number {
    return this.series.time[this.now]!;
  }

  private at(back: number, what: string | number): number {
    if (!(back >= 0)) {
      const name = typeof what === 'number' ? `feature ${what}` : what;
      throw new LookAheadError(
        `strategy ${this.strategy.id} read ${name} ${-back} bar(s) after now (bar ${this.index} of ${this.market}): look-ahead refused`,
      );
    }
    return this.now - back;
  }

  bar(field: BarField, back = 0): number {
    const i = this.at(back, field);
    const column = this.columns[field];
    return column === undefined || i < 0 ? Number.NaN : column[i]!;
  }

  feature(id: number, back = 0): number {
    // The id, not a formatted name: this runs for every bar, and a string built here would be garbage each time.
    const i = this.at(back, id);
    const values = this.features[id];
    if (values === undefined) throw new RangeError(`strategy ${this.strategy.id} has no feature ${id}`);
    return i < 0 ? Number.NaN : values[i]!;
  }

  input(name: string, back = 0): number {
    const i = this.at(back, name);
    const column = this.series.inputs?.[name];
    return column === undefined || i < 0 ? Number.NaN : column[i]!;
  }
}

/**
 * What a strategy proposes now for a series of recent bars (paper and live trading call this with the bars the
 * adapters returned): the features are built over the bars, and the strategy sees the last one as now.
 */
export function decideNow(strategy: Strategy, series: PriceSeries) {
  const n = series.close.length;
  if (n <= strategy.warmup) return undefined;
  const view = new SeriesView(series, strategy);
  for (let i = 0; i < n; i++) view.advance(i);
  return strategy.decide(view);
}
