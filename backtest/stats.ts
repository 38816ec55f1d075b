/** Summary statistics of a backtest, from its closed trades and its equity at each day's end. */

export interface TradeOutcome {
  pnlCents: number;
}

/**
 * Annualised Sharpe ratio of daily equity returns (365 trading days: crypto and Kalshi trade every day), with a zero
 * risk-free rate. 0 when there are fewer than two returns or no variation.
 */
export function dailySharpe(dailyEquityCents: readonly number[]): number {
  const returns: number[] = [];
  for (let d = 1; d < dailyEquityCents.length; d++) {
    const previous = dailyEquityCents[d - 1]!;
    if (previous > 0) returns.push(dailyEquityCents[d]! / previous - 1);
  }
  if (returns.length < 2) return 0;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  return variance > 0 ? (mean / Math.sqrt(variance)) * Math.sqrt(365) : 0;
}

export interface TradeStats {
  trades: number;
  wins: number;
  winRate: number;
  /** Mean P&L per closed trade after fees, cents, to the hundredth. */
  expectancyCents: number;
}

export function tradeStats(trades: readonly TradeOutcome[]): TradeStats {
  const wins = trades.filter((t) => t.pnlCents > 0).length;
  const total = trades.reduce((sum, t) => sum + t.pnlCents, 0);
  return {
    trades: trades.length,
    wins,
    winRate: trades.length > 0 ? wins / trades.length : 0,
    expectancyCents: trades.length > 0 ? Math.round((total / trades.length) * 100) / 100 : 0,
  };
}
