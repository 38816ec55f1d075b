import type { FeatureSpec } from './types';

/**
 * Features over one price series, computed in one pass per feature before the strategy runs (tight loops over
 * typed arrays: the backtester's hot loop then only reads). The value at bar i is computed from bars 0..i only
 * (trailing windows); the strategy's view (market-view.ts) is what keeps values after "now" out of its reach, as it
 * does for the prices themselves.
 */
export function computeFeatures(specs: readonly FeatureSpec[], close: Float64Array): Float64Array[] {
  return specs.map((spec) => {
    if (!Number.isInteger(spec.period) || spec.period < 1) {
      throw new RangeError(`feature ${spec.kind} needs a whole period of at least 1 bar, got ${spec.period}`);
    }
    const out = new Float64Array(close.length).fill(Number.NaN);
    if (spec.kind === 'sma') sma(close, spec.period, out);
    else if (spec.kind === 'stdev') returnStdev(close, spec.period, out);
    else trailingReturn(close, spec.period, out);
    return out;
  });
}

/** Simple moving average of close over the last `p` bars, from a running sum. */
function sma(close: Float64Array, p: number, out: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < close.length; i++) {
    sum += close[i]!;
    if (i >= p) sum -= close[i - p]!;
    if (i >= p - 1) out[i] = sum / p;
  }
}

/** Population standard deviation of the last `p` one-bar returns. */
function returnStdev(close: Float64Array, p: number, out: Float64Array): void {
  let sum = 0;
  let squares = 0;
  for (let i = 1; i < close.length; i++) {
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
      out[i] = Math.sqrt(Math.max(0, squares / p - mean * mean));
    }
  }
}

/** close / close `p` bars ago - 1. */
function trailingReturn(close: Float64Array, p: number, out: Float64Array): void {
  for (let i = p; i < close.length; i++) out[i] = close[i]! / close[i - p]! - 1;
}
