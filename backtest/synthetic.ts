import type { PriceSeries } from '../strategies/series';
import { SeededRandom } from './random';

/**
 * Seeded synthetic markets for offline runs and the bench. Coinbase-like candles follow a jump diffusion (Merton:
 * Gaussian moves plus Poisson jumps) whose drift switches between regimes, so trends exist but are not guaranteed.
 * Kalshi-like binary markets have a hidden true probability; the market price and the analyst's estimate are both
 * noisy readings of it, the analyst's less noisy, so a strategy's edge in a backtest is real but not free.
 */

const MINUTE = 60_000;
const YEAR_MS = 365 * 24 * 3600_000;

export interface CandleOptions {
  seed: number;
  bars: number;
  market?: string;
  startTime?: number;
  barMs?: number;
  startPrice?: number;
  /** Annualised volatility of the diffusion part. */
  volatility?: number;
  /** Annualised drift of a trending regime (up or down); regimes last `regimeBars` on average. */
  trendDrift?: number;
  regimeBars?: number;
  /** Jumps per year and their log-size mean and standard deviation. */
  jumpsPerYear?: number;
  jumpMean?: number;
  jumpStdev?: number;
  /** Also generate open, high, low, bid and ask (the bench keeps only time, close and volume). */
  ohlc?: boolean;
}

export function syntheticCandles(options: CandleOptions): PriceSeries {
  const {
    seed,
    bars,
    market = 'BTC-USD',
    startTime = Date.UTC(2020, 0, 1),
    barMs = MINUTE,
    startPrice = 30_000,
    volatility = 0.6,
    trendDrift = 0.8,
    regimeBars = 2_000,
    jumpsPerYear = 25,
    jumpMean = -0.01,
    jumpStdev = 0.03,
    ohlc = true,
  } = options;
  if (!(Number.isInteger(bars) && bars >= 2))
    throw new RangeError(`bars must be a whole number of at least 2, got ${bars}`);
  const rng = new SeededRandom(seed);
  const dt = barMs / YEAR_MS;
  const sigma = volatility * Math.sqrt(dt);
  const jumpChance = jumpsPerYear * dt;
  const time = new Float64Array(bars);
  const close = new Float64Array(bars);
  const volume = new Float64Array(bars);
  const open = ohlc ? new Float64Array(bars) : undefined;
  const high = ohlc ? new Float64Array(bars) : undefined;
  const low = ohlc ? new Float64Array(bars) : undefined;
  const bid = ohlc ? new Float64Array(bars) : undefined;
  const ask = ohlc ? new Float64Array(bars) : undefined;
  let price = startPrice;
  let drift = 0;
  for (let i = 0; i < bars; i++) {
    if (rng.next() < 1 / regimeBars) drift = [0, trendDrift, -trendDrift][Math.floor(rng.next() * 3)]!;
    let r = (drift - 0.5 * volatility * volatility) * dt + sigma * rng.normal();
    if (rng.next() < jumpChance) r += jumpMean + jumpStdev * rng.normal();
    const previous = price;
    // Prices are kept to the cent, as the venue quotes them.
    price = Math.max(0.01, Math.round(previous * Math.exp(r) * 100) / 100);
    time[i] = startTime + i * barMs;
    close[i] = price;
    volume[i] = 0.5 + 4 * rng.next() * (1 + Math.abs(r) / sigma);
    if (ohlc) {
      const wick = Math.abs(rng.normal()) * sigma * 0.5;
      open![i] = previous;
      high![i] = Math.round(Math.max(previous, price) * (1 + wick) * 100) / 100;
      low![i] = Math.round(Math.min(previous, price) * (1 - wick) * 100) / 100;
      bid![i] = Math.max(0.01, price - 0.01);
      ask![i] = price + 0.01;
    }
  }
  return { venue: 'coinbase', market, time, close, volume, ...(ohlc ? { open, high, low, bid, ask } : {}) };
}

export interface BinaryMarketOptions {
  seed: number;
  markets: number;
  /** Bars per market (hourly by default) and the gap between market openings. */
  barsPerMarket?: number;
  barMs?: number;
  staggerMs?: number;
  startTime?: number;
  series?: string;
  /** Standard deviations, in log-odds, of the market's and the analyst's error around the true probability. */
  marketNoise?: number;
  analystNoise?: number;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const cents = (p: number) => Math.min(0.99, Math.max(0.01, Math.round(p * 100) / 100));

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf, error below 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Binary markets: each resolves YES when a hidden random walk ends above zero, so the true probability at bar t is
 * Phi(W_t / sqrt(steps still to come)). The market's YES price carries a slowly mean-reverting error, the analyst's
 * estimate (input `analystProbability`) an independent one.
 */
export function syntheticBinaryMarkets(options: BinaryMarketOptions): PriceSeries[] {
  const {
    seed,
    markets,
    barsPerMarket = 48,
    barMs = 3600_000,
    staggerMs = 6 * 3600_000,
    startTime = Date.UTC(2024, 0, 1),
    series = 'KXSYN',
    marketNoise = 0.6,
    analystNoise = 0.25,
  } = options;
  const rng = new SeededRandom(seed);
  const out: PriceSeries[] = [];
  for (let m = 0; m < markets; m++) {
    const n = barsPerMarket;
    const time = new Float64Array(n);
    const close = new Float64Array(n);
    const bid = new Float64Array(n);
    const ask = new Float64Array(n);
    const volume = new Float64Array(n);
    const analyst = new Float64Array(n);
    // The hidden walk starts away from zero so markets begin anywhere between likely NO and likely YES.
    let walk = rng.normal() * Math.sqrt(n) * 0.8;
    let marketError = rng.normal() * marketNoise;
    for (let i = 0; i < n; i++) {
      walk += rng.normal();
      // P(the walk ends above zero | now): the steps still to come are independent standard normals.
      const remaining = n - 1 - i;
      const truth = Math.min(
        0.999,
        Math.max(0.001, remaining > 0 ? normalCdf(walk / Math.sqrt(remaining)) : walk > 0 ? 1 : 0),
      );
      marketError = 0.9 * marketError + Math.sqrt(1 - 0.81) * marketNoise * rng.normal();
      const price = cents(logistic(logit(truth) + marketError));
      time[i] = startTime + m * staggerMs + i * barMs;
      close[i] = price;
      bid[i] = cents(price - 0.01);
      ask[i] = cents(price + 0.01);
      volume[i] = Math.round(50 + 450 * rng.next());
      analyst[i] = Math.min(0.999, Math.max(0.001, logistic(logit(truth) + analystNoise * rng.normal())));
    }
    out.push({
      venue: 'kalshi',
      market: `${series}-${String(m + 1).padStart(4, '0')}`,
      time,
      close,
      volume,
      bid,
      ask,
      inputs: { analystProbability: analyst },
      settlement: { yes: walk > 0 },
    });
  }
  return out;
}
