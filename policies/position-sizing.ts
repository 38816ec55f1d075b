import { KALSHI_TAKER_RATE, kalshiFeeCents } from './fees';
import type { Limits, TradingDomain } from './limits';
import { positionCapCents, usdLimitCents } from './limits';
import { decimalToUnits, unitsToDecimal, type Cents } from './money';
import type { CoinbaseOrder, KalshiOrder } from './orders';

/**
 * How big a new position is: a share of the room the limits leave (seed: 5% of portfolio per position, never more
 * than $50 live), less what the account already holds or reserves in that market, and never more than the total
 * exposure room left (seed: 10% of portfolio across positions), with headroom for the fee. The guardian re-checks
 * every limit; sizing below them keeps ordinary trades from being refused for a cent.
 */
export const SIZING_HEADROOM = 0.9;

export function positionBudgetCents(
  limits: Limits,
  domain: TradingDomain,
  equityCents: Cents,
  heldCents: Cents,
  exposureRoomCents: Cents,
): Cents {
  const cap = Math.min(
    positionCapCents(limits, equityCents),
    domain === 'live' ? usdLimitCents(limits.maxPositionUsd) : Number.POSITIVE_INFINITY,
  );
  return Math.max(0, Math.floor(Math.min(cap - heldCents, exposureRoomCents) * SIZING_HEADROOM));
}

export interface KalshiEntry {
  market: string;
  side: 'yes' | 'no';
  /** The YES-book price to trade at (for NO: 1 - the price paid per NO contract), 4 decimals. */
  yesPrice: string;
}

/** Whole contracts whose cost at the side's price, plus the taker fee, fits the budget; undefined when none fit. */
export function sizeKalshiOrder(entry: KalshiEntry, budgetCents: Cents): KalshiOrder | undefined {
  const yes = decimalToUnits(entry.yesPrice, 4, 'yesPrice');
  const perContract = Number(entry.side === 'yes' ? yes : 10_000n - yes) / 100; // cents
  if (!(perContract > 0)) return undefined;
  const p = Number(yes) / 10_000;
  const cost = (n: number) => n * perContract + kalshiFeeCents(String(n), entry.yesPrice);
  // The fee is rate x P x (1 - P) per contract plus at most a cent of rounding: the estimate is within a step.
  let count = Math.max(0, Math.floor(budgetCents / (perContract + KALSHI_TAKER_RATE * p * (1 - p) * 100)));
  while (cost(count + 1) <= budgetCents) count += 1;
  while (count > 0 && cost(count) > budgetCents) count -= 1;
  if (count <= 0) return undefined;
  return {
    venue: 'kalshi',
    market: entry.market,
    action: 'buy',
    side: entry.side,
    count: String(count),
    price: entry.yesPrice,
  };
}

/** A spot buy of the base size (8 decimals, rounded down) that the budget pays for at `price`, fee included. */
export function sizeCoinbaseBuy(
  market: string,
  price: string,
  budgetCents: Cents,
  feeRate: number,
): CoinbaseOrder | undefined {
  const priceUnits = decimalToUnits(price, 8, 'price');
  if (priceUnits <= 0n || budgetCents <= 0) return undefined;
  // base (1e-8 units) = (spend cents / 100) / (price units / 1e8) * 1e8 = spend * 1e14 / price units
  const spend = BigInt(Math.floor(budgetCents / (1 + feeRate)));
  const base = (spend * 10n ** 14n) / priceUnits;
  if (base <= 0n) return undefined;
  return { venue: 'coinbase', market, side: 'BUY', baseSize: unitsToDecimal(base, 8), price };
}
