import { CancellationScope, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ReconciliationActivities, ReconciliationReport } from '../../activities/operations/reconciliation';
import { TASK_QUEUES } from '../../policies/domains';
import { reconciliationTrigger } from '../../policies/incident-triggers';
import { INCIDENT_STEP, VENUE_READ } from '../activity-options';
import { incidentActivities } from '../incidents/incident-protocol';

const { reconcilableAccounts, markReconciling } = proxyActivities<ReconciliationActivities>({
  taskQueue: TASK_QUEUES.control,
  ...INCIDENT_STEP,
});
// Each attempt pages through the account's fills, positions, balance, open orders and settlements.
const { reconcileWithVenue } = proxyActivities<ReconciliationActivities>({
  taskQueue: TASK_QUEUES.control,
  ...VENUE_READ,
  startToCloseTimeout: '5m',
});

export interface ReconciliationOutcome {
  account: string;
  differences: number;
  seq: number | null;
  incidentId: string | null;
}

/**
 * seed: "Daily reconciliation with exchange records". For each live account: REDUCING while it runs (only
 * risk-reducing orders, so nothing new appears mid-count), the ledger against the venue (fills, positions, balance),
 * and any difference, still there after a grace (a trade may be between its fill and its ledger entry), opens a
 * financial-loss incident with the exact rows that differ.
 */
export async function dailyReconciliation(input: { confirmAfter: string }): Promise<ReconciliationOutcome[]> {
  const { workflowId, runId } = workflowInfo();
  const outcomes: ReconciliationOutcome[] = [];
  for (const account of await reconcilableAccounts()) {
    await markReconciling({ account, phase: 'started' });
    let report: ReconciliationReport;
    try {
      report = await reconcileWithVenue({ account, record: 'if-clean', key: `${workflowId}:${runId}:${account}:1` });
      if (report.differences > 0) {
        await sleep(input.confirmAfter as '30s');
        report = await reconcileWithVenue({ account, record: 'always', key: `${workflowId}:${runId}:${account}:2` });
      }
    } finally {
      // Even a failed or cancelled run hands the account back.
      await CancellationScope.nonCancellable(() => markReconciling({ account, phase: 'ended' }));
    }
    let incidentId: string | null = null;
    if (report.differences > 0) {
      incidentId = (
        await incidentActivities.openIncident(
          reconciliationTrigger(account, {
            seq: report.seq!,
            at: report.at,
            differences: report.differences,
            rows: report.rows,
          }),
        )
      ).incidentId;
    }
    outcomes.push({ account, differences: report.differences, seq: report.seq, incidentId });
  }
  return outcomes;
}
