import { seedOf, seededRandom } from '../venue-kit/random';

/**
 * Deterministic synthetic Kalshi markets: binary markets grouped in events and series, each with a hidden true
 * probability, a hidden outcome drawn from it, and a resolution time. The public price starts from a noisy belief
 * and drifts toward the truth as the resolution nears, so a strategy that judges probability well really wins
 * and one that does not really loses.
 */
export interface KalshiMarketDef {
  ticker: string;
  eventTicker: string;
  seriesTicker: string;
  title: string;
  yesSubTitle: string;
  category: string;
  openTime: number;
  /** Trading stops and the market settles at this (simulated) time. */
  closeTime: number;
  /** Hidden: the probability the outcome is YES. */
  trueProbability: number;
  /** Hidden: the market's opening belief (mid price) before information arrives. */
  initialBelief: number;
  /** Hidden: the outcome, drawn from trueProbability with the seed. */
  outcome: 'yes' | 'no';
}

const SERIES = [
  {
    ticker: 'KXSIMRAIN',
    category: 'Climate and Weather',
    title: (place: string, day: string) => `Will it rain in ${place} on ${day}?`,
  },
  {
    ticker: 'KXSIMHIGH',
    category: 'Climate and Weather',
    title: (place: string, day: string) => `Will the high in ${place} exceed its strike on ${day}?`,
  },
  {
    ticker: 'KXSIMCPI',
    category: 'Economics',
    title: (_place: string, day: string) => `Will simulated CPI print above the strike on ${day}?`,
  },
  {
    ticker: 'KXSIMBTC',
    category: 'Crypto',
    title: (_place: string, day: string) => `Will simulated BTC close above the strike on ${day}?`,
  },
  {
    ticker: 'KXSIMVOTE',
    category: 'Politics',
    title: (place: string, day: string) => `Will the ${place} measure pass by ${day}?`,
  },
  { ticker: 'KXSIMGAME', category: 'Sports', title: (place: string, day: string) => `Will ${place} win on ${day}?` },
];
/** The simulated series tickers (SIMULATED mode approves these when the operator has approved nothing). */
export const SIMULATED_SERIES: readonly string[] = SERIES.map((s) => s.ticker);
const PLACES = ['Northport', 'Easton', 'Lakeside', 'Westfield', 'Riverton', 'Hillcrest', 'Bayview', 'Fairmont'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const MARKETS_PER_EVENT = 10;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export function generateKalshiMarkets(seed: string, count: number, startMs: number): KalshiMarketDef[] {
  const markets: KalshiMarketDef[] = [];
  const events = Math.ceil(count / MARKETS_PER_EVENT);
  for (let e = 0; e < events; e++) {
    const rng = seededRandom(seedOf(seed, 'kalshi-event', e));
    const series = SERIES[e % SERIES.length]!;
    const place = PLACES[rng.int(0, PLACES.length - 1)]!;
    // A tenth of the events resolve within a day so demos see settlements; the rest within 30 days.
    const horizon =
      rng.next() < 0.1 ? rng.int(30, 24 * 60) * MINUTE : rng.int(1, 30) * DAY + rng.int(0, 23) * 60 * MINUTE;
    const closeTime = Math.floor((startMs + horizon) / MINUTE) * MINUTE;
    const date = new Date(closeTime);
    const dayCode = `${String(date.getUTCFullYear()).slice(2)}${MONTHS[date.getUTCMonth()]}${String(date.getUTCDate()).padStart(2, '0')}`;
    const eventTicker = `${series.ticker}-${dayCode}${e.toString(36).toUpperCase()}`;
    const day = date.toISOString().slice(0, 10);
    for (let m = 0; m < MARKETS_PER_EVENT && markets.length < count; m++) {
      const trueProbability = 0.03 + 0.94 * rng.next();
      const initialBelief = clamp(trueProbability + 0.1 * rng.normal(), 0.02, 0.98);
      const strike = 10 + m * 5;
      markets.push({
        ticker: `${eventTicker}-T${strike}`,
        eventTicker,
        seriesTicker: series.ticker,
        title: series.title(place, day),
        yesSubTitle: `Above ${strike}`,
        category: series.category,
        openTime: startMs - DAY,
        closeTime,
        trueProbability,
        initialBelief,
        outcome: rng.next() < trueProbability ? 'yes' : 'no',
      });
    }
  }
  return markets;
}

/** The market's consensus YES price in whole cents (1..99) at simulated time `t`. */
export function beliefCentsAt(def: KalshiMarketDef, t: number): number {
  const progress = clamp((t - def.openTime) / Math.max(1, def.closeTime - def.openTime), 0, 1);
  // Information arrives: the belief moves to the true probability over the first half of the market's life ...
  let belief = def.initialBelief + (def.trueProbability - def.initialBelief) * Math.min(1, 2 * progress);
  // ... and in the last tenth toward the outcome itself.
  if (progress > 0.9) belief += ((def.outcome === 'yes' ? 1 : 0) - belief) * ((progress - 0.9) / 0.1) * 0.8;
  return Math.round(clamp(belief, 0.01, 0.99) * 100);
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}
