import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { IncidentTrigger, IncidentType } from '../policies/incident-triggers';
import type { ResumeStep } from '../policies/incident-resume';
import type { TradingStatus } from '../policies/trading-state';

/**
 * The incident workflows' messages, shared by the workflows, the activity that opens incidents (signal-with-start)
 * and `nemo incident`. Every trigger of a cause arrives as an `incidentTrigger` signal to the incident of that cause;
 * the first one starts it.
 */
export interface IncidentInput {
  type: IncidentType;
  cause: string;
  /** How long each approval request stays open; when it expires unanswered, the operator is asked again. */
  approvalTimeout: string;
  /** Pause between the technical-failure protocol's re-checks of what failed. */
  retryDelay: string;
}

export interface IncidentStep {
  step: string;
  at: string;
  outcome: string;
}

export type IncidentStage = 'OPEN' | 'AWAITING_APPROVAL' | 'RESOLVED' | 'RECOVERED';

/** The result of lifting (or keeping) one account's stop when the incident is resolved. */
export interface ResumeOutcome extends ResumeStep {
  applied?: boolean;
  refused?: string;
  status?: TradingStatus | 'unknown';
}

export interface IncidentStatus {
  incidentId: string;
  runId: string;
  type: IncidentType;
  cause: string;
  stage: IncidentStage;
  openedAt: string;
  /** The first triggers (a storm is counted, not kept). */
  triggers: IncidentTrigger[];
  triggerCount: number;
  steps: IncidentStep[];
  report: { markdown: string; html: string } | null;
  resolution: { by: string; reason: string; at: string; resumed: ResumeOutcome[] } | null;
}

export interface IncidentOutcome {
  incidentId: string;
  runId: string;
  outcome: 'resolved' | 'recovered';
  by?: string;
  reason?: string;
  resumed: ResumeOutcome[];
}

export const incidentTriggerSignal = defineSignal<[IncidentTrigger]>('incidentTrigger');
export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');
