import { featureStep, type FeatureStep } from './features';
import type { PriceSeries } from './series';
import { LookAheadError, type BarField, type MarketView, type Strategy } from './types';

/**
 * How far back (in bars, less one) a strategy may read a feature. The view computes features a block of this many
 * bars at a time into a ring of two blocks, so a backtest of millions of bars keeps its features in the processor's
 * cache instead of a column per feature. A power of two.
 */
export const FEATURE_HISTORY = 1024;
const RING = 2 * FEATURE_HISTORY;
const RING_MASK = RING - 1;

/**
 * The only window a strategy gets on a series: reads at "now" or earlier. Asking for a bar after now throws
 * LookAheadError, naming the strategy, the bar and how far ahead it tried to look. The engine (or the live caller)
 * moves "now" forward one bar at a time with `advance`.
 */
export class SeriesView implements MarketView {
  readonly venue: PriceSeries['venue'];
  readonly market: string;
  private readonly close: Float64Array;
  private readonly steps: FeatureStep[];
  /**
   * Feature k's value at bar i is at k * RING + (i & RING_MASK): the block holding now and the one before it (so at
   * least FEATURE_HISTORY bars back), and the rest of now's block, already computed but out of the strategy's reach.
   */
  private readonly ring: Float64Array;
  /** Bars before this one are folded into the features. */
  private folded = 0;
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
    this.close = series.close;
    this.steps = strategy.features.map(featureStep);
    this.ring = new Float64Array(this.steps.length * RING);
    const { open, high, low, close, volume, bid, ask } = series;
    this.columns = { open, high, low, close, volume, bid, ask };
  }

  /** Moves now to bar `i`, which must be the next bar. */
  advance(i: number): void {
    if (i !== this.now + 1) throw new RangeError(`${this.market}: bars must arrive in order; at ${this.now}, got ${i}`);
    this.now = i;
    if (i === this.folded) this.foldBlock();
  }

  /** Computes every feature over the next block of bars, into the half of the ring the block before last held. */
  private foldBlock(): void {
    const from = this.folded;
    const to = Math.min(this.close.length, from + FEATURE_HISTORY);
    for (let k = 0; k < this.steps.length; k++)
      this.steps[k]!.fold(this.close, from, to, this.ring, k * RING + (from & RING_MASK));
    this.folded = to;
  }

  get index(): number {
    return this.firstBar + this.now;
  }

  get time(): number {
    return this.series.time[this.now]!;
  }

  bar(field: BarField, back = 0): number {
    if (!(back >= 0)) this.refuseLookAhead(field, back);
    const i = this.now - back;
    const column = this.columns[field];
    return column === undefined || i < 0 ? Number.NaN : column[i]!;
  }

  feature(id: number, back = 0): number {
    // Runs several times a bar: the checks stay tiny here (so the call inlines) and the errors are built apart.
    if (!(back >= 0 && back < FEATURE_HISTORY) || this.steps[id] === undefined) this.refuseFeature(id, back);
    const i = this.now - back;
    return i < 0 ? Number.NaN : this.ring[id * RING + (i & RING_MASK)]!;
  }

  input(name: string, back = 0): number {
    if (!(back >= 0)) this.refuseLookAhead(name, back);
    const i = this.now - back;
    const column = this.series.inputs?.[name];
    return column === undefined || i < 0 ? Number.NaN : column[i]!;
  }

  private refuseLookAhead(what: string, back: number): never {
    throw new LookAheadError(
      `strategy ${this.strategy.id} read ${what} ${-back} bar(s) after now (bar ${this.index} of ${this.market}): look-ahead refused`,
    );
  }

  private refuseFeature(id: number, back: number): never {
    if (!(back >= 0)) this.refuseLookAhead(`feature ${id}`, back);
    if (this.steps[id] === undefined) throw new RangeError(`strategy ${this.strategy.id} has no feature ${id}`);
    throw new RangeError(
      `strategy ${this.strategy.id} read feature ${id} ${back} bars back; the view keeps the last ${FEATURE_HISTORY}`,
    );
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
