import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../../activities/operations/audits';
import type { KeyActivities } from '../../activities/security/keys';
import { TASK_QUEUES } from '../../policies/domains';
import { HEALTH_PROBE, REPORT_WRITE } from '../activity-options';
import { auditWindow, keyHealthFinding, publishReport, type PublishedReport } from './audit-report';

const { auditTradesLogged, auditPositionLimits, auditBackups } = proxyActivities<AuditActivities>({
  taskQueue: TASK_QUEUES.control,
  ...REPORT_WRITE,
});
const { checkKeyAges } = proxyActivities<KeyActivities>({ taskQueue: TASK_QUEUES.control, ...HEALTH_PROBE });

/**
 * seed "Daily Audits": verify all trades logged correctly; check position sizes within limits; confirm API key
 * health; validate backup integrity. Then the daily report (equity, drawdown, exposure against its limit, P&L per
 * strategy) to NEMO_HOME/reports and the operator's email.
 */
export async function dailyAudit(input: { asOf?: string } = {}): Promise<PublishedReport> {
  const window = auditWindow('daily', input.asOf);
  const findings = [
    await auditTradesLogged(window),
    await auditPositionLimits(),
    keyHealthFinding(await checkKeyAges()),
    await auditBackups(window),
  ];
  return publishReport('daily', window, findings);
}
