import { msToNumber, type Duration } from '@temporalio/common';
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type {
  ApprovalActivities,
  ApprovalRequest,
  RecordedOutcome,
} from '../../activities/approvals/approval-activities';
import {
  operatorDecision,
  pendingApproval,
  type ApprovalOutcome,
  type ApprovalState,
  type OperatorDecision,
} from '../../contracts/approvals';
import { TASK_QUEUES } from '../../policies/domains';
import { ALERT_DELIVERY } from '../activity-options';

/**
 * The operator-approval protocol, for any workflow that must ask before it acts (live trades of a new strategy,
 * credit purchases, upgrades, incidents):
 *
 *   const { outcome, by, reason } = await awaitOperatorDecision({ kind, subject, summary, details }, '30m');
 *
 * It stores the request and alerts the operator (control worker), then waits for the `operatorDecision` signal or
 * the timeout. A signal is only a prompt: the decision counts once the approvals table holds it (written by
 * `nemo approve|reject` or the authenticated SMS webhook), so a bare Temporal client cannot approve anything.
 */

const KEEP_DECISIONS = 20;
const INBOX_LIMIT = 50;

// Module state is per workflow execution (the SDK isolates each workflow's modules).
const state: ApprovalState = { pending: null, decided: [] };
const inbox: OperatorDecision[] = [];
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  setHandler(operatorDecision, (decision) => {
    // Bounded: a flood of signals cannot grow the workflow's memory.
    if (inbox.length < INBOX_LIMIT) inbox.push(decision);
  });
  setHandler(pendingApproval, () => state);
}

function takeDecision(approvalId: number): OperatorDecision | undefined {
  const index = inbox.findIndex((d) => d.approvalId === approvalId);
  return index < 0 ? undefined : inbox.splice(index, 1)[0];
}

/** Asks the operator and waits for the decision or the timeout; returns what the approvals table recorded. */
export async function awaitOperatorDecision(
  request: Omit<ApprovalRequest, 'expiresAt'>,
  timeout: Duration,
): Promise<ApprovalOutcome> {
  installHandlers();
  const { requestOperatorApproval, recordApprovalOutcome } = proxyActivities<ApprovalActivities>({
    taskQueue: TASK_QUEUES.control,
    ...ALERT_DELIVERY,
  });
  const deadline = Date.now() + msToNumber(timeout);
  const expiresAt = new Date(deadline).toISOString();
  const { approvalId, code } = await requestOperatorApproval({ ...request, expiresAt });
  state.pending = { approvalId, code, kind: request.kind, subject: request.subject, expiresAt };

  let recorded: RecordedOutcome;
  for (;;) {
    const remaining = deadline - Date.now();
    const arrived =
      inbox.some((d) => d.approvalId === approvalId) ||
      (remaining > 0 && (await condition(() => inbox.some((d) => d.approvalId === approvalId), remaining)));
    const decision = arrived ? takeDecision(approvalId)! : undefined;
    recorded = await recordApprovalOutcome(
      decision
        ? {
            approvalId,
            outcome: decision.approve ? 'approved' : 'rejected',
            by: decision.by,
            channel: decision.channel,
            reason: decision.reason,
          }
        : { approvalId, outcome: 'expired' },
    );
    // An unrecorded decision (a forged signal) is ignored; the real one may still come before the deadline.
    if (recorded.accepted) break;
  }

  state.pending = null;
  state.decided = [
    ...state.decided,
    { approvalId, outcome: recorded.outcome, by: recorded.by, channel: recorded.channel, reason: recorded.reason },
  ].slice(-KEEP_DECISIONS);
  inbox.splice(0, inbox.length, ...inbox.filter((d) => d.approvalId !== approvalId));
  return { outcome: recorded.outcome, by: recorded.by, reason: recorded.reason };
}
