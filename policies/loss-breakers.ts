import type { Limits } from './limits';
import { dollars, percent } from './format';
import { fractionOfCents, type Cents } from './money';

/**
 * The seed's circuit breakers: "Automatic trading halt on 5% daily drawdown" (MAX_DAILY_LOSS) and "Complete shutdown
 * at 65% total loss" (MAX_TOTAL_LOSS). Loss is the fall of the portfolio's value (cash after every fee paid, plus
 * positions at their marks) from a baseline, so fees count as loss.
 */

/** Why the fall from the day's baseline trips the daily-loss breaker, or undefined. */
export function dailyLossBreach(dayBaselineCents: Cents, equityCents: Cents, limits: Limits): string | undefined {
  return lossBreach(
    'daily loss',
    "the day's opening value",
    dayBaselineCents,
    equityCents,
    limits.maxDailyLossFraction,
  );
}

/** Why the fall from the all-time starting value trips the total-loss breaker, or undefined. */
export function totalLossBreach(startingValueCents: Cents, equityCents: Cents, limits: Limits): string | undefined {
  return lossBreach('total loss', 'the starting value', startingValueCents, equityCents, limits.maxTotalLossFraction);
}

function lossBreach(
  what: string,
  baselineName: string,
  baselineCents: Cents,
  equityCents: Cents,
  maxFraction: number,
): string | undefined {
  const lossCents = baselineCents - equityCents;
  if (lossCents <= 0) return undefined;
  // The threshold is rounded down to the cent: the breaker never trips later than the limit says.
  if (lossCents < fractionOfCents(Math.max(0, baselineCents), maxFraction)) return undefined;
  const share = baselineCents > 0 ? `${percent(lossCents / baselineCents)} of` : 'a loss against';
  return `${what} ${dollars(lossCents)} is ${share} ${baselineName} ${dollars(baselineCents)}, reaching the ${percent(maxFraction)} limit`;
}
