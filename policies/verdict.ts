/**
 * A trade verdict names every check that failed, each with a reason a person can act on, never a bare boolean.
 * The names are stable: they are recorded in the ledger and asserted by tests.
 */
export const CHECKS = [
  'order-form', // the order can be read: positive quantity, a price the venue allows
  'trading-state', // seed: circuit breakers; only risk-reducing orders unless ACTIVE
  'daily-loss', // seed: MAX_DAILY_LOSS 5%
  'total-loss', // seed: MAX_TOTAL_LOSS 65%
  'approved-market', // seed: APPROVED_MARKETS
  'probability', // seed: probability >= 0.80 unless the operator approved this trade
  'backtest-proof', // seed: no trading without backtest proof
  'price-collar', // erroneous-order check against a reference price
  'duplicate-order', // same client order id, or the same order within a window
  'order-rate', // order-rate throttle
  'no-short', // seed: no leverage or margin (selling what is not held)
  'position-limit', // seed: MAX_POSITION_SIZE 5% of portfolio
  'live-position-cap', // seed: max $50 per live position
  'total-exposure', // seed: MAX_PORTFOLIO_EXPOSURE 10%, on fills and reservations
  'free-balance', // seed: no leverage or margin (cost above free cash)
] as const;

export type CheckName = (typeof CHECKS)[number];

export interface FailedCheck {
  check: CheckName;
  reason: string;
}
