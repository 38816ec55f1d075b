import type { BacktestResult } from '../backtest/engine';
import type { ProofSummary } from '../policies/proof';
import { writeReport, type ReportFiles } from './report';

/** The backtest report: the proof summary and its verdict, equity and drawdown charts, refusals and recent trades. */
export function writeBacktestReport(
  dir: string,
  result: BacktestResult,
  summary: ProofSummary,
  proofProblems: readonly string[],
  dataSource: string,
): ReportFiles {
  const name = `backtest-${summary.strategyId}-${summary.strategyVersion}-${summary.dataHash}`;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
  const stats = result.stats;
  return writeReport(dir, name, `Backtest: ${summary.strategyId} (${summary.strategyVersion})`, [
    {
      kind: 'text',
      paragraphs: [
        `Data: ${dataSource}, ${result.markets.length} market(s), ${result.bars} bars, ${summary.periodStart} to ${summary.periodEnd} (data hash ${summary.dataHash}).`,
        proofProblems.length === 0
          ? `Proof ${summary.proofId} meets the proof thresholds: the strategy may paper trade.`
          : `Proof ${summary.proofId} does NOT meet the proof thresholds: ${proofProblems.join('; ')}.`,
      ],
    },
    {
      kind: 'table',
      heading: 'Summary',
      columns: ['trades', 'win rate', 'P&L after fees', 'fees', 'expectancy', 'max drawdown', 'Sharpe', 'final equity'],
      rows: [
        [
          stats.trades,
          `${(stats.winRate * 100).toFixed(1)}%`,
          dollars(stats.netPnlCents),
          dollars(stats.feesCents),
          `${stats.expectancyCents.toFixed(2)}¢`,
          `${(stats.maxDrawdown * 100).toFixed(2)}%`,
          stats.sharpe.toFixed(2),
          dollars(stats.finalEquityCents),
        ],
      ],
    },
    {
      kind: 'chart',
      heading: 'Equity',
      file: `${name}-equity.png`,
      chart: {
        kind: 'line',
        title: 'Equity after fees',
        series: [{ name: 'equity', points: result.equity.map((p) => [p.time, p.equityCents / 100] as const) }],
        formatX: day,
        formatY: (y) => `$${y.toFixed(0)}`,
        yLabel: 'USD',
      },
    },
    {
      kind: 'chart',
      heading: 'Drawdown',
      file: `${name}-drawdown.png`,
      chart: {
        kind: 'area',
        title: 'Drawdown from the running peak',
        series: [
          {
            name: 'drawdown',
            points: result.equity.map((p) => [p.time, -p.drawdown * 100] as const),
            color: '#d62728',
          },
        ],
        formatX: day,
        formatY: (y) => `${y.toFixed(1)}%`,
        yLabel: '%',
        includeZero: true,
      },
    },
    {
      kind: 'table',
      heading: 'Orders',
      columns: [
        'signals',
        'orders placed',
        'partial fills',
        'daily-loss pauses',
        'hours paused',
        ...Object.keys(result.refusals).map((k) => `refused: ${k}`),
      ],
      rows: [
        [
          result.signals,
          result.orders,
          result.partialFills,
          result.pauses,
          (result.pausedMs / 3_600_000).toFixed(1),
          ...Object.values(result.refusals),
        ],
      ],
    },
    {
      kind: 'table',
      heading: 'Last trades',
      columns: ['market', 'side', 'entry', 'exit', 'entry price', 'exit price', 'quantity', 'fees', 'P&L', 'exit'],
      rows: result.trades
        .slice(-20)
        .map((t) => [
          t.market,
          t.side,
          new Date(t.entryTime).toISOString(),
          new Date(t.exitTime).toISOString(),
          t.entryPrice.toFixed(4),
          t.exitPrice.toFixed(4),
          t.quantity,
          dollars(t.feesCents),
          dollars(t.pnlCents),
          t.exitReason,
        ]),
    },
  ]);
}
