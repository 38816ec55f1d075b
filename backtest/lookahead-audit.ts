import { SeriesView } from '../strategies/market-view';
import { seriesColumns, type PriceSeries } from '../strategies/series';
import { LookAheadError, type Signal, type Strategy } from '../strategies/types';

/**
 * The second look-ahead defence. The view already refuses any read after "now"; this audit catches a strategy that
 * reaches future data another way (a captured reference to the data set, an engine or feature bug). At sampled
 * cut bars it replays the strategy over a short window ending at the cut twice: once on the real data, once after
 * changing every bar AFTER the cut (mirrored around the cut's values, in place, then restored). Decisions up to the
 * cut may only depend on bars up to the cut, so they must come out identical; any difference is look-ahead.
 */
export interface LookAheadAuditOptions {
  /** How many cut bars to check, spread over the series. */
  cuts: number;
  /** How many bars after each cut are changed. */
  horizon: number;
}

export const DEFAULT_LOOKAHEAD_AUDIT: LookAheadAuditOptions = { cuts: 64, horizon: 16 };

function decisions(strategy: Strategy, series: PriceSeries, from: number, to: number): string[] {
  const sub = slice(series, from, to + 1);
  const view = new SeriesView(sub, strategy, from);
  const out: string[] = [];
  for (let j = 0; j <= to - from; j++) {
    view.advance(j);
    if (j >= strategy.warmup) out.push(describe(strategy.decide(view)));
  }
  return out;
}

const describe = (signal: Signal | undefined) =>
  signal === undefined ? '-' : `${signal.side}@${signal.price}:${signal.probability}:${signal.expectedValue}`;

/** The bars [from, to) of a series as views on the same memory (no copy: a change to the original shows through). */
function slice(series: PriceSeries, from: number, to: number): PriceSeries {
  const cut = (a: Float64Array | undefined) => a?.subarray(from, to);
  return {
    ...series,
    time: series.time.subarray(from, to),
    close: series.close.subarray(from, to),
    volume: series.volume.subarray(from, to),
    open: cut(series.open),
    high: cut(series.high),
    low: cut(series.low),
    bid: cut(series.bid),
    ask: cut(series.ask),
    inputs:
      series.inputs && Object.fromEntries(Object.entries(series.inputs).map(([k, v]) => [k, v.subarray(from, to)])),
  };
}

/** Mirrors bars (cut, cut + horizon] around the value at the cut, clamped to the column's range; returns an undo. */
function perturbFuture(series: PriceSeries, cut: number, horizon: number): () => void {
  const end = Math.min(series.close.length, cut + 1 + horizon);
  const saved: { values: Float64Array; copy: Float64Array }[] = [];
  for (const { name, values } of seriesColumns(series)) {
    if (name === 'time') continue;
    saved.push({ values, copy: values.slice(cut + 1, end) });
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = Math.max(0, cut - horizon); j < end; j++) {
      if (values[j]! < min) min = values[j]!;
      if (values[j]! > max) max = values[j]!;
    }
    const pivot = values[cut]!;
    for (let j = cut + 1; j < end; j++) values[j] = Math.min(max, Math.max(min, 2 * pivot - values[j]!));
  }
  return () => {
    for (const { values, copy } of saved) values.set(copy, cut + 1);
  };
}

export function auditLookAhead(
  strategy: Strategy,
  series: readonly PriceSeries[],
  options: LookAheadAuditOptions = DEFAULT_LOOKAHEAD_AUDIT,
): void {
  const window = strategy.warmup + options.horizon;
  const eligible = series.filter((s) => s.close.length > window + options.horizon + 1);
  if (eligible.length === 0) return;
  for (let c = 0; c < options.cuts; c++) {
    const s = eligible[c % eligible.length]!;
    const n = s.close.length;
    // Cuts spread evenly over the span where a full window fits before and a horizon after.
    const span = n - 1 - options.horizon - window;
    const cut =
      window + Math.floor(((Math.floor(c / eligible.length) + 0.5) / Math.ceil(options.cuts / eligible.length)) * span);
    const from = cut - window;
    const honest = decisions(strategy, s, from, cut);
    const undo = perturbFuture(s, cut, options.horizon);
    let changed: string[];
    try {
      changed = decisions(strategy, s, from, cut);
    } finally {
      undo();
    }
    const at = honest.findIndex((d, j) => d !== changed[j]);
    if (at >= 0) {
      const bar = from + strategy.warmup + at;
      throw new LookAheadError(
        `strategy ${strategy.id}: its decision at bar ${bar} of ${s.market} changed from ${honest[at]} to ${changed[at]} ` +
          `when only bars after ${cut} changed: it uses data from the future`,
      );
    }
  }
}
