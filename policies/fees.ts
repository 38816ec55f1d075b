import type { Cents } from './money';
import { decimalToUnits } from './money';

/**
 * The venues' fee formulas, shared by the loopback venues, the backtester and the risk checks, so a backtest pays
 * exactly what a fill would.
 */

/** Kalshi: fee = ceil(rate x contracts x P x (1 - P)) to the cent; taker rate 0.07, maker 0.0175 where it applies. */
export const KALSHI_TAKER_RATE = 0.07;
export const KALSHI_MAKER_RATE = 0.0175;

/**
 * @param contracts decimal string (Kalshi counts can be fractional, e.g. "10.00")
 * @param price YES-book price in dollars as a decimal string, e.g. "0.5600"
 */
export function kalshiFeeCents(contracts: string, price: string, rate: number = KALSHI_TAKER_RATE): Cents {
  // Exact integer arithmetic: rate in 1e-6, contracts, P and (1 - P) each in 1e-4 -> dollars in 1e-18 = cents in 1e-16.
  const c = decimalToUnits(contracts, 4, 'contracts');
  const p = decimalToUnits(price, 4, 'price');
  const r = BigInt(Math.round(rate * 1e6));
  const product = r * c * p * (10_000n - p);
  const scale = 10n ** 16n;
  return Number(product / scale + (product % scale > 0n ? 1n : 0n));
}

/** Coinbase Advanced Trade: a percentage of the notional by volume tier; these are the entry-tier rates. */
export const COINBASE_TAKER_RATE = 0.006;
export const COINBASE_MAKER_RATE = 0.004;

/** Fee on a notional in cents, rounded up to the cent (a cost is never understated). */
export function coinbaseFeeCents(notional: Cents, rate: number = COINBASE_TAKER_RATE): Cents {
  const r = BigInt(Math.round(rate * 1e6));
  const product = BigInt(notional) * r;
  return Number(product / 1_000_000n + (product % 1_000_000n > 0n ? 1n : 0n));
}
