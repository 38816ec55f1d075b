import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The operator-approval protocol's messages (workflows/approvals/await-decision.ts): what a workflow asks, the
 * `operatorDecision` signal that prompts it, and the `pendingApproval` query `nemo approvals` reads.
 */

export const APPROVAL_KINDS = ['live-trade', 'credit-purchase', 'upgrade', 'incident', 'outside-text'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export type DecisionChannel = 'cli' | 'sms';
export type DecisionOutcome = 'approved' | 'rejected' | 'expired';

export interface OperatorDecision {
  approvalId: number;
  approve: boolean;
  by: string;
  channel: DecisionChannel;
  reason?: string;
}

export interface DecisionTaken {
  approvalId: number;
  outcome: DecisionOutcome;
  by?: string;
  channel?: DecisionChannel | 'timeout';
  reason?: string;
}

export interface ApprovalState {
  pending: { approvalId: number; code: string; kind: ApprovalKind; subject: string; expiresAt: string } | null;
  /** The most recent decisions this workflow took (newest last). */
  decided: DecisionTaken[];
}

export interface ApprovalOutcome {
  outcome: DecisionOutcome;
  by?: string;
  reason?: string;
}

export const operatorDecision = defineSignal<[OperatorDecision]>('operatorDecision');
export const pendingApproval = defineQuery<ApprovalState>('pendingApproval');
