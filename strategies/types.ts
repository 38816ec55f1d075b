import type { Venue } from '../policies/orders';

/**
 * The strategy contract shared by the backtester, paper trading and live trading (the same code runs in all three).
 * A strategy is a pure function of a MarketView: the bars and features of one market up to and including "now",
 * and nothing later. It holds no state, reads no clock and does no I/O, so it is safe inside a workflow.
 */
export type { Venue };

/** Columns a price series may carry. Prices are dollars (Kalshi: the YES price, 0..1). */
export type BarField = 'open' | 'high' | 'low' | 'close' | 'volume' | 'bid' | 'ask';

/** Features the view maintains incrementally; each depends only on the last `period` bars (window-exact). */
export type FeatureSpec =
  | { kind: 'sma'; period: number } // simple moving average of close
  | { kind: 'stdev'; period: number } // standard deviation of one-bar returns
  | { kind: 'return'; period: number }; // close / close `period` bars ago - 1

/**
 * A strategy's window on one market. `back` counts bars into the past (0 = now); a negative `back` asks for the
 * future and throws LookAheadError.
 */
export interface MarketView {
  readonly venue: Venue;
  readonly market: string;
  /** Bars seen so far minus one: the index of "now" in the series. */
  readonly index: number;
  /** Epoch milliseconds of the current bar. */
  readonly time: number;
  bar(field: BarField, back?: number): number;
  /**
   * Value of the strategy's `features[id]` (NaN while the feature has too little history); `back` reaches at most
   * FEATURE_HISTORY - 1 bars (market-view.ts).
   */
  feature(id: number, back?: number): number;
  /** An outside input known at the bar's time (e.g. `analystProbability`), NaN when absent. */
  input(name: string, back?: number): number;
}

/**
 * What a strategy proposes. For Kalshi `yes`/`no` buys contracts of that side; for Coinbase `buy` opens a spot
 * position and `sell` closes it (no shorting: seed, no leverage or margin).
 */
export interface Signal {
  market: string;
  side: 'yes' | 'no' | 'buy' | 'sell';
  /** The estimated probability that the trade wins, 0..1 (checked against the seed's 0.80 minimum). */
  probability: number;
  /** Expected profit after fees per dollar committed (0.05 = 5 cents per dollar); 0 for a closing sell. */
  expectedValue: number;
  /** The price (dollars) the estimate assumes: Kalshi the side's price, Coinbase the last price. */
  price: number;
  /** Bracket exits for a Coinbase buy, in dollars; the position closes at whichever is touched first. */
  exit?: { takeProfit: number; stopLoss: number };
  rationale: string;
}

export interface Strategy<P extends object = object> {
  id: string;
  /** Hash of the strategy's code revision and parameters (strategies/version.ts): a changed strategy needs a new proof. */
  version: string;
  venue: Venue;
  description: string;
  params: Readonly<P>;
  features: readonly FeatureSpec[];
  /** Outside inputs the strategy reads (e.g. `analystProbability`). */
  inputs: readonly string[];
  /** Bars of history needed before `decide` is called. */
  warmup: number;
  decide(view: MarketView): Signal | undefined;
}

/** A strategy read data after "now". The backtest that caught it is refused; no proof is produced. */
export class LookAheadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookAheadError';
  }
}
