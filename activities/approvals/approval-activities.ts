import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { z } from 'zod';
import type { Json } from '../../ledger/canonical-json';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import type { Logger } from '../../platform/logger';
import type { AlertService } from '../../platform/alerts/alert-service';
import {
  expireApproval,
  findApproval,
  insertApproval,
  type ApprovalDetails,
  type ApprovalRow,
} from '../../platform/approvals/approvals-store';
import {
  APPROVAL_KINDS,
  type ApprovalKind,
  type DecisionChannel,
  type DecisionOutcome,
} from '../../contracts/approvals';

export interface ApprovalRequest {
  kind: ApprovalKind;
  /** What the request is about, e.g. "momentum-v2 on KXBTC-25DEC31". */
  subject: string;
  /** One line for the operator's phone. */
  summary: string;
  details: ApprovalDetails;
  /** ISO time after which the request expires (the workflow's timeout). */
  expiresAt: string;
}

export interface ApprovalTicket {
  approvalId: number;
  code: string;
}

/** What a workflow believes was decided (from a signal, or its own timeout). */
export interface OutcomeClaim {
  approvalId: number;
  outcome: DecisionOutcome;
  by?: string;
  channel?: DecisionChannel;
  reason?: string;
}

/** What the approvals table says. `accepted` is false when a signal claimed a decision nobody recorded. */
export interface RecordedOutcome {
  accepted: boolean;
  outcome: DecisionOutcome;
  by?: string;
  channel?: DecisionChannel | 'timeout';
  reason?: string;
}

const MAX_WAIT_MS = 7 * 86_400_000;

const approvalRequest = z.object({
  kind: z.enum(APPROVAL_KINDS),
  subject: z.string().min(1).max(200),
  summary: z.string().min(1).max(500),
  details: z.looseObject({
    what: z.string().min(1),
    why: z.string().min(1),
    limits: z.union([z.string().min(1), z.record(z.string(), z.json())]),
  }),
  expiresAt: z.iso.datetime({ offset: true }),
});

export interface ApprovalActivityDeps {
  ledgerPool: pg.Pool;
  logger: Logger;
  alerts: AlertService;
}

function callingRun() {
  const { workflowExecution, activityId } = Context.current().info;
  if (!workflowExecution)
    throw ApplicationFailure.nonRetryable(
      'an approval is requested from a workflow, never standalone',
      'ApprovalInputError',
    );
  return { ...workflowExecution, activityId };
}

function operatorMessage(a: ApprovalRow): string {
  const limits = typeof a.details.limits === 'string' ? a.details.limits : JSON.stringify(a.details.limits);
  return [
    a.summary,
    `What: ${a.details.what}`,
    `Why: ${a.details.why}`,
    `Limits: ${limits}`,
    `Expires: ${a.expiresAt.toISOString()}`,
    `Reply YES ${a.code} to approve or NO ${a.code} <reason> to reject (or: nemo approve ${a.id} / nemo reject ${a.id} --reason ...).`,
  ].join('\n');
}

/**
 * Approvals on the control worker. The request is stored and sent to the operator; a decision arrives as a signal,
 * but a workflow acts on it only after `recordApprovalOutcome` finds the same decision in the approvals table,
 * where only the CLI and the authenticated SMS webhook write decisions.
 */
export function createApprovalActivities(deps: ApprovalActivityDeps) {
  const ledger = (kind: string, payload: { [key: string]: Json }, idempotencyKey: string) =>
    appendEntry(deps.ledgerPool, { kind, domain: 'control', account: SYSTEM_ACCOUNT, payload, idempotencyKey });

  return {
    /** Capability approval.request: store the request, tell the operator, return its id and one-time code. */
    async requestOperatorApproval(request: ApprovalRequest): Promise<ApprovalTicket> {
      const parsed = approvalRequest.safeParse(request);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
        throw ApplicationFailure.nonRetryable(`approval request refused: ${problems}`, 'ApprovalInputError');
      }
      const expiresAt = new Date(parsed.data.expiresAt);
      if (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_WAIT_MS) {
        throw ApplicationFailure.nonRetryable(
          `approval request refused: expiresAt must be in the future and within 7 days`,
          'ApprovalInputError',
        );
      }
      const run = callingRun();
      const { approval } = await insertApproval(deps.ledgerPool, {
        ...parsed.data,
        details: parsed.data.details as ApprovalDetails,
        expiresAt,
        workflowId: run.workflowId,
        runId: run.runId,
        requestKey: `${run.workflowId}:${run.runId}:${run.activityId}`,
      });
      await ledger(
        'approval.requested',
        {
          approvalId: approval.id,
          kind: approval.kind,
          subject: approval.subject,
          summary: approval.summary,
          details: approval.details,
          workflowId: approval.workflowId,
          runId: approval.runId,
          expiresAt: approval.expiresAt.toISOString(),
        },
        `approval-requested:${approval.id}`,
      );
      // The request stands even if no channel reaches the operator: `nemo approvals` lists it, the alert records why.
      await deps.alerts.raise(
        {
          severity: approval.kind === 'incident' ? 'critical' : 'warning',
          title: `Approval #${approval.id} needed: ${approval.subject}`,
          body: operatorMessage(approval),
          dedupeKey: `approval:${approval.id}`,
        },
        `approval-alert:${approval.id}`,
      );
      return { approvalId: approval.id, code: approval.code };
    },

    /**
     * Capability approval.request: the workflow reports what it received; the table decides. A decision the table
     * does not hold (a signal from a bare Temporal client) is refused and recorded as a security event.
     */
    async recordApprovalOutcome(claim: OutcomeClaim): Promise<RecordedOutcome> {
      const run = callingRun();
      const row =
        claim.outcome === 'expired'
          ? await expireApproval(deps.ledgerPool, claim.approvalId)
          : await findApproval(deps.ledgerPool, claim.approvalId);
      if (!row)
        throw ApplicationFailure.nonRetryable(`approval #${claim.approvalId} does not exist`, 'ApprovalInputError');
      const matches =
        row.workflowId === run.workflowId &&
        row.status !== 'pending' &&
        (claim.outcome === 'expired' ||
          (row.status === claim.outcome && row.decidedBy === claim.by && row.channel === claim.channel));
      if (!matches) {
        const recorded = { status: row.status, by: row.decidedBy, channel: row.channel, workflowId: row.workflowId };
        deps.logger.error(
          { approvalId: row.id, claim, recorded, workflowId: run.workflowId },
          'approval signal does not match any recorded decision: ignored',
        );
        await ledger(
          'security.unverified-approval-signal',
          {
            approvalId: row.id,
            claimed: { ...claim },
            recorded,
            signalledWorkflow: run.workflowId,
            signalledRun: run.runId,
          },
          `unverified-approval:${run.workflowId}:${run.runId}:${run.activityId}`,
        );
        await deps.alerts.raise(
          {
            severity: 'critical',
            title: `Unverified approval signal for #${row.id}`,
            body: `Workflow ${run.workflowId} received a decision (${claim.outcome} by ${claim.by ?? '?'}) that no operator channel recorded. It was ignored. Someone with access to Temporal sent it.`,
            dedupeKey: 'security.unverified-approval-signal',
          },
          `unverified-approval-alert:${run.workflowId}:${run.runId}:${run.activityId}`,
        );
        return { accepted: false, outcome: claim.outcome };
      }
      const outcome = row.status as RecordedOutcome['outcome'];
      await ledger(
        'approval.decided',
        {
          approvalId: row.id,
          kind: row.kind,
          subject: row.subject,
          outcome,
          by: row.decidedBy,
          channel: row.channel,
          reason: row.reason,
          decidedAt: row.decidedAt!.toISOString(),
          workflowId: row.workflowId,
          runId: row.runId,
        },
        `approval-decided:${row.id}`,
      );
      return {
        accepted: true,
        outcome,
        by: row.decidedBy ?? undefined,
        channel: row.channel ?? undefined,
        reason: row.reason ?? undefined,
      };
    },
  };
}

export type ApprovalActivities = ReturnType<typeof createApprovalActivities>;
