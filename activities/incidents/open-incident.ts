import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { NemoConfig } from '../../platform/config';
import { TASK_QUEUES } from '../../policies/domains';
import {
  checkTrigger,
  incidentId,
  INCIDENT_WORKFLOW_TYPES,
  type IncidentTrigger,
} from '../../policies/incident-triggers';
import { incidentTriggerSignal, type IncidentInput } from '../../contracts/incidents';
import { NemoDomain } from '../../contracts/search-attributes';

export type IncidentSettings = Pick<NemoConfig, 'NEMO_INCIDENT_APPROVAL_TIMEOUT' | 'NEMO_INCIDENT_RETRY_DELAY'>;

/**
 * Opens the incident of the trigger's cause, or adds the trigger to it if it is open (Temporal's signal-with-start on
 * the cause's workflow id): however many triggers of one cause arrive, from however many places, there is one
 * incident. Once an incident is resolved its id is free, so the same cause later opens a new run.
 */
export async function openIncidentFor(
  client: Client,
  settings: IncidentSettings,
  trigger: IncidentTrigger,
): Promise<{ incidentId: string; runId: string }> {
  checkTrigger(trigger);
  const id = incidentId(trigger.type, trigger.cause);
  const input: IncidentInput = {
    type: trigger.type,
    cause: trigger.cause,
    approvalTimeout: settings.NEMO_INCIDENT_APPROVAL_TIMEOUT,
    retryDelay: settings.NEMO_INCIDENT_RETRY_DELAY,
  };
  const handle = await client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPES[trigger.type], {
    workflowId: id,
    taskQueue: TASK_QUEUES.control,
    args: [input],
    signal: incidentTriggerSignal,
    signalArgs: [trigger],
    memo: { summary: `${trigger.type}: ${trigger.summary}` },
    typedSearchAttributes: new TypedSearchAttributes([{ key: NemoDomain, value: 'control' }]),
  });
  return { incidentId: id, runId: handle.signaledRunId };
}
