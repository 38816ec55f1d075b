import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { claimDecision, type ApprovalRow, type Decision } from './approvals-store';
import { operatorDecision, pendingApproval, type DecisionTaken } from '../../contracts/approvals';

/**
 * An operator's decision, however it arrived (`nemo approve|reject`, an SMS reply): recorded in the approvals
 * table if the request is still open, signalled to the workflow that asked, then confirmed by querying it.
 */

export type DecisionResult =
  | { status: 'taken'; approval: ApprovalRow; taken: DecisionTaken }
  | { status: 'unconfirmed'; approval: ApprovalRow; message: string }
  | { status: 'refused'; approval?: ApprovalRow; message: string };

const describe = (a: ApprovalRow) => `#${a.id} (${a.kind}: ${a.subject})`;

export async function decideApproval(
  deps: { pool: pg.Pool; temporal: Client },
  decision: Decision,
  options: { confirmWithinMs?: number } = {},
): Promise<DecisionResult> {
  const claim = await claimDecision(deps.pool, decision);
  if (!claim.claimed) {
    const a = claim.approval;
    const message =
      claim.why === 'unknown'
        ? `there is no approval request #${decision.approvalId}`
        : claim.why === 'expired' || a!.status === 'expired'
          ? `approval ${describe(a!)} expired at ${a!.expiresAt.toISOString()}; nothing was decided`
          : `approval ${describe(a!)} was already ${a!.status}${a!.decidedBy ? ` by ${a!.decidedBy}` : ''}${a!.channel ? ` via ${a!.channel}` : ''} at ${a!.decidedAt!.toISOString()}`;
    return { status: 'refused', approval: a, message };
  }
  const approval = claim.approval;
  const handle = deps.temporal.workflow.getHandle(approval.workflowId, approval.runId);
  try {
    await handle.signal(operatorDecision, { ...decision });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return {
      status: 'refused',
      approval,
      message: `the decision on ${describe(approval)} is recorded, but workflow ${approval.workflowId} is no longer running to act on it`,
    };
  }
  const deadline = Date.now() + (options.confirmWithinMs ?? 10_000);
  while (Date.now() < deadline) {
    try {
      // A query waits for a worker; bound each one so a stopped worker does not hang the command.
      const state = await deps.temporal.connection.withDeadline(Math.min(deadline, Date.now() + 3_000), () =>
        handle.query(pendingApproval),
      );
      const taken = state.decided.find((d) => d.approvalId === approval.id);
      if (taken) return { status: 'taken', approval, taken };
    } catch {
      // No worker has answered yet: ask again until the deadline.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    status: 'unconfirmed',
    approval,
    message: `the decision on ${describe(approval)} is recorded and signalled; workflow ${approval.workflowId} has not confirmed it yet (is its worker running?). It will act on it when it runs.`,
  };
}
