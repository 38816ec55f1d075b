import { proxyActivities } from '@temporalio/workflow';
import type { ReportActivities } from '../../activities/operations/reports';
import { TASK_QUEUES } from '../../policies/domains';
import { REPORT_WRITE } from '../activity-options';
import { auditWindow, publishReport, type PublishedReport } from './audit-report';

const { reviewRiskLimits, reviewStrategies } = proxyActivities<ReportActivities>({
  taskQueue: TASK_QUEUES.control,
  ...REPORT_WRITE,
});

/**
 * seed "Weekly Reviews": performance against the risk limits (each account's worst day, largest exposure, breaker
 * trips) and strategy effectiveness (fills, refusals, P&L), in the weekly report with the week's charts.
 */
export async function weeklyReview(input: { asOf?: string } = {}): Promise<PublishedReport> {
  const window = auditWindow('weekly', input.asOf);
  return publishReport('weekly', window, [await reviewRiskLimits(window), await reviewStrategies(window)]);
}
