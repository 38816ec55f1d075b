import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkerContext } from '../../../platform/worker-context';
import { AnalystInputError, estimateProbability, type AnalystResult, type EstimateRequest } from './estimate';
import { LlmCredentialError } from './llm-config';

/** The key of one LLM call: the activity attempt that made it (a retry is a new call and costs again). */
export function activityCallKey(): string {
  const { workflowExecution, activityId, attempt } = Context.current().info;
  return `${workflowExecution?.workflowId}:${workflowExecution?.runId}:${activityId}:${attempt}`;
}

export function createAnalystActivities(ctx: Pick<WorkerContext, 'ledgerPool' | 'config' | 'secrets'>) {
  const deps = { pool: ctx.ledgerPool, config: ctx.config, secrets: ctx.secrets };
  return {
    /** Capability analyst.ask. Model failures are abstentions in the result; only bad input or a bad vault entry throw. */
    async estimateProbability(request: EstimateRequest): Promise<AnalystResult> {
      try {
        return await estimateProbability(deps, request, activityCallKey());
      } catch (err) {
        if (err instanceof AnalystInputError || err instanceof LlmCredentialError)
          throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
  };
}

export type { AnalystResult, EstimateRequest } from './estimate';
