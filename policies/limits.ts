import { fractionOfCents, type Cents } from './money';
import { tightenOnly } from './tighten-only';

/**
 * The seed's hard limits (NEMO-DNA "Financial Risk Controls" and the Live Trading domain).
 * Configuration may only tighten them: LIMIT_BOUNDS gives, for each, the range a configured value must stay in.
 */
export interface Limits {
  /** seed: MAX_POSITION_SIZE = 0.05 of portfolio per position */
  maxPositionFraction: number;
  /** seed: max $50 per live position */
  maxPositionUsd: number;
  /** seed: MAX_PORTFOLIO_EXPOSURE = 0.10 of portfolio in open positions and working orders */
  maxExposureFraction: number;
  /** seed: MAX_DAILY_LOSS = 0.05 drawdown from the day's opening value pauses trading */
  maxDailyLossFraction: number;
  /** seed: MAX_TOTAL_LOSS = 0.65 loss from the all-time starting value is a hard stop */
  maxTotalLossFraction: number;
  /** seed: trade.probability >= 0.80 */
  minProbability: number;
  /** seed: hot wallet maximum balance $1,500 (1.5x portfolio) */
  hotWalletMaxUsd: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPositionFraction: 0.05,
  maxPositionUsd: 50,
  maxExposureFraction: 0.1,
  maxDailyLossFraction: 0.05,
  maxTotalLossFraction: 0.65,
  minProbability: 0.8,
  hotWalletMaxUsd: 1500,
});

/** Tighter is smaller for every limit except the minimum probability, where tighter is larger. */
export const LIMIT_BOUNDS: Readonly<Record<keyof Limits, { min: number; max: number }>> = Object.freeze({
  maxPositionFraction: { min: 0, max: DEFAULT_LIMITS.maxPositionFraction },
  maxPositionUsd: { min: 0, max: DEFAULT_LIMITS.maxPositionUsd },
  maxExposureFraction: { min: 0, max: DEFAULT_LIMITS.maxExposureFraction },
  maxDailyLossFraction: { min: 0, max: DEFAULT_LIMITS.maxDailyLossFraction },
  maxTotalLossFraction: { min: 0, max: DEFAULT_LIMITS.maxTotalLossFraction },
  minProbability: { min: DEFAULT_LIMITS.minProbability, max: 1 },
  hotWalletMaxUsd: { min: 0, max: DEFAULT_LIMITS.hotWalletMaxUsd },
});

/** Builds limits from configured values, refusing (RangeError) any that would loosen the seed. */
export function tightenedLimits(overrides: Partial<Limits>): Limits {
  return tightenOnly('limit', DEFAULT_LIMITS, LIMIT_BOUNDS, overrides);
}

/** Dollars as configured (e.g. 50) -> cents, rounded down so a cap is never loosened by rounding. */
export function usdLimitCents(usd: number): Cents {
  return fractionOfCents(100, usd);
}

/** seed: MAX_POSITION_SIZE = 5% of the portfolio per position. */
export function positionCapCents(limits: Limits, portfolioValueCents: Cents): Cents {
  return fractionOfCents(Math.max(0, portfolioValueCents), limits.maxPositionFraction);
}

/** seed: MAX_PORTFOLIO_EXPOSURE = 10% of the portfolio across positions and working orders. */
export function exposureCapCents(limits: Limits, portfolioValueCents: Cents): Cents {
  return fractionOfCents(Math.max(0, portfolioValueCents), limits.maxExposureFraction);
}

/** The domains that trade: the $50 cap is the Live Trading domain's; paper money is checked against the rest. */
export type TradingDomain = 'paper' | 'live';
