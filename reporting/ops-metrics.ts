import { decimalToUnits, unitsToDecimal, type Cents } from '../policies/money';
import type { Limits } from '../policies/limits';
import type { VenueOrder } from '../policies/orders';

/**
 * The figures of the operations reports, from the ledger's account snapshots and fills: per-account series for the
 * equity, drawdown and exposure charts, and P&L per strategy. Pure.
 */
export interface AccountSnapshot {
  account: string;
  /** Epoch milliseconds. */
  at: number;
  status: string;
  equityCents: Cents;
  dayBaselineCents: Cents;
  committedCents: Cents;
  reservedCents: Cents;
  limitCents: Cents;
}

export function byAccount(snapshots: readonly AccountSnapshot[]): Map<string, AccountSnapshot[]> {
  const series = new Map<string, AccountSnapshot[]>();
  for (const s of [...snapshots].sort((a, b) => a.at - b.at))
    series.set(s.account, [...(series.get(s.account) ?? []), s]);
  return series;
}

/** Drawdown from the running peak of the period, in percent (0 or negative). */
export function drawdownPoints(series: readonly AccountSnapshot[]): [number, number][] {
  let peak = 0;
  return series.map((s) => {
    peak = Math.max(peak, s.equityCents);
    return [s.at, peak > 0 ? ((s.equityCents - peak) / peak) * 100 : 0];
  });
}

export function maxDrawdownFraction(series: readonly AccountSnapshot[]): number {
  return -Math.min(0, ...drawdownPoints(series).map(([, pct]) => pct)) / 100;
}

/** Each account against the seed's limits over the period: the worst daily loss and the largest exposure. */
export interface LimitReview {
  account: string;
  worstDailyLoss: number;
  maxExposure: number;
  breaches: string[];
}

export function reviewLimits(series: ReadonlyMap<string, readonly AccountSnapshot[]>, limits: Limits): LimitReview[] {
  return [...series].map(([account, snaps]) => {
    const worstDailyLoss = Math.max(
      0,
      ...snaps.map((s) => (s.dayBaselineCents > 0 ? (s.dayBaselineCents - s.equityCents) / s.dayBaselineCents : 0)),
    );
    const maxExposure = Math.max(
      0,
      ...snaps.map((s) => (s.equityCents > 0 ? (s.committedCents + s.reservedCents) / s.equityCents : 0)),
    );
    const breaches: string[] = [];
    if (worstDailyLoss >= limits.maxDailyLossFraction)
      breaches.push(
        `daily loss reached ${(worstDailyLoss * 100).toFixed(2)}% (limit ${limits.maxDailyLossFraction * 100}%)`,
      );
    if (maxExposure > limits.maxExposureFraction)
      breaches.push(`exposure reached ${(maxExposure * 100).toFixed(2)}% (limit ${limits.maxExposureFraction * 100}%)`);
    return { account, worstDailyLoss, maxExposure, breaches };
  });
}

/** One `trade.fill` ledger entry, as the reports read it. */
export interface StrategyFill {
  strategyId: string;
  account: string;
  filled: VenueOrder;
  intent: 'buy' | 'reduce';
  /** What a buy cost, fees included. */
  costCents: Cents;
  feesCents: Cents;
  /** What a sale's filled quantity fetched before fees. */
  notionalCents: Cents;
}

/** What a strategy still holds from the period's fills, at the price of its last fill there. */
export interface OpenHolding {
  strategyId: string;
  account: string;
  order: VenueOrder;
}

const SCALE = 8;
const quantityOf = (o: VenueOrder) => decimalToUnits(o.venue === 'kalshi' ? o.count : o.baseSize, SCALE, 'quantity');
const withQuantity = (o: VenueOrder, units: bigint): VenueOrder =>
  o.venue === 'kalshi'
    ? { ...o, action: 'buy', count: unitsToDecimal(units, SCALE) }
    : { ...o, side: 'BUY', baseSize: unitsToDecimal(units, SCALE) };
const holdingKey = (f: { strategyId: string; account: string; filled: VenueOrder }) =>
  `${f.strategyId}|${f.account}|${f.filled.market}|${f.filled.venue === 'kalshi' ? f.filled.side : 'spot'}`;

export function openHoldings(fills: readonly StrategyFill[]): OpenHolding[] {
  const open = new Map<string, { fill: StrategyFill; units: bigint }>();
  for (const fill of fills) {
    const key = holdingKey(fill);
    const units =
      (open.get(key)?.units ?? 0n) + (fill.intent === 'buy' ? quantityOf(fill.filled) : -quantityOf(fill.filled));
    open.set(key, { fill, units });
  }
  return [...open.values()]
    .filter((h) => h.units > 0n)
    .map((h) => ({
      strategyId: h.fill.strategyId,
      account: h.fill.account,
      order: withQuantity(h.fill.filled, h.units),
    }));
}

export interface StrategyResult {
  strategyId: string;
  fills: number;
  spentCents: Cents;
  proceedsCents: Cents;
  feesCents: Cents;
  openValueCents: Cents;
  /** Proceeds plus what is still held at its marks, less what was spent. */
  pnlCents: Cents;
}

export function strategyPnl(
  fills: readonly StrategyFill[],
  valued: readonly { holding: OpenHolding; valueCents: Cents }[],
): StrategyResult[] {
  const results = new Map<string, StrategyResult>();
  const of = (strategyId: string) => {
    const r = results.get(strategyId) ?? {
      strategyId,
      fills: 0,
      spentCents: 0,
      proceedsCents: 0,
      feesCents: 0,
      openValueCents: 0,
      pnlCents: 0,
    };
    results.set(strategyId, r);
    return r;
  };
  for (const fill of fills) {
    const r = of(fill.strategyId);
    r.fills += 1;
    r.feesCents += fill.feesCents;
    if (fill.intent === 'buy') r.spentCents += fill.costCents;
    else r.proceedsCents += fill.notionalCents - fill.feesCents;
  }
  for (const { holding, valueCents } of valued) of(holding.strategyId).openValueCents += valueCents;
  for (const r of results.values()) r.pnlCents = r.proceedsCents + r.openValueCents - r.spentCents;
  return [...results.values()].sort((a, b) => a.strategyId.localeCompare(b.strategyId));
}
