import { coinbaseFeeCents, kalshiFeeCents } from '../policies/fees';
import { positionCapCents, usdLimitCents, exposureCapCents, type TradingDomain } from '../policies/limits';
import { notionalCents, type Cents } from '../policies/money';
import { marketKey, type Position, type RecentOrder, type VenueOrder } from '../policies/orders';
import { retainRecentOrders, type RiskPolicy } from '../policies/risk-policy';
import {
  applyTradingEvent,
  openTradingState,
  type TradingEvent,
  type TradingState,
  type TransitionRecord,
} from '../policies/trading-state';
import { SeriesView } from '../strategies/market-view';
import type { PriceSeries } from '../strategies/series';
import type { Signal, Strategy } from '../strategies/types';
import { auditLookAhead, type LookAheadAuditOptions } from './lookahead-audit';
import { dailySharpe, tradeStats, type TradeStats } from './stats';
import { validateTradeGate, type GateAccount, type TradeGate } from './trade-gate';

/**
 * The event-driven backtester. Bars from every series arrive in time order; for each bar the engine
 *   1. moves the strategy's view to the bar (features fold it in: the strategy never sees a later bar),
 *   2. fills the orders placed at the previous bar at this bar's prices (next-bar execution, slippage, partial fills
 *      capped by a share of the bar's volume, the venues' fee formulas),
 *   3. triggers bracket exits the venue would hold, settles binary markets, marks positions to market, trips the
 *      seed's daily and total loss breakers,
 *   4. asks the strategy for a signal, sizes it under the seed's limits and passes the order through the same
 *      validateTrade as live trading before it is placed.
 * After the last bar it liquidates what is left, audits the strategy for look-ahead and summarises the run.
 * The hot loop allocates nothing per bar; work per bar is O(features).
 */

export interface BacktestOptions {
  policy: RiskPolicy;
  /** Whose caps size the orders: 'live' adds the seed's $50 per position. */
  domain: TradingDomain;
  initialEquityCents: Cents;
  /** Coinbase price slippage against the taker, basis points. */
  slippageBps: number;
  /** Largest share of a bar's volume one order may fill; the rest of an entry is cancelled (IOC). */
  maxParticipation: number;
  /** A Coinbase entry is a marketable limit order this far above the signal's price (fraction). */
  limitTolerance: number;
  gate?: TradeGate;
  lookAheadAudit?: LookAheadAuditOptions | false;
  /** Points kept for the equity and drawdown charts. */
  chartPoints?: number;
  /**
   * When the simulated operator resumes after a daily-loss pause: never (the default: as live, nothing but an
   * operator lifts a pause), or a stated delay after the pause.
   */
  operatorResume?: 'never' | { afterMs: number };
}

export const DEFAULT_BACKTEST_OPTIONS: Omit<BacktestOptions, 'policy'> = {
  domain: 'live',
  initialEquityCents: 100_000,
  slippageBps: 5,
  maxParticipation: 0.1,
  limitTolerance: 0.005,
  chartPoints: 1_000,
};

export type ExitReason = 'signal' | 'take-profit' | 'stop-loss' | 'settlement' | 'end-of-data';

export interface TradeRecord {
  market: string;
  side: 'yes' | 'no' | 'long';
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  quantity: number;
  feesCents: Cents;
  pnlCents: Cents;
  exitReason: ExitReason;
}

export interface EquityPoint {
  time: number;
  equityCents: number;
  drawdown: number;
}

export interface BacktestResult {
  strategyId: string;
  strategyVersion: string;
  markets: string[];
  periodStart: number;
  periodEnd: number;
  bars: number;
  signals: number;
  orders: number;
  partialFills: number;
  /** Orders not placed, by the check that refused them (validateTrade's names, plus `no-room` when sizing found none). */
  refusals: Record<string, number>;
  trades: TradeRecord[];
  equity: EquityPoint[];
  /** Daily-loss pauses, and the time spent paused (ms, until a simulated resume or the end of the data). */
  pauses: number;
  pausedMs: number;
  /** Every change of trading status, as the guardian would record it. */
  transitions: TransitionRecord[];
  stats: TradeStats & {
    netPnlCents: Cents;
    feesCents: Cents;
    maxDrawdown: number;
    sharpe: number;
    finalEquityCents: Cents;
  };
}

interface OpenPosition {
  side: 'yes' | 'no' | 'long';
  quantity: number;
  /** Remaining cost basis, fees included, cents. */
  costCents: number;
  realizedCents: number;
  feesCents: number;
  entryTime: number;
  entryPrice: number;
  exitQuantity: number;
  exitValueCents: number;
  takeProfit: number;
  stopLoss: number;
}

interface PendingEntry {
  signal: Signal;
  order: VenueOrder;
  limit: number;
  quantity: number;
}

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const floor8 = (x: number) => Math.floor(x * 1e8) / 1e8;

export class BacktestEngine {
  private readonly options: BacktestOptions & { chartPoints: number };
  private readonly gate: TradeGate;
  private readonly views: SeriesView[];
  private readonly positions: (OpenPosition | undefined)[];
  private readonly entries: (PendingEntry | undefined)[];
  private readonly exits: Uint8Array;
  private readonly marks: Float64Array;
  private readonly lastBar: Int32Array;
  /** Merged event order across series (undefined for a single series: bar i is event i). */
  private readonly eventSeries?: Int32Array;
  private readonly eventBar?: Int32Array;
  readonly totalEvents: number;
  private done = 0;

  private cashCents: number;
  private markedCents = 0;
  private peakEquity: number;
  /** The drawdown only grows when equity falls below every value since the peak: the division waits for that. */
  private lowestSincePeak: number;
  private maxDrawdown = 0;
  /** The account's trading state, driven by the guardian's own reducer (applyTradingEvent). */
  private trading: TradingState;
  private readonly transitions: TransitionRecord[] = [];
  private pauses = 0;
  private pausedMs = 0;
  private pausedAt = Number.NaN;
  /** When the simulated operator resumes (infinity unless paused with a resume option). */
  private resumeAt = Number.POSITIVE_INFINITY;
  private dayEnd = Number.NaN;
  /** Equity can only trip a breaker by falling below every value already checked since the baselines last moved. */
  private lowestChecked = Number.POSITIVE_INFINITY;
  private readonly dailyEquity: number[] = [];
  private readonly equity: EquityPoint[] = [];
  private readonly sampleEvery: number;
  private untilSample = 0;
  private readonly trades: TradeRecord[] = [];
  private readonly refusals: Record<string, number> = {};
  private recentOrders: RecentOrder[] = [];
  private signals = 0;
  private orders = 0;
  private partialFills = 0;
  private feesCents = 0;
  private now = Number.NaN;

  constructor(
    private readonly strategy: Strategy,
    private readonly series: readonly PriceSeries[],
    options: BacktestOptions,
  ) {
    if (series.length === 0) throw new RangeError('a backtest needs at least one price series');
    for (const s of series) {
      if (s.venue !== strategy.venue) {
        throw new RangeError(`strategy ${strategy.id} trades ${strategy.venue}, but series ${s.market} is ${s.venue}`);
      }
      if (s.close.length < 2)
        throw new RangeError(`series ${s.market} has ${s.close.length} bar(s); at least 2 are needed`);
    }
    this.options = { chartPoints: 1_000, ...options };
    this.gate =
      options.gate ??
      validateTradeGate(
        options.policy,
        series.map((s) => ({ venue: s.venue, market: s.market })),
      );
    this.views = series.map((s) => new SeriesView(s, strategy));
    this.positions = series.map(() => undefined);
    this.entries = series.map(() => undefined);
    this.exits = new Uint8Array(series.length);
    this.marks = new Float64Array(series.length);
    this.lastBar = Int32Array.from(series, (s) => s.close.length - 1);
    this.totalEvents = series.reduce((n, s) => n + s.close.length, 0);
    if (series.length > 1) [this.eventSeries, this.eventBar] = mergeByTime(series, this.totalEvents);
    this.cashCents = options.initialEquityCents;
    this.peakEquity = options.initialEquityCents;
    this.lowestSincePeak = options.initialEquityCents;
    this.trading = openTradingState({
      startingValueCents: options.initialEquityCents,
      day: '',
      at: new Date(0).toISOString(),
    });
    this.sampleEvery = Math.max(1, Math.ceil(this.totalEvents / this.options.chartPoints));
  }

  get processed(): number {
    return this.done;
  }

  /** Processes up to `maxEvents` more bars; true when every bar has been processed. */
  run(maxEvents = Number.POSITIVE_INFINITY): boolean {
    const end = Math.min(this.totalEvents, this.done + maxEvents);
    const single = this.eventSeries === undefined;
    const warmup = this.strategy.warmup;
    for (let k = this.done; k < end; k++) {
      const s = single ? 0 : this.eventSeries![k]!;
      const i = single ? k : this.eventBar![k]!;
      const series = this.series[s]!;
      const view = this.views[s]!;
      view.advance(i);
      // The rare calls below (a new day, a new low, a chart point) read the bar's time and equity from the fields: a
      // number passed to them as an argument would be boxed on every bar.
      this.now = series.time[i]!;
      if (!(this.now < this.dayEnd)) this.rollDay();
      if (this.now >= this.resumeAt) this.operatorResumes();

      if (this.entries[s] !== undefined) this.fillEntry(s, i);
      const position = this.positions[s];
      if (position !== undefined) {
        if (this.exits[s] === 1) this.fillExit(s, i, 'signal', Number.NaN);
        else if (position.side === 'long') this.checkBracket(s, i, position);
        this.mark(s, i);
      }
      if (i === this.lastBar[s]! && series.settlement !== undefined) this.settle(s, i);

      const equity = this.cashCents + this.markedCents;
      if (equity > this.peakEquity) {
        this.peakEquity = equity;
        this.lowestSincePeak = equity;
      } else if (equity < this.lowestSincePeak) this.newLow();
      if (--this.untilSample <= 0) {
        this.sample();
        this.untilSample = this.sampleEvery;
      }

      if (i >= warmup && i < this.lastBar[s]!) {
        const signal = this.strategy.decide(view);
        if (signal !== undefined) this.onSignal(s, i, signal);
      }
    }
    this.done = end;
    return end === this.totalEvents;
  }

  /** Liquidates open positions at their last prices, audits for look-ahead and summarises the run. */
  finish(): BacktestResult {
    if (this.done < this.totalEvents)
      throw new Error(`finish() before the run ended (${this.done}/${this.totalEvents} bars)`);
    for (let s = 0; s < this.series.length; s++) {
      if (this.positions[s] !== undefined) this.fillExit(s, this.lastBar[s]!, 'end-of-data', Number.NaN, true);
    }
    const finalEquity = this.cashCents + this.markedCents;
    if (!Number.isNaN(this.pausedAt)) this.pausedMs += this.now - this.pausedAt;
    this.sample();
    this.dailyEquity.push(finalEquity);
    if (this.options.lookAheadAudit !== false) auditLookAhead(this.strategy, this.series, this.options.lookAheadAudit);
    const times = this.series.flatMap((s) => [s.time[0]!, s.time[s.time.length - 1]!]);
    return {
      strategyId: this.strategy.id,
      strategyVersion: this.strategy.version,
      markets: this.series.map((s) => s.market),
      periodStart: Math.min(...times),
      periodEnd: Math.max(...times),
      bars: this.totalEvents,
      signals: this.signals,
      orders: this.orders,
      partialFills: this.partialFills,
      refusals: { ...this.refusals },
      trades: this.trades,
      equity: this.equity,
      pauses: this.pauses,
      pausedMs: this.pausedMs,
      transitions: this.transitions,
      stats: {
        ...tradeStats(this.trades),
        netPnlCents: Math.round(finalEquity - this.options.initialEquityCents),
        feesCents: this.feesCents,
        maxDrawdown: this.maxDrawdown,
        sharpe: dailySharpe(this.dailyEquity),
        finalEquityCents: Math.round(finalEquity),
      },
    };
  }

  /** Equity fell below every value since the peak: the only time the drawdown can grow. */
  private newLow(): void {
    const equity = this.cashCents + this.markedCents;
    this.lowestSincePeak = equity;
    if (this.peakEquity <= 0) return;
    const drawdown = (this.peakEquity - equity) / this.peakEquity;
    if (drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
  }

  /** A point of the equity curve at the current bar. */
  private sample(): void {
    const equity = this.cashCents + this.markedCents;
    const drawdown = this.peakEquity > 0 ? Math.max(0, (this.peakEquity - equity) / this.peakEquity) : 0;
    this.equity.push({ time: this.now, equityCents: Math.round(equity), drawdown });
  }

  /** The current bar opens a new UTC day: the day's equity is recorded and its loss baseline set. */
  private rollDay(): void {
    const time = this.now;
    const equity = this.cashCents + this.markedCents;
    if (!Number.isNaN(this.dayEnd)) this.dailyEquity.push(equity);
    this.dayEnd = (Math.floor(time / DAY_MS) + 1) * DAY_MS;
    this.lowestChecked = Number.POSITIVE_INFINITY;
    // A new day moves the daily baseline; it never lifts a pause (seed: manual review), as live.
    this.apply({
      kind: 'day-rollover',
      day: isoDay(time),
      openingValueCents: Math.round(equity),
      at: new Date(time).toISOString(),
    });
  }

  /** The simulated operator's resume after a pause (the `operatorResume` option). */
  private operatorResumes(): void {
    // The resume rebases on the value now (the reducer only saw the lows): the guardian's last mark.
    const at = new Date(this.now).toISOString();
    this.apply({ kind: 'equity', source: 'mark', equityCents: Math.round(this.cashCents + this.markedCents), at });
    this.apply({ kind: 'operator-resume', by: 'simulated operator', reason: 'backtest option operatorResume', at });
    // The resume rebases the daily baseline: the next lows are checked against it.
    this.lowestChecked = Number.POSITIVE_INFINITY;
  }

  /** One event through the guardian's reducer; its effects as the guardian carries them out, in the backtest's terms. */
  private apply(event: TradingEvent): void {
    const before = this.trading.status;
    const step = applyTradingEvent(this.trading, event, this.options.policy.limits);
    this.trading = step.state;
    for (const effect of step.effects) {
      if (effect.kind === 'record-transition') this.transitions.push(effect.transition);
      // Stopping cancels working orders: entries and exits not yet filled are dropped.
      else if (effect.kind === 'cancel-working-orders') {
        this.entries.fill(undefined);
        this.exits.fill(0);
      }
    }
    const after = this.trading.status;
    if (after === before) return;
    if (before === 'PAUSED') {
      this.pausedMs += this.now - this.pausedAt;
      this.pausedAt = Number.NaN;
      this.resumeAt = Number.POSITIVE_INFINITY;
    }
    if (after === 'PAUSED') {
      this.pauses++;
      this.pausedAt = this.now;
      const resume = this.options.operatorResume ?? 'never';
      if (resume !== 'never') this.resumeAt = this.now + resume.afterMs;
    }
  }

  /** Marks a position to the bar's price and trips the seed's breakers on the new equity. */
  private mark(s: number, i: number): void {
    const position = this.positions[s];
    if (position === undefined) return;
    // What one unit is worth at bar i, dollars: a NO contract is worth 1 - the YES price.
    const close = this.series[s]!.close[i]!;
    const value = position.quantity * (position.side === 'no' ? 1 - close : close) * 100;
    this.markedCents += value - this.marks[s]!;
    this.marks[s] = value;
    const equity = Math.round(this.cashCents + this.markedCents);
    if (this.trading.status !== 'SHUTDOWN' && equity < this.lowestChecked) this.checkBreakers(equity);
  }

  /** The seed's loss breakers on a new low of equity (a higher value cannot trip what the lowest did not). */
  private checkBreakers(equity: number): void {
    this.lowestChecked = equity;
    this.apply({ kind: 'equity', source: 'mark', equityCents: equity, at: new Date(this.now).toISOString() });
  }

  private onSignal(s: number, i: number, signal: Signal): void {
    this.signals++;
    const series = this.series[s]!;
    if (signal.market !== series.market) {
      throw new RangeError(`strategy ${this.strategy.id} signalled ${signal.market} while viewing ${series.market}`);
    }
    const position = this.positions[s];
    if (signal.side === 'sell') {
      if (position === undefined || this.exits[s] === 1) return;
      const order: VenueOrder = {
        venue: 'coinbase',
        market: series.market,
        side: 'SELL',
        baseSize: position.quantity.toFixed(8),
        price: (series.close[i]! * (1 - this.options.limitTolerance)).toFixed(8),
      };
      if (this.admit(s, i, signal, order)) this.exits[s] = 1;
      return;
    }
    if (position !== undefined || this.entries[s] !== undefined) return;
    const equity = Math.round(this.cashCents + this.markedCents);
    const budget = this.budgetCents(equity);
    const entry =
      series.venue === 'kalshi'
        ? this.kalshiEntry(series, signal, budget)
        : this.coinbaseEntry(series, i, signal, budget);
    if (entry === undefined) {
      this.refusals['no-room'] = (this.refusals['no-room'] ?? 0) + 1;
      return;
    }
    if (this.admit(s, i, signal, entry.order)) this.entries[s] = entry;
  }

  /** The most one new position may cost: the seed's per-position caps, the room left under total exposure, the cash. */
  private budgetCents(equity: number): number {
    const { limits } = this.options.policy;
    let committed = 0;
    for (const p of this.positions) if (p !== undefined) committed += p.costCents;
    let budget = Math.min(
      positionCapCents(limits, equity),
      exposureCapCents(limits, equity) - committed,
      this.cashCents,
    );
    if (this.options.domain === 'live') budget = Math.min(budget, usdLimitCents(limits.maxPositionUsd));
    return budget;
  }

  private kalshiEntry(series: PriceSeries, signal: Signal, budget: number): PendingEntry | undefined {
    const side = signal.side as 'yes' | 'no';
    const yesPrice = side === 'yes' ? signal.price : 1 - signal.price;
    const feePerContract = kalshiFeeCents('100', yesPrice.toFixed(4)) / 100;
    const count = Math.floor(budget / (signal.price * 100 + feePerContract + 1));
    if (count < 1) return undefined;
    const order: VenueOrder = {
      venue: 'kalshi',
      market: series.market,
      action: 'buy',
      side,
      count: String(count),
      price: yesPrice.toFixed(4),
    };
    return { signal, order, limit: signal.price, quantity: count };
  }

  private coinbaseEntry(series: PriceSeries, i: number, signal: Signal, budget: number): PendingEntry | undefined {
    const limit = series.close[i]! * (1 + this.options.limitTolerance);
    // Leave room for the fee so the order's most-possible cost stays within the budget.
    const quantity = floor8((budget / 100 / limit) * (1 - 0.01));
    if (quantity <= 0) return undefined;
    const order: VenueOrder = {
      venue: 'coinbase',
      market: series.market,
      side: 'BUY',
      baseSize: quantity.toFixed(8),
      price: limit.toFixed(8),
    };
    return { signal, order, limit, quantity };
  }

  /** One call to the risk gate; a refused order is counted by the checks that refused it and never placed. */
  private admit(s: number, i: number, signal: Signal, order: VenueOrder): boolean {
    const series = this.series[s]!;
    const now = series.time[i]!;
    const clientOrderId = `${this.strategy.id}:${series.market}:${i}`;
    // The orders the checks still look at, as the guardian keeps them: a handful, however long the run.
    this.recentOrders = retainRecentOrders(this.recentOrders, now, this.options.policy);
    const failures = this.gate({
      clientOrderId,
      strategyId: this.strategy.id,
      strategyVersion: this.strategy.version,
      order,
      probability: signal.probability,
      referencePrice: series.close[i]!.toFixed(series.venue === 'kalshi' ? 4 : 8),
      now,
      account: this.account(),
    });
    if (failures.length > 0) {
      for (const f of failures) this.refusals[f.check] = (this.refusals[f.check] ?? 0) + 1;
      return false;
    }
    this.orders++;
    this.recentOrders.push({ clientOrderId, order, placedAt: now });
    return true;
  }

  private account(): GateAccount {
    const positions: Position[] = [];
    const committed: Record<string, Cents> = {};
    this.positions.forEach((p, s) => {
      if (p === undefined) return;
      const { venue, market } = this.series[s]!;
      positions.push(
        venue === 'kalshi'
          ? { venue, market, side: p.side as 'yes' | 'no', count: String(p.quantity) }
          : { venue, market, baseSize: p.quantity.toFixed(8) },
      );
      committed[marketKey(venue, market)] = Math.ceil(p.costCents);
    });
    return {
      domain: this.options.domain,
      trading: { ...this.trading, equityCents: Math.round(this.cashCents + this.markedCents) },
      cashCents: Math.floor(this.cashCents),
      positions,
      committed,
      recentOrders: this.recentOrders,
    };
  }

  /** An entry placed at the previous bar fills at this bar's price if its limit allows, up to the volume cap. */
  private fillEntry(s: number, i: number): void {
    const entry = this.entries[s]!;
    this.entries[s] = undefined;
    const series = this.series[s]!;
    const cap = series.volume[i]! * this.options.maxParticipation;
    let price: number;
    let quantity: number;
    let costCents: number;
    let feeCents: number;
    if (series.venue === 'kalshi') {
      const side = entry.signal.side as 'yes' | 'no';
      const ask = series.ask?.[i] ?? series.close[i]!;
      const bid = series.bid?.[i] ?? series.close[i]!;
      price = side === 'yes' ? ask : 1 - bid;
      if (!(price <= entry.limit + 1e-9) || !(price > 0 && price < 1)) return;
      quantity = Math.min(entry.quantity, Math.floor(cap));
      if (quantity < 1) return;
      const yesPrice = side === 'yes' ? price : 1 - price;
      feeCents = kalshiFeeCents(String(quantity), yesPrice.toFixed(4));
      costCents = notionalCents(price.toFixed(4), String(quantity)) + feeCents;
    } else {
      const open = series.open?.[i] ?? series.close[i]!;
      price = open * (1 + this.options.slippageBps / 10_000);
      if (!(price <= entry.limit)) return;
      quantity = floor8(Math.min(entry.quantity, cap));
      if (quantity <= 0) return;
      const notional = notionalCents(price.toFixed(8), quantity.toFixed(8));
      feeCents = coinbaseFeeCents(notional);
      costCents = notional + feeCents;
    }
    if (quantity < entry.quantity) this.partialFills++;
    this.cashCents -= costCents;
    this.feesCents += feeCents;
    const exit = entry.signal.exit;
    this.positions[s] = {
      side: series.venue === 'kalshi' ? (entry.signal.side as 'yes' | 'no') : 'long',
      quantity,
      costCents,
      realizedCents: 0,
      feesCents: feeCents,
      entryTime: series.time[i]!,
      entryPrice: price,
      exitQuantity: 0,
      exitValueCents: 0,
      takeProfit: exit?.takeProfit ?? Number.POSITIVE_INFINITY,
      stopLoss: exit?.stopLoss ?? 0,
    };
    this.marks[s] = 0;
  }

  /** Bracket exits rest at the venue: a bar that touches one fills it (the stop first when a bar touches both). */
  private checkBracket(s: number, i: number, position: OpenPosition): void {
    const series = this.series[s]!;
    const low = series.low?.[i] ?? series.close[i]!;
    const high = series.high?.[i] ?? series.close[i]!;
    const open = series.open?.[i] ?? series.close[i]!;
    if (low <= position.stopLoss) this.fillExit(s, i, 'stop-loss', Math.min(open, position.stopLoss));
    else if (high >= position.takeProfit) this.fillExit(s, i, 'take-profit', Math.max(open, position.takeProfit));
  }

  /**
   * Sells (Coinbase) or closes (Kalshi, only at the end of data) at bar i, up to the volume cap unless `all`; what
   * stays unfilled tries again at the next bar. `level` is a bracket's trigger price, NaN for a market exit.
   */
  private fillExit(s: number, i: number, reason: ExitReason, level: number, all = false): void {
    const position = this.positions[s]!;
    const series = this.series[s]!;
    const cap = all ? position.quantity : Math.max(series.volume[i]! * this.options.maxParticipation, 0);
    let quantity: number;
    let proceedsCents: number;
    let feeCents: number;
    let price: number;
    if (series.venue === 'kalshi') {
      const bid = series.bid?.[i] ?? series.close[i]!;
      const ask = series.ask?.[i] ?? series.close[i]!;
      price = position.side === 'yes' ? bid : 1 - ask;
      quantity = Math.min(position.quantity, Math.max(1, Math.floor(cap)));
      const yesPrice = position.side === 'yes' ? price : 1 - price;
      feeCents = price > 0 && price < 1 ? kalshiFeeCents(String(quantity), yesPrice.toFixed(4)) : 0;
      proceedsCents = Math.floor(price * quantity * 100 + 1e-9) - feeCents;
    } else {
      const base = Number.isNaN(level) ? (series.open?.[i] ?? series.close[i]!) : level;
      price = base * (1 - this.options.slippageBps / 10_000);
      quantity = floor8(Math.min(position.quantity, cap));
      if (quantity <= 0) {
        this.exits[s] = 1;
        return;
      }
      const gross = Math.floor(price * quantity * 100 + 1e-9);
      feeCents = coinbaseFeeCents(gross);
      proceedsCents = gross - feeCents;
    }
    this.close(s, i, quantity, proceedsCents, feeCents, price, reason);
    this.exits[s] = this.positions[s] === undefined ? 0 : 1;
  }

  /** A binary market's result pays $1 per contract of the winning side; no fee is charged at settlement. */
  private settle(s: number, i: number): void {
    const position = this.positions[s];
    if (position === undefined) return;
    const won = this.series[s]!.settlement!.yes === (position.side === 'yes');
    this.close(s, i, position.quantity, won ? position.quantity * 100 : 0, 0, won ? 1 : 0, 'settlement');
  }

  private close(
    s: number,
    i: number,
    quantity: number,
    proceedsCents: number,
    feeCents: number,
    price: number,
    reason: ExitReason,
  ): void {
    const position = this.positions[s]!;
    const share = quantity / position.quantity;
    const costShare = position.costCents * share;
    position.realizedCents += proceedsCents - costShare;
    position.costCents -= costShare;
    position.feesCents += feeCents;
    position.exitValueCents += price * quantity * 100;
    position.exitQuantity += quantity;
    // Quantities are whole contracts or multiples of 1e-8 units: round away the float residue of the subtraction.
    position.quantity = Math.round((position.quantity - quantity) * 1e8) / 1e8;
    this.cashCents += proceedsCents;
    this.feesCents += feeCents;
    this.markedCents -= this.marks[s]!;
    this.marks[s] = 0;
    if (position.quantity > 0) {
      this.mark(s, i);
      return;
    }
    this.positions[s] = undefined;
    this.trades.push({
      market: this.series[s]!.market,
      side: position.side,
      entryTime: position.entryTime,
      exitTime: this.series[s]!.time[i]!,
      entryPrice: position.entryPrice,
      exitPrice: position.exitValueCents / 100 / position.exitQuantity,
      quantity: position.exitQuantity,
      feesCents: position.feesCents,
      pnlCents: Math.round(position.realizedCents),
      exitReason: reason,
    });
  }
}

/** Orders every bar of every series by time (ties by series), as (series, bar) pairs. */
function mergeByTime(series: readonly PriceSeries[], total: number): [Int32Array, Int32Array] {
  const times = new Float64Array(total);
  const seriesOf = new Int32Array(total);
  const barOf = new Int32Array(total);
  let k = 0;
  series.forEach((s, si) => {
    for (let i = 0; i < s.time.length; i++, k++) {
      times[k] = s.time[i]!;
      seriesOf[k] = si;
      barOf[k] = i;
    }
  });
  const order = Uint32Array.from({ length: total }, (_, j) => j).sort(
    (a, b) => times[a]! - times[b]! || seriesOf[a]! - seriesOf[b]! || barOf[a]! - barOf[b]!,
  );
  return [Int32Array.from(order, (j) => seriesOf[j]!), Int32Array.from(order, (j) => barOf[j]!)];
}

/** Runs a whole backtest in one call (the bench and tests; the activity runs it in chunks to heartbeat). */
export function runBacktest(
  strategy: Strategy,
  series: readonly PriceSeries[],
  options: BacktestOptions,
): BacktestResult {
  const engine = new BacktestEngine(strategy, series, options);
  engine.run();
  return engine.finish();
}
