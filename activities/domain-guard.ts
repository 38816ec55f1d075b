import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mayCall, type Domain } from '../policies/domains';

export interface DomainViolation {
  hostDomain: Domain;
  activityType: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  reason: string;
}

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * Wraps a domain's activities so each checks, before doing anything, that the workflow which scheduled it may use
 * it (policies/domains/). A refused call is recorded as a security event and fails without retry. Local activities
 * (run inside the worker that runs the workflow) carry the same workflow info and pass the same check.
 */
export function guardActivities<T extends Record<string, ActivityFunction>>(
  hostDomain: Domain,
  activities: T,
  recordViolation: (violation: DomainViolation) => Promise<void>,
): T {
  const guarded: Record<string, ActivityFunction> = {};
  for (const [activityType, fn] of Object.entries(activities)) {
    guarded[activityType] = async (...args: never[]) => {
      const info = Context.current().info;
      // An activity started outside any workflow (standalone) has no caller domain and is refused.
      const workflowType = info.workflowType ?? '(no workflow)';
      const verdict = mayCall(workflowType, activityType, hostDomain);
      if (!verdict.allowed) {
        await recordViolation({
          hostDomain,
          activityType,
          workflowType,
          workflowId: info.workflowExecution?.workflowId ?? '',
          runId: info.workflowExecution?.runId ?? '',
          reason: verdict.reason,
        });
        throw ApplicationFailure.nonRetryable(`domain violation: ${verdict.reason}`, 'DomainViolation');
      }
      return fn(...args);
    };
  }
  return guarded as T;
}
