import { dollars, percent } from '../policies/format';
import type { ChartSeries } from './chart';
import {
  byAccount,
  drawdownPoints,
  maxDrawdownFraction,
  type AccountSnapshot,
  type LimitReview,
  type StrategyResult,
} from './ops-metrics';
import { writeReport, type ReportFiles, type ReportSection } from './report';

/** One audit check's result, as the daily, weekly and monthly reports show it. */
export interface AuditFinding {
  check: string;
  ok: boolean;
  summary: string;
  problems: string[];
}

export interface AuditWindow {
  from: string;
  to: string;
}

/**
 * The daily, weekly and monthly operations reports (seed "Audit & Compliance"): the audit's findings, the accounts
 * with their equity, drawdown and exposure against its limit as charts, P&L per strategy, and the period's
 * operations (incidents, alerts, health, backups).
 */
export type ReportKind = 'daily' | 'weekly' | 'monthly';

export interface OpsReportData {
  kind: ReportKind;
  window: AuditWindow;
  findings: AuditFinding[];
  snapshots: AccountSnapshot[];
  strategies: StrategyResult[];
  limitReview: LimitReview[];
  operations: { what: string; count: number | string }[];
}

const TITLES: Record<ReportKind, string> = {
  daily: 'Daily audit',
  weekly: 'Weekly review',
  monthly: 'Monthly deep dive',
};

export function writeOpsReport(dir: string, name: string, data: OpsReportData): ReportFiles {
  const series = byAccount(data.snapshots);
  const span = Date.parse(data.window.to) - Date.parse(data.window.from);
  const formatX = (t: number) =>
    span <= 2 * 86_400_000 ? new Date(t).toISOString().slice(11, 16) : new Date(t).toISOString().slice(5, 10);
  const perAccount = (points: (s: AccountSnapshot[]) => [number, number][]): ChartSeries[] =>
    [...series].map(([account, snaps]) => ({ name: account, points: points(snaps) }));
  const failed = data.findings.filter((f) => !f.ok);

  const sections: ReportSection[] = [
    {
      kind: 'text',
      paragraphs: [
        `Period ${data.window.from} to ${data.window.to}.`,
        failed.length === 0
          ? `All ${data.findings.length} checks passed.`
          : `${failed.length} of ${data.findings.length} checks found problems: ${failed.map((f) => f.check).join(', ')}.`,
      ],
    },
    {
      kind: 'table',
      heading: 'Checks',
      columns: ['check', 'result', 'summary', 'problems'],
      rows: data.findings.map((f) => [f.check, f.ok ? 'ok' : 'PROBLEM', f.summary, f.problems.join('; ') || '-']),
    },
    {
      kind: 'table',
      heading: 'Accounts',
      columns: [
        'account',
        'first equity',
        'last equity',
        'change',
        'max drawdown',
        'worst daily loss',
        'max exposure',
        'status',
        'snapshots',
      ],
      rows: [...series].map(([account, snaps]) => {
        const review = data.limitReview.find((r) => r.account === account);
        const [first, last] = [snaps[0]!, snaps.at(-1)!];
        return [
          account,
          dollars(first.equityCents),
          dollars(last.equityCents),
          dollars(last.equityCents - first.equityCents),
          percent(maxDrawdownFraction(snaps)),
          percent(review?.worstDailyLoss ?? 0),
          percent(review?.maxExposure ?? 0),
          last.status,
          snaps.length,
        ];
      }),
    },
  ];
  if (series.size === 0) {
    sections.push({
      kind: 'text',
      heading: 'Charts',
      paragraphs: [
        'No account snapshots in this period (no portfolio guardian was running): no equity, drawdown or exposure to chart.',
      ],
    });
  } else {
    sections.push(
      {
        kind: 'chart',
        heading: 'Equity',
        file: 'equity.png',
        chart: {
          kind: 'line',
          title: 'Equity by account',
          series: perAccount((s) => s.map((p) => [p.at, p.equityCents / 100])),
          formatX,
          formatY: (y) => `$${y.toFixed(0)}`,
          yLabel: 'USD',
        },
      },
      {
        kind: 'chart',
        heading: 'Drawdown',
        file: 'drawdown.png',
        chart: {
          kind: 'area',
          title: "Drawdown from the period's peak",
          series: perAccount(drawdownPoints),
          formatX,
          formatY: (y) => `${y.toFixed(1)}%`,
          yLabel: '%',
          includeZero: true,
        },
      },
      {
        kind: 'chart',
        heading: 'Exposure against its limit',
        file: 'exposure.png',
        chart: {
          kind: 'line',
          title: 'Exposure (filled and reserved) and the 10% limit',
          formatX,
          formatY: (y) => `$${y.toFixed(0)}`,
          yLabel: 'USD',
          includeZero: true,
          series: [...series].flatMap(([account, snaps]) => [
            {
              name: `${account} exposure`,
              points: snaps.map((p): [number, number] => [p.at, (p.committedCents + p.reservedCents) / 100]),
            },
            { name: `${account} limit`, points: snaps.map((p): [number, number] => [p.at, p.limitCents / 100]) },
          ]),
        },
      },
    );
  }
  if (data.strategies.length === 0) {
    sections.push({ kind: 'text', heading: 'P&L by strategy', paragraphs: ['No fills in this period.'] });
  } else {
    sections.push(
      {
        kind: 'chart',
        heading: 'P&L by strategy',
        file: 'strategy-pnl.png',
        chart: {
          kind: 'bar',
          title: 'P&L by strategy (period fills, open quantity at current marks)',
          includeZero: true,
          yLabel: 'USD',
          // Empty slots at 0 and n + 1 keep the first and last bars inside the plot (bars are centred on their x).
          series: [
            {
              name: 'P&L',
              points: [
                [0, 0],
                ...data.strategies.map((s, i): [number, number] => [i + 1, s.pnlCents / 100]),
                [data.strategies.length + 1, 0],
              ],
            },
          ],
          formatX: (x) => (Number.isInteger(x) ? (data.strategies[x - 1]?.strategyId ?? '') : ''),
          formatY: (y) => `$${y.toFixed(2)}`,
        },
      },
      {
        kind: 'table',
        heading: 'Strategies',
        columns: ['strategy', 'fills', 'spent', 'proceeds', 'fees', 'still held (marked)', 'P&L'],
        rows: data.strategies.map((s) => [
          s.strategyId,
          s.fills,
          dollars(s.spentCents),
          dollars(s.proceedsCents),
          dollars(s.feesCents),
          dollars(s.openValueCents),
          dollars(s.pnlCents),
        ]),
      },
    );
  }
  sections.push({
    kind: 'table',
    heading: 'Operations',
    columns: ['what', 'count'],
    rows: data.operations.map((o) => [o.what, o.count]),
  });
  return writeReport(
    dir,
    name,
    `NEMO ${TITLES[data.kind]}: ${data.window.from.slice(0, 16)} to ${data.window.to.slice(0, 16)}`,
    sections,
  );
}
