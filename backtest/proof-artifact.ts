import type { Json } from '../ledger/canonical-json';
import type { ProofSummary } from '../policies/proof';
import type { BacktestOptions, BacktestResult } from './engine';

/**
 * The proof a backtest leaves (seed: no trading without backtest proof): the ProofSummary the policy checks, and
 * the full artifact behind it, stored together in the ledger as kind `backtest.proof`; a run that does not meet the
 * thresholds is filed as `backtest.failed` with its problems, never as a proof.
 */
export const PROOF_KIND = 'backtest.proof';
export const FAILED_PROOF_KIND = 'backtest.failed';

export function proofId(strategyId: string, strategyVersion: string, hashOfData: string): string {
  return `proof:${strategyId}:${strategyVersion}:${hashOfData}`;
}

export function proofSummary(result: BacktestResult, hashOfData: string): ProofSummary {
  const { stats } = result;
  return {
    proofId: proofId(result.strategyId, result.strategyVersion, hashOfData),
    strategyId: result.strategyId,
    strategyVersion: result.strategyVersion,
    dataHash: hashOfData,
    periodStart: new Date(result.periodStart).toISOString(),
    periodEnd: new Date(result.periodEnd).toISOString(),
    trades: stats.trades,
    wins: stats.wins,
    netPnlCents: stats.netPnlCents,
    maxDrawdown: round(stats.maxDrawdown, 6),
    winRate: round(stats.winRate, 6),
    sharpe: round(stats.sharpe, 4),
    expectancyCents: stats.expectancyCents,
    source: 'backtest',
  };
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/** Everything behind the summary, as ledger-safe JSON (trades as compact rows to keep big runs small). */
export function proofArtifact(
  result: BacktestResult,
  options: BacktestOptions,
  dataSource: string,
): { [key: string]: Json } {
  return {
    dataSource,
    options: {
      domain: options.domain,
      initialEquityCents: options.initialEquityCents,
      slippageBps: options.slippageBps,
      maxParticipation: options.maxParticipation,
      limitTolerance: options.limitTolerance,
      limits: { ...options.policy.limits },
      proofThresholds: { ...options.policy.proof },
    },
    markets: result.markets.length,
    marketsSample: result.markets.slice(0, 20),
    bars: result.bars,
    signals: result.signals,
    orders: result.orders,
    partialFills: result.partialFills,
    pauses: result.pauses,
    pausedMs: result.pausedMs,
    refusals: result.refusals,
    feesCents: result.stats.feesCents,
    finalEquityCents: result.stats.finalEquityCents,
    tradeColumns: [
      'market',
      'side',
      'entryTime',
      'exitTime',
      'entryPrice',
      'exitPrice',
      'quantity',
      'feesCents',
      'pnlCents',
      'exitReason',
    ],
    trades: result.trades.map((t) => [
      t.market,
      t.side,
      t.entryTime,
      t.exitTime,
      round(t.entryPrice, 8),
      round(t.exitPrice, 8),
      t.quantity,
      t.feesCents,
      t.pnlCents,
      t.exitReason,
    ]),
    equity: result.equity.map((p) => [p.time, p.equityCents, round(p.drawdown, 6)]),
  };
}
