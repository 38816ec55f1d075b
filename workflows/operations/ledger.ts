import { proxyActivities } from '@temporalio/workflow';
import type { LedgerActivities } from '../../activities/operations/ledger';
import { TASK_QUEUES, type Domain } from '../../policies/domains';
import { LEDGER_WRITE } from '../activity-options';

/** The ledger as seen from a workflow of `domain`: appends run on that domain's own worker. */
export function ledgerOf(domain: Domain): LedgerActivities {
  return proxyActivities<LedgerActivities>({ taskQueue: TASK_QUEUES[domain], ...LEDGER_WRITE });
}
