import { percent } from './format';
import type { TradingDomain } from './limits';
import type { ProofSummary, ProofThresholds } from './proof';

/**
 * seed: "Trading without backtest proof" is forbidden. Paper trades need a backtest (or an earlier paper record);
 * live trades need the paper-trading record (issue 4: the paper record "is the proof a strategy needs before it may
 * trade live").
 */
export const ACCEPTED_PROOF_SOURCES: Readonly<Record<TradingDomain, readonly ProofSummary['source'][]>> = Object.freeze(
  {
    paper: ['backtest', 'paper'],
    live: ['paper'],
  },
);

export interface StrategyRef {
  strategyId: string;
  /** Hash of the strategy's code and parameters now: a proof of another version proves nothing about this one. */
  strategyVersion: string;
}

/** Every reason the proof does not clear the strategy to trade in the domain (empty when it does). */
export function proofProblems(
  proof: ProofSummary | undefined,
  strategy: StrategyRef,
  domain: TradingDomain,
  thresholds: ProofThresholds,
): string[] {
  if (proof === undefined) {
    // Name what this domain is missing: for live, a backtest may well exist; the paper record does not.
    const needed = ACCEPTED_PROOF_SOURCES[domain]
      .map((source) => (source === 'paper' ? 'paper-trading record' : 'backtest proof'))
      .join(' or ');
    return [
      `no ${needed} for strategy ${strategy.strategyId} version ${strategy.strategyVersion}${domain === 'live' ? ' (live trading needs the paper record, a backtest is not enough)' : ''}`,
    ];
  }
  const problems: string[] = [];
  if (proof.strategyId !== strategy.strategyId) {
    problems.push(`proof ${proof.proofId} is for strategy ${proof.strategyId}, not ${strategy.strategyId}`);
  } else if (proof.strategyVersion !== strategy.strategyVersion) {
    problems.push(
      `proof ${proof.proofId} is for version ${proof.strategyVersion}; the strategy is now ${strategy.strategyVersion} and needs a new proof`,
    );
  }
  const accepted = ACCEPTED_PROOF_SOURCES[domain];
  if (!accepted.includes(proof.source)) {
    problems.push(`${domain} trading needs a proof from ${accepted.join(' or ')}, this one comes from ${proof.source}`);
  }
  // Written as "not (good)" so a NaN or missing figure fails.
  if (!(proof.trades >= thresholds.minTrades)) {
    problems.push(`the proof has ${proof.trades} trades, at least ${thresholds.minTrades} are required`);
  }
  if (!(proof.maxDrawdown <= thresholds.maxDrawdown)) {
    problems.push(`its max drawdown ${percent(proof.maxDrawdown)} exceeds ${percent(thresholds.maxDrawdown)}`);
  }
  if (!(proof.expectancyCents > thresholds.minExpectancyCents)) {
    problems.push(
      `its expectancy after fees, ${proof.expectancyCents} cents per trade, is not above ${thresholds.minExpectancyCents}`,
    );
  }
  return problems;
}
