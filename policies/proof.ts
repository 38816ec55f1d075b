/**
 * Backtest proof (seed: "Trading without backtest proof" is forbidden). The backtester produces a ProofSummary and
 * stores it in the ledger (kind `backtest.proof`); trade validation reads it and checks it against the thresholds.
 */
export interface ProofSummary {
  /** The ledger entry that holds the full artifact, e.g. "proof:<strategyId>:<strategyVersion>:<dataHash>". */
  proofId: string;
  strategyId: string;
  /** Hash of the strategy's code and parameters: a changed strategy needs a new proof. */
  strategyVersion: string;
  dataHash: string;
  periodStart: string;
  periodEnd: string;
  trades: number;
  wins: number;
  /** P&L after fees, integer cents. */
  netPnlCents: number;
  /** Largest peak-to-trough fall of equity, as a fraction of the peak (0.2 = 20%). */
  maxDrawdown: number;
  winRate: number;
  sharpe: number;
  /** Mean P&L per trade after fees, cents (the expectancy). */
  expectancyCents: number;
  source: 'backtest' | 'paper';
}

export interface ProofThresholds {
  minTrades: number;
  maxDrawdown: number;
  /** Expectancy after fees must be strictly greater than this (seed: positive). */
  minExpectancyCents: number;
}

export const DEFAULT_PROOF_THRESHOLDS: Readonly<ProofThresholds> = Object.freeze({
  minTrades: 100,
  maxDrawdown: 0.2,
  minExpectancyCents: 0,
});
