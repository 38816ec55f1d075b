import { COINBASE_TAKER_RATE } from '../policies/fees';
import { barrierWinProbability } from './barrier';
import parameters from './parameters/coinbase-ma-crossover.json';
import type { MarketView, Signal, Strategy } from './types';
import { strategyVersion } from './version';

/**
 * Coinbase moving-average crossover with bracket exits. When the fast average crosses above the slow one it buys,
 * with a take-profit and a stop-loss resting at the venue; the position closes at whichever is touched first. The
 * probability it reports is the chance the take-profit is touched before the stop (first passage of a drifting
 * random walk, with drift and volatility measured over recent bars), which is what the seed's 0.80 minimum is
 * checked against; the expected value counts Coinbase's fee on both legs.
 */
export interface MaCrossoverParams {
  fast: number;
  slow: number;
  /** Bars over which per-bar volatility is measured. */
  volatilityWindow: number;
  /** Take-profit and stop-loss distances as fractions of the entry price. */
  takeProfit: number;
  stopLoss: number;
  minProbability: number;
  /** Minimum expected profit after fees per dollar; -1 disables the filter (the bench uses that). */
  minExpectedValue: number;
  feeRate: number;
}

export const MA_CROSSOVER_REVISION = 2;

/** The tunable parameters are the file's (one place); the venue's fee rate is the strategy's own. */
export const DEFAULT_MA_CROSSOVER: Readonly<MaCrossoverParams> = Object.freeze({
  ...parameters,
  feeRate: COINBASE_TAKER_RATE,
});

const ID = 'coinbase-ma-crossover';

/** The figures a crossover's rationale is written from. */
interface CrossoverFigures {
  fastNow: number;
  slowNow: number;
  tp: number;
  sl: number;
  drift: number;
  sigma: number;
}

/**
 * A crossover's buy. The rationale is formatted when read: a backtest drops most crossover signals (a position is
 * already open), and formatting would cost more than the rest of the decision. The getter sits on the class (so the
 * rationale is read, not serialised with the signal): on an object literal it would make every signal a slow
 * dictionary object.
 */
class CrossoverSignal implements Signal {
  readonly side = 'buy';
  readonly #figures: CrossoverFigures;

  constructor(
    readonly market: string,
    readonly probability: number,
    readonly expectedValue: number,
    readonly price: number,
    readonly exit: { takeProfit: number; stopLoss: number },
    figures: CrossoverFigures,
  ) {
    this.#figures = figures;
  }

  get rationale(): string {
    const { fastNow, slowNow, tp, sl, drift, sigma } = this.#figures;
    return (
      `fast MA ${fastNow.toFixed(2)} crossed above slow MA ${slowNow.toFixed(2)}; ` +
      `P(+${(tp * 100).toFixed(2)}% before -${(sl * 100).toFixed(2)}%) = ${this.probability.toFixed(3)} at drift ${drift.toExponential(2)}/bar, ` +
      `volatility ${sigma.toExponential(2)}/bar; expected ${(this.expectedValue * 100).toFixed(2)}% after fees`
    );
  }
}

export function maCrossover(overrides: Partial<MaCrossoverParams> = {}): Strategy<MaCrossoverParams> {
  const params: MaCrossoverParams = { ...DEFAULT_MA_CROSSOVER, ...overrides };
  if (!(params.fast >= 1 && params.slow > params.fast)) {
    throw new RangeError(`${ID}: the slow period (${params.slow}) must be longer than the fast one (${params.fast})`);
  }
  const { takeProfit: tp, stopLoss: sl, feeRate: f } = params;
  // Net result per dollar of each bracket leg, paying the fee on the entry and on the exit notional.
  const win = tp - f - f * (1 + tp);
  const loss = -sl - f - f * (1 - sl);
  const up = Math.log(1 + tp);
  const down = -Math.log(1 - sl);
  return {
    id: ID,
    version: strategyVersion(ID, MA_CROSSOVER_REVISION, params),
    venue: 'coinbase',
    description: 'Buys when the fast moving average crosses above the slow one, with take-profit and stop-loss exits',
    params,
    features: [
      { kind: 'sma', period: params.fast },
      { kind: 'sma', period: params.slow },
      { kind: 'stdev', period: params.volatilityWindow },
      { kind: 'return', period: params.slow },
    ],
    inputs: [],
    warmup: Math.max(params.slow, params.volatilityWindow) + 1,
    decide(view: MarketView): Signal | undefined {
      const fastNow = view.feature(0);
      const slowNow = view.feature(1);
      const fastBefore = view.feature(0, 1);
      const slowBefore = view.feature(1, 1);
      if (!(fastBefore <= slowBefore && fastNow > slowNow)) return undefined;
      const price = view.bar('close');
      const sigma = view.feature(2);
      const drift = Math.log(1 + view.feature(3)) / params.slow;
      const pWin = barrierWinProbability(drift, sigma, up, down);
      const expectedValue = pWin * win + (1 - pWin) * loss;
      if (!(pWin >= params.minProbability) || expectedValue < params.minExpectedValue) return undefined;
      const exit = { takeProfit: price * (1 + tp), stopLoss: price * (1 - sl) };
      return new CrossoverSignal(view.market, pWin, expectedValue, price, exit, {
        fastNow,
        slowNow,
        tp,
        sl,
        drift,
        sigma,
      });
    },
  };
}
