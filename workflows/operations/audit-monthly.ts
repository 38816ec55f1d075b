import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AuditActivities } from '../../activities/operations/audits';
import type { BackupProof } from '../../activities/operations/backups';
import { TASK_QUEUES } from '../../policies/domains';
import { REPORT_WRITE } from '../activity-options';
import { auditWindow, publishReport, type PublishedReport } from './audit-report';

const { runInjectionDrill, operatorReview } = proxyActivities<AuditActivities>({
  taskQueue: TASK_QUEUES.control,
  ...REPORT_WRITE,
});

/**
 * seed "Monthly Deep Dives": a disaster recovery drill (the newest backup restored into a scratch database and
 * verified, with the measured recovery time), a simulated attack (the injection corpus through the research
 * screening gate), and the operator review (decisions taken, items waiting), in the monthly report.
 */
export async function monthlyDeepDive(input: { asOf?: string } = {}): Promise<PublishedReport> {
  const window = auditWindow('monthly', input.asOf);
  const drill = await executeChild<(name?: string) => Promise<BackupProof | { ok: false; problem: string }>>(
    'restoreDrill',
    {
      workflowId: `${workflowInfo().workflowId}/restore-drill`,
      taskQueue: TASK_QUEUES.control,
    },
  );
  const recovery = {
    check: 'disaster recovery drill',
    ok: drill.ok,
    summary:
      'restoreMs' in drill
        ? `backup ${drill.name} restored and verified in ${drill.restoreMs} ms (recovery time), ${drill.entries} ledger entries`
        : drill.problem!,
    problems: drill.ok ? [] : [drill.problem ?? 'the restore failed'],
  };
  return publishReport('monthly', window, [recovery, await runInjectionDrill(), await operatorReview(window)]);
}
