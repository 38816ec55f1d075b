import type { BarField, Venue } from './types';

/**
 * One market's price history, column by column (typed arrays: the backtester walks millions of bars without
 * allocating). Times are epoch milliseconds, ascending; prices are dollars (Kalshi: the YES price).
 */
export interface PriceSeries {
  venue: Venue;
  market: string;
  time: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  open?: Float64Array;
  high?: Float64Array;
  low?: Float64Array;
  /** Best YES bid and ask (Kalshi), or best bid and ask (Coinbase), when known. */
  bid?: Float64Array;
  ask?: Float64Array;
  /** Outside inputs known at each bar's time, e.g. `analystProbability`. */
  inputs?: Record<string, Float64Array>;
  /** A binary market's result, known after its last bar. */
  settlement?: { yes: boolean };
}

/** A bar as the venue adapters and the market-data store hand it over. */
export interface Bar {
  time: number;
  close: number;
  volume: number;
  open?: number;
  high?: number;
  low?: number;
  bid?: number;
  ask?: number;
  inputs?: Record<string, number>;
}

const OPTIONAL: readonly Exclude<BarField, 'close' | 'volume'>[] = ['open', 'high', 'low', 'bid', 'ask'];

/** Builds a series from bar objects (paper and live trading, the market-data store), checking the time order. */
export function seriesFromBars(
  venue: Venue,
  market: string,
  bars: readonly Bar[],
  settlement?: { yes: boolean },
): PriceSeries {
  const n = bars.length;
  const series: PriceSeries = {
    venue,
    market,
    time: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    ...(settlement ? { settlement } : {}),
  };
  for (const field of OPTIONAL)
    if (bars.some((b) => b[field] !== undefined)) series[field] = new Float64Array(n).fill(Number.NaN);
  const inputNames = [...new Set(bars.flatMap((b) => Object.keys(b.inputs ?? {})))];
  if (inputNames.length > 0) {
    series.inputs = Object.fromEntries(inputNames.map((name) => [name, new Float64Array(n).fill(Number.NaN)]));
  }
  bars.forEach((bar, i) => {
    if (!(Number.isFinite(bar.time) && Number.isFinite(bar.close) && bar.close > 0)) {
      throw new RangeError(
        `${market} bar ${i}: time and a positive close are required, got time=${bar.time} close=${bar.close}`,
      );
    }
    if (i > 0 && bar.time <= bars[i - 1]!.time) {
      throw new RangeError(`${market} bar ${i}: time ${bar.time} is not after the previous bar's ${bars[i - 1]!.time}`);
    }
    series.time[i] = bar.time;
    series.close[i] = bar.close;
    series.volume[i] = bar.volume;
    for (const field of OPTIONAL) if (bar[field] !== undefined) series[field]![i] = bar[field]!;
    for (const [name, value] of Object.entries(bar.inputs ?? {})) series.inputs![name]![i] = value;
  });
  return series;
}

/** The columns of a series, for hashing and perturbing: every typed array it holds. */
export function seriesColumns(series: PriceSeries): { name: string; values: Float64Array }[] {
  const columns: { name: string; values: Float64Array }[] = [
    { name: 'time', values: series.time },
    { name: 'close', values: series.close },
    { name: 'volume', values: series.volume },
  ];
  for (const field of OPTIONAL) if (series[field]) columns.push({ name: field, values: series[field]! });
  for (const [name, values] of Object.entries(series.inputs ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    columns.push({ name: `input:${name}`, values });
  }
  return columns;
}
