import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LedgerEntry } from '../../ledger/entry';
import { readEntries } from '../../ledger/ledger-store';
import { riskPolicyFrom } from '../../platform/risk-config';
import type { SmtpCredential } from '../../platform/vault/entries';
import { dollars, percent } from '../../policies/format';
import { closingEstimate } from '../../policies/incident-evaluation';
import type { Cents } from '../../policies/money';
import { orderNotionalCents, type Position, type VenueOrder } from '../../policies/orders';
import {
  byAccount,
  openHoldings,
  reviewLimits,
  strategyPnl,
  type AccountSnapshot,
  type OpenHolding,
  type StrategyFill,
} from '../../reporting/ops-metrics';
import { writeOpsReport, type OpsReportData, type ReportKind } from '../../reporting/ops-report';
import type { WorkerContext } from '../../platform/worker-context';
import { sendEmail } from '../../platform/alerts/email';
import type { VenuePorts } from '../venues/credentials';
import type { AuditFinding, AuditWindow } from '../../reporting/ops-report';

/**
 * The operations reports (daily, weekly, monthly) from the ledger: account snapshots, fills, incidents, alerts,
 * health checks, backups and reconciliations in the period, written as Markdown and HTML with PNG charts under
 * NEMO_HOME/reports, and emailed through the alert email channel when it is configured.
 */
export interface WrittenReport {
  dir: string;
  markdown: string;
  html: string;
  images: string[];
}

const MAX_ENTRIES = 50_000;

function holdingPosition(order: VenueOrder): Position {
  return order.venue === 'kalshi'
    ? { venue: 'kalshi', market: order.market, side: order.side, count: order.count }
    : { venue: 'coinbase', market: order.market, baseSize: order.baseSize };
}

export function createReportActivities({ ctx, ports }: { ctx: WorkerContext; ports: VenuePorts }) {
  const pool = ctx.ledgerPool;
  const entries = async (window: AuditWindow, query: { kind?: string; kindPrefix?: string }): Promise<LedgerEntry[]> =>
    (await readEntries(pool, { ...query, since: new Date(window.from), limit: MAX_ENTRIES })).filter(
      (e) => e.recordedAt <= window.to,
    );

  async function snapshots(window: AuditWindow): Promise<AccountSnapshot[]> {
    return (await entries(window, { kind: 'account.snapshot' })).map((e) => ({
      account: e.account,
      at: Date.parse(e.recordedAt),
      status: String(e.payload.status),
      equityCents: Number(e.payload.equityCents),
      dayBaselineCents: Number(e.payload.dayBaselineCents),
      committedCents: Number(e.payload.committedCents),
      reservedCents: Number(e.payload.reservedCents),
      limitCents: Number(e.payload.limitCents),
    }));
  }

  async function strategyFills(window: AuditWindow): Promise<StrategyFill[]> {
    return (await entries(window, { kind: 'trade.fill' })).map((e) => {
      const filled = e.payload.filled as unknown as VenueOrder;
      return {
        strategyId: String(e.payload.strategyId),
        account: e.account,
        filled,
        intent: e.payload.intent === 'buy' ? 'buy' : 'reduce',
        costCents: Number(e.payload.costCents),
        feesCents: Number(e.payload.feesCents),
        notionalCents: orderNotionalCents(filled),
      };
    });
  }

  /** A live holding at the production book's top (as its guardian marks it); otherwise at its last fill price. */
  async function valueOf(holding: OpenHolding): Promise<Cents> {
    const port = holding.account.startsWith('live:') ? ports[holding.order.venue] : undefined;
    if (port) {
      try {
        return closingEstimate(holdingPosition(holding.order), await port.getOrderBook(holding.order.market, 5))
          .markCents;
      } catch (err) {
        ctx.logger.warn(
          { market: holding.order.market, error: (err as Error).message },
          'report: book unavailable, holding valued at its last fill price',
        );
      }
    }
    return orderNotionalCents(holding.order);
  }

  async function operations(window: AuditWindow): Promise<OpsReportData['operations']> {
    const count = async (kind: string, pick: (e: LedgerEntry) => boolean = () => true) =>
      (await entries(window, { kind })).filter(pick).length;
    const alerts = await entries(window, { kind: 'alert' });
    return [
      { what: 'incidents opened', count: await count('incident.opened') },
      { what: 'incidents closed', count: await count('incident.resolved') },
      ...(['critical', 'warning', 'info'] as const).map((severity) => ({
        what: `${severity} alerts`,
        count: alerts.filter((a) => a.payload.severity === severity).length,
      })),
      { what: 'alerts no channel delivered', count: alerts.filter((a) => a.payload.outcome === 'undelivered').length },
      { what: 'heartbeats', count: await count('heartbeat') },
      { what: 'health checks', count: await count('health.check') },
      {
        what: 'health checks with a dependency down',
        count: await count('health.check', (e) => e.payload.allUp === false),
      },
      { what: 'backups proven by a restore', count: await count('backup.verified') },
      { what: 'backups failed', count: await count('backup.failed') },
      { what: 'reconciliations', count: await count('reconciliation.completed') },
      {
        what: 'reconciliations with differences',
        count: await count('reconciliation.completed', (e) => Number(e.payload.differences) > 0),
      },
      { what: 'trades refused by the risk checks', count: await count('trade.refused') },
      { what: 'approval requests', count: await count('approval.requested') },
    ];
  }

  async function strategies(window: AuditWindow) {
    const fills = await strategyFills(window);
    const valued = [];
    for (const holding of openHoldings(fills)) valued.push({ holding, valueCents: await valueOf(holding) });
    return strategyPnl(fills, valued);
  }

  return {
    /** capability reports.write: the report of one period, with the audit's findings. */
    async writeOpsReport(request: {
      kind: ReportKind;
      window: AuditWindow;
      findings: AuditFinding[];
    }): Promise<WrittenReport> {
      const snaps = await snapshots(request.window);
      const data: OpsReportData = {
        ...request,
        snapshots: snaps,
        strategies: await strategies(request.window),
        limitReview: reviewLimits(byAccount(snaps), riskPolicyFrom(ctx.config).limits),
        operations: await operations(request.window),
      };
      const name = `${request.kind}-${request.window.to.slice(0, 16).replace(/[-:]/g, '')}Z`;
      const dir = path.join(ctx.home.reports, name);
      const files = writeOpsReport(dir, name, data);
      return { dir, ...files };
    },

    /** capability reports.write (seed weekly: "Performance vs. risk limits"): each account's worst day and exposure. */
    async reviewRiskLimits(window: AuditWindow): Promise<AuditFinding> {
      const review = reviewLimits(byAccount(await snapshots(window)), riskPolicyFrom(ctx.config).limits);
      const trips = (await entries(window, { kind: 'guardian.transition' })).filter((e) =>
        ['PAUSED', 'SHUTDOWN'].includes(String((e.payload.transition as { to?: string }).to)),
      );
      const problems = [
        ...review.flatMap((r) => r.breaches.map((b) => `${r.account}: ${b}`)),
        ...trips.map((t) => `${t.account}: breaker tripped at ${t.recordedAt}`),
      ];
      const summary = review.length
        ? review
            .map(
              (r) =>
                `${r.account}: worst daily loss ${percent(r.worstDailyLoss)}, max exposure ${percent(r.maxExposure)}`,
            )
            .join('; ')
        : 'no account snapshots in the period';
      return { check: 'performance vs risk limits', ok: problems.length === 0, summary, problems };
    },

    /** capability reports.write (seed weekly: "Strategy effectiveness analysis"): fills, refusals and P&L per strategy. */
    async reviewStrategies(window: AuditWindow): Promise<AuditFinding> {
      const results = await strategies(window);
      const refused = await entries(window, { kind: 'trade.refused' });
      const refusals = new Map<string, number>();
      for (const r of refused)
        refusals.set(String(r.payload.strategyId), (refusals.get(String(r.payload.strategyId)) ?? 0) + 1);
      const losing = results.filter((r) => r.pnlCents < 0);
      const summary = results.length
        ? results
            .map(
              (r) =>
                `${r.strategyId}: ${r.fills} fill(s), P&L ${dollars(r.pnlCents)}, ${refusals.get(r.strategyId) ?? 0} refused`,
            )
            .join('; ')
        : `no fills in the period; ${refused.length} trade(s) refused`;
      return {
        check: 'strategy effectiveness',
        ok: losing.length === 0,
        summary,
        problems: losing.map(
          (r) => `${r.strategyId} lost ${dollars(-r.pnlCents)} in the period: review its thesis and proof`,
        ),
      };
    },

    /**
     * capability reports.write: the report to the operator through the alert email channel (vault entry smtp and
     * NEMO_OPERATOR_EMAIL), the Markdown as the text and the HTML and charts attached.
     */
    async emailReport(request: { title: string; report: WrittenReport }): Promise<string> {
      const smtp = ctx.secrets.get('smtp');
      if (!smtp || !ctx.config.NEMO_OPERATOR_EMAIL)
        return 'not emailed: no email channel is configured (vault entry smtp and NEMO_OPERATOR_EMAIL)';
      const attachments = [request.report.html, ...request.report.images].map((file) => ({
        filename: path.basename(file),
        path: file,
      }));
      const id = await sendEmail(
        JSON.parse(smtp) as SmtpCredential,
        ctx.config.NEMO_OPERATOR_EMAIL,
        `[NEMO report] ${request.title}`,
        readFileSync(request.report.markdown, 'utf8'),
        attachments,
      );
      return `emailed to ${ctx.config.NEMO_OPERATOR_EMAIL} (${id})`;
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
