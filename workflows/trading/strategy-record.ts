import { dailySharpe, tradeStats } from '../../backtest/stats';
import type { ProofSummary } from '../../policies/proof';

/**
 * A strategy's trading record on a desk: its closed trades, and the proof it amounts to (seed: paper trading is how a
 * strategy earns the proof it needs before it may trade live). Pure: the desk carries it across continue-as-new.
 */
export interface ClosedTrade {
  market: string;
  pnlCents: number;
  /** Epoch milliseconds. */
  closedAt: number;
}

export interface StrategyRecord {
  strategyId: string;
  strategyVersion: string;
  /** The desk's account value when the record began: drawdown is measured on it plus the record's P&L. */
  startingEquityCents: number;
  firstTradeAt: number | null;
  trades: ClosedTrade[];
}

export function openRecord(strategyId: string, strategyVersion: string, startingEquityCents: number): StrategyRecord {
  return { strategyId, strategyVersion, startingEquityCents, firstTradeAt: null, trades: [] };
}

export function withClosedTrade(record: StrategyRecord, trade: ClosedTrade): StrategyRecord {
  return { ...record, firstTradeAt: record.firstTradeAt ?? trade.closedAt, trades: [...record.trades, trade] };
}

const DAY = 24 * 3600_000;

/** The record as a ProofSummary (source 'paper' or 'live'): the same figures a backtest's proof carries. */
export function proofOfRecord(record: StrategyRecord, source: ProofSummary['source'], proofId: string): ProofSummary {
  const stats = tradeStats(record.trades);
  let equity = record.startingEquityCents;
  let peak = equity;
  let maxDrawdown = 0;
  const endOfDay = new Map<number, number>();
  for (const trade of [...record.trades].sort((a, b) => a.closedAt - b.closedAt)) {
    equity += trade.pnlCents;
    peak = Math.max(peak, equity);
    if (peak > 0) maxDrawdown = Math.max(maxDrawdown, (peak - equity) / peak);
    endOfDay.set(Math.floor(trade.closedAt / DAY), equity);
  }
  const closes = record.trades.map((t) => t.closedAt);
  return {
    proofId,
    strategyId: record.strategyId,
    strategyVersion: record.strategyVersion,
    dataHash: `${source}-record`,
    periodStart: new Date(record.firstTradeAt ?? 0).toISOString(),
    periodEnd: new Date(closes.length ? Math.max(...closes) : 0).toISOString(),
    trades: stats.trades,
    wins: stats.wins,
    netPnlCents: equity - record.startingEquityCents,
    maxDrawdown: Math.round(maxDrawdown * 1e6) / 1e6,
    winRate: Math.round(stats.winRate * 1e6) / 1e6,
    sharpe:
      Math.round(
        dailySharpe([
          record.startingEquityCents,
          ...[...endOfDay.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v),
        ]) * 1e4,
      ) / 1e4,
    expectancyCents: stats.expectancyCents,
    source,
  };
}
