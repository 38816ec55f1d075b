import type { FeatureSpec } from './types';

/**
 * Features over one price series, computed by running sums over consecutive runs of bars (tight loops over typed
 * arrays; the strategy's view folds the series in a block at a time, so a backtest of millions of bars keeps a few
 * numbers per feature, not a column). The value at bar i is computed from bars 0..i only (trailing windows); the
 * strategy's view (market-view.ts) is what keeps values after "now" out of its reach, as it does for the prices.
 */
export interface FeatureStep {
  /**
   * Folds in bars from..to-1 of `close` (every earlier bar was folded in before) and writes bar i's value to
   * out[at + i - from].
   */
  fold(close: Float64Array, from: number, to: number, out: Float64Array, at: number): void;
}

export function featureStep(spec: FeatureSpec): FeatureStep {
  if (!Number.isInteger(spec.period) || spec.period < 1) {
    throw new RangeError(`feature ${spec.kind} needs a whole period of at least 1 bar, got ${spec.period}`);
  }
  if (spec.kind === 'sma') return new Sma(spec.period);
  if (spec.kind === 'stdev') return new ReturnStdev(spec.period);
  return new TrailingReturn(spec.period);
}

/**
 * Every feature's value at every bar of `close` at once (NaN while a feature has too little history): the values the
 * view computes block by block.
 */
export function computeFeatures(specs: readonly FeatureSpec[], close: Float64Array): Float64Array[] {
  return specs.map((spec) => {
    const out = new Float64Array(close.length);
    featureStep(spec).fold(close, 0, close.length, out, 0);
    return out;
  });
}

/** Simple moving average of close over the last `p` bars, from a running sum. */
class Sma implements FeatureStep {
  private sum = 0;

  constructor(private readonly p: number) {}

  fold(close: Float64Array, from: number, to: number, out: Float64Array, at: number): void {
    const p = this.p;
    let sum = this.sum;
    for (let i = from; i < to; i++) {
      sum += close[i]!;
      if (i >= p) sum -= close[i - p]!;
      out[at + i - from] = i >= p - 1 ? sum / p : Number.NaN;
    }
    this.sum = sum;
  }
}

/** Population standard deviation of the last `p` one-bar returns. */
class ReturnStdev implements FeatureStep {
  private sum = 0;
  private squares = 0;

  constructor(private readonly p: number) {}

  fold(close: Float64Array, from: number, to: number, out: Float64Array, at: number): void {
    const p = this.p;
    let sum = this.sum;
    let squares = this.squares;
    for (let i = from; i < to; i++) {
      let value = Number.NaN;
      if (i >= 1) {
        const r = close[i]! / close[i - 1]! - 1;
        sum += r;
        squares += r * r;
        if (i > p) {
          const old = close[i - p]! / close[i - p - 1]! - 1;
          sum -= old;
          squares -= old * old;
        }
        if (i >= p) {
          const mean = sum / p;
          value = Math.sqrt(Math.max(0, squares / p - mean * mean));
        }
      }
      out[at + i - from] = value;
    }
    this.sum = sum;
    this.squares = squares;
  }
}

/** close / close `p` bars ago - 1. */
class TrailingReturn implements FeatureStep {
  constructor(private readonly p: number) {}

  fold(close: Float64Array, from: number, to: number, out: Float64Array, at: number): void {
    const p = this.p;
    for (let i = from; i < to; i++) out[at + i - from] = i >= p ? close[i]! / close[i - p]! - 1 : Number.NaN;
  }
}
