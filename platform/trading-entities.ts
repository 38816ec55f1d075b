import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TASK_QUEUES } from '../policies/domains';
import type { TradingDomain } from '../policies/limits';
import type { Venue } from '../policies/orders';
import { DESK_IDS } from '../contracts/candidates';
import { guardianWorkflowId } from '../contracts/guardian';
import type { NemoConfig } from './config';
import { riskPolicyFrom } from './risk-config';

/**
 * The long-running entity workflows trading needs: one portfolio guardian per venue account and domain, and one
 * desk per domain. Started once; a running one is left as it is (its state is durable).
 */
export type TradingVenues = Record<TradingDomain, Venue[]>;

async function startOnce(start: () => Promise<unknown>): Promise<'started' | 'running'> {
  try {
    await start();
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw err;
  }
}

export async function ensureTradingEntities(
  client: Client,
  config: NemoConfig,
  venues: TradingVenues,
): Promise<string[]> {
  const policy = riskPolicyFrom(config);
  const started: string[] = [];
  for (const domain of ['paper', 'live'] as const) {
    if (venues[domain].length === 0) continue;
    for (const venue of venues[domain]) {
      const workflowId = guardianWorkflowId(domain, venue);
      const outcome = await startOnce(() =>
        client.workflow.start(domain === 'live' ? 'livePortfolioGuardian' : 'paperPortfolioGuardian', {
          taskQueue: TASK_QUEUES[domain],
          workflowId,
          args: [{ domain, venue, policy, markEvery: config.NEMO_MARK_EVERY }],
        }),
      );
      if (outcome === 'started') started.push(workflowId);
    }
    const desk = await startOnce(() =>
      client.workflow.start(domain === 'live' ? 'liveTradingDesk' : 'paperTradingDesk', {
        taskQueue: TASK_QUEUES[domain],
        workflowId: DESK_IDS[domain],
        args: [{ domain, checkEvery: '1m', fillDeadline: '5m', approvalTimeout: '30m' }],
      }),
    );
    if (desk === 'started') started.push(DESK_IDS[domain]);
  }
  return started;
}
