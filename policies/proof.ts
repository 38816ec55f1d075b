import { tightenOnly, type SettingBound } from './tighten-only';

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
  source: 'backtest' | 'paper' | 'live';
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

/** Tighter is more trades, a smaller drawdown and a higher expectancy; the upper ends only keep values sane. */
export const PROOF_THRESHOLD_BOUNDS: Readonly<Record<keyof ProofThresholds, SettingBound>> = Object.freeze({
  minTrades: { min: DEFAULT_PROOF_THRESHOLDS.minTrades, max: 1_000_000, integer: true },
  maxDrawdown: { min: 0, max: DEFAULT_PROOF_THRESHOLDS.maxDrawdown },
  minExpectancyCents: { min: DEFAULT_PROOF_THRESHOLDS.minExpectancyCents, max: 1_000_000, integer: true },
});

export function tightenedProofThresholds(overrides: Partial<ProofThresholds>): ProofThresholds {
  return tightenOnly('proof threshold', DEFAULT_PROOF_THRESHOLDS, PROOF_THRESHOLD_BOUNDS, overrides);
}
