import { proxyActivities } from '@temporalio/workflow';
import type { BacktestActivities, BacktestOutcome, BacktestRequest } from '../../activities/research/backtest';
import { TASK_QUEUES } from '../../policies/domains';
import { BACKTEST_RUN } from '../activity-options';

const { runBacktest } = proxyActivities<BacktestActivities>({ taskQueue: TASK_QUEUES.research, ...BACKTEST_RUN });

/**
 * seed: "Trading without backtest proof" is forbidden. Runs one backtest on the research worker; the activity
 * heartbeats {processed, total} (visible on the pending activity in the Web UI) and appends the proof to the ledger
 * (kind `backtest.proof`), which trade validation reads.
 */
export async function backtest(request: BacktestRequest): Promise<BacktestOutcome> {
  return runBacktest(request);
}
