import { ActivityFailure } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { KeyAgeReport } from '../../activities/security/keys';
import type { ReportActivities, WrittenReport } from '../../activities/operations/reports';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import type { ReportKind } from '../../reporting/ops-report';
import { ALERT_DELIVERY, REPORT_WRITE } from '../activity-options';
import { raiseAlert } from './alerts';
import { ledgerOf } from './ledger';
import type { AuditFinding, AuditWindow } from '../../reporting/ops-report';

const { writeOpsReport } = proxyActivities<ReportActivities>({ taskQueue: TASK_QUEUES.control, ...REPORT_WRITE });
const { emailReport } = proxyActivities<ReportActivities>({
  taskQueue: TASK_QUEUES.control,
  ...ALERT_DELIVERY,
  retry: { ...ALERT_DELIVERY.retry, maximumAttempts: 3 },
});
const { appendLedgerEntry } = ledgerOf('control');

export interface PublishedReport {
  findings: AuditFinding[];
  report: WrittenReport;
  emailed: string;
}

const HOUR_MS = 3_600_000;
export const PERIOD_HOURS: Readonly<Record<ReportKind, number>> = { daily: 24, weekly: 7 * 24, monthly: 30 * 24 };

/** The period a report covers: the hours before `asOf` (default now), so a run at 00:00 UTC covers the previous day. */
export function auditWindow(kind: ReportKind, asOf?: string): AuditWindow {
  const to = asOf ?? new Date(Date.now()).toISOString();
  if (Number.isNaN(Date.parse(to))) throw new RangeError(`asOf "${asOf}" is not an ISO time`);
  return {
    from: new Date(Date.parse(to) - PERIOD_HOURS[kind] * HOUR_MS).toISOString(),
    to: new Date(Date.parse(to)).toISOString(),
  };
}

/** seed daily audit: "Confirm API key health", from the vault's key-age check. */
export function keyHealthFinding(report: KeyAgeReport): AuditFinding {
  if (report.vault === 'absent')
    return {
      check: 'API key health',
      ok: true,
      summary: 'no vault: SIMULATED mode holds no credentials',
      problems: [],
    };
  const stale = report.keys.filter((k) => k.stale);
  return {
    check: 'API key health',
    ok: stale.length === 0,
    summary: `${report.keys.length} live vault entr${report.keys.length === 1 ? 'y' : 'ies'}, rotated within ${report.maxAgeDays} days: ${report.keys.length - stale.length}`,
    problems: stale.map((k) => `${k.name} is ${k.ageDays} days old (rotate every ${report.maxAgeDays} days)`),
  };
}

/**
 * The end every audit shares: the report with its charts, the email to the operator, the ledger record, and a
 * warning alert naming each check that found a problem (seed: never hide failures from the operator).
 */
export async function publishReport(
  kind: ReportKind,
  window: AuditWindow,
  findings: AuditFinding[],
): Promise<PublishedReport> {
  const report = await writeOpsReport({ kind, window, findings });
  let emailed: string;
  try {
    emailed = await emailReport({ title: `${kind} report ${window.to.slice(0, 10)}`, report });
  } catch (err) {
    // The report stands on disk and in the ledger; a mail server that is down must not lose it.
    emailed = `email failed: ${err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message}`;
  }
  const { workflowId, runId } = workflowInfo();
  await appendLedgerEntry({
    kind: `audit.${kind}`,
    account: SYSTEM_ACCOUNT,
    payload: {
      window: { ...window },
      findings: findings.map((f) => ({ ...f, problems: [...f.problems] })),
      files: [report.markdown, report.html, ...report.images],
      emailed,
    },
    idempotencyKey: `audit.${kind}:${workflowId}:${runId}`,
  });
  const failed = findings.filter((f) => !f.ok);
  if (failed.length > 0) {
    await raiseAlert({
      severity: 'warning',
      title: `${kind} audit: ${failed.length} check(s) found problems`,
      body:
        failed
          .map((f) => `${f.check}: ${f.problems.slice(0, 3).join('; ')}`)
          .join('\n')
          .slice(0, 3900) + `\nReport: ${report.html}`,
      dedupeKey: `audit:${kind}`,
    });
  }
  return { findings, report, emailed };
}
