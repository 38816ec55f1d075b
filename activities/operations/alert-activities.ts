import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  AlertInputError,
  type AlertReceipt,
  type AlertRequest,
  type AlertService,
} from '../../platform/alerts/alert-service';

/** The alert activities the control worker registers; every domain's workflows reach them on `nemo-control`. */
export function createAlertActivities(alerts: AlertService) {
  return {
    /** Tells the operator (capability alert.raise). Retries of one activity never send twice. */
    async raiseAlert(request: AlertRequest): Promise<AlertReceipt> {
      const { workflowExecution, activityId } = Context.current().info;
      const idempotencyKey = `alert:${workflowExecution?.workflowId}:${workflowExecution?.runId}:${activityId}`;
      try {
        return await alerts.raise(request, idempotencyKey);
      } catch (err) {
        if (err instanceof AlertInputError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },

    /** Sends the summaries of alerts the rate limit held back, so none is dropped silently. */
    async flushHeldAlerts(): Promise<{ summaries: number }> {
      return { summaries: await alerts.flushHeld() };
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
