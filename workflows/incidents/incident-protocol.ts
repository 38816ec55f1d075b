import {
  condition,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { IncidentActivities } from '../../activities/incidents/incident-activities';
import type { Json } from '../../ledger/canonical-json';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import type { IncidentTrigger } from '../../policies/incident-triggers';
import type { TradingDomain } from '../../policies/limits';
import { INCIDENT_STEP } from '../activity-options';
import { awaitOperatorDecision } from '../approvals/await-decision';
import {
  incidentStatusQuery,
  incidentTriggerSignal,
  type IncidentInput,
  type IncidentOutcome,
  type IncidentStage,
  type IncidentStatus,
  type ResumeOutcome,
} from '../../contracts/incidents';
import { ledgerOf } from '../operations/ledger';
import { NemoDomain, NemoState } from '../../contracts/search-attributes';

/**
 * What the three incident protocols share: gathering the triggers of one cause (deduplicated by occurrence), a ledger
 * record of every step, the operator's approval (asked again until given) and lifting what the incident stopped.
 * Each protocol (incident-security-breach.ts, ...) reads top to bottom as the seed's list, calling these.
 */
export const incidentActivities = proxyActivities<IncidentActivities>({
  taskQueue: TASK_QUEUES.control,
  ...INCIDENT_STEP,
});
const { appendLedgerEntry } = ledgerOf('control');

/** Triggers kept in the status; recorded in the ledger; told apart (a storm beyond this is counted only). */
const KEEP_TRIGGERS = 20;
const RECORD_TRIGGERS = 100;
const DEDUPE_TRIGGERS = 1_000;

export type Incident = Awaited<ReturnType<typeof beginIncident>>;

/** Waits for the first trigger (it arrives with the start), records the opening, and returns the protocol's tools. */
export async function beginIncident(input: IncidentInput) {
  const { workflowId, runId } = workflowInfo();
  const status: IncidentStatus = {
    incidentId: workflowId,
    runId,
    type: input.type,
    cause: input.cause,
    stage: 'OPEN',
    openedAt: new Date(Date.now()).toISOString(),
    triggers: [],
    triggerCount: 0,
    steps: [],
    report: null,
    resolution: null,
  };
  const seen = new Set<string>();
  const unrecorded: IncidentTrigger[] = [];
  setHandler(incidentTriggerSignal, (trigger) => {
    if (seen.has(trigger.key)) return;
    if (seen.size < DEDUPE_TRIGGERS) seen.add(trigger.key);
    status.triggerCount += 1;
    if (status.triggers.length < KEEP_TRIGGERS) status.triggers.push(trigger);
    if (status.triggerCount <= RECORD_TRIGGERS) unrecorded.push(trigger);
  });
  setHandler(incidentStatusQuery, () => status);
  await condition(() => status.triggerCount > 0);

  const record = (kind: string, payload: { [key: string]: Json }, key: string) =>
    appendLedgerEntry({
      kind,
      account: SYSTEM_ACCOUNT,
      payload: { incidentId: workflowId, runId, ...payload },
      idempotencyKey: `${kind}:${runId}:${key}`,
    });
  const publish = (stage: IncidentStage) => {
    status.stage = stage;
    upsertSearchAttributes([
      { key: NemoDomain, value: 'control' },
      { key: NemoState, value: stage },
    ]);
    upsertMemo({
      summary:
        `${input.type} (${input.cause}): ${stage}; ${status.triggerCount} trigger(s); ${status.triggers[0]!.summary}`.slice(
          0,
          500,
        ),
    });
  };

  const first = status.triggers[0]!;
  unrecorded.shift();
  await record(
    'incident.opened',
    { type: input.type, cause: input.cause, trigger: JSON.parse(JSON.stringify(first)) },
    'opened',
  );
  publish('OPEN');

  // Later triggers of the cause are recorded as they come, beside whatever step the protocol is in.
  let closing = false;
  let recorded = 1;
  const recorder = (async () => {
    for (;;) {
      await condition(() => unrecorded.length > 0 || closing);
      if (unrecorded.length === 0) return;
      const trigger = unrecorded.shift()!;
      recorded += 1;
      await record('incident.trigger', { trigger: JSON.parse(JSON.stringify(trigger)) }, String(recorded));
    }
  })();

  /** Runs one protocol step; its outcome goes to the status, the ledger and the report. */
  async function step<T>(name: string, run: () => Promise<T>, describe: (result: T) => string): Promise<T> {
    const result = await run();
    const entry = { step: name, at: new Date(Date.now()).toISOString(), outcome: describe(result) };
    status.steps.push(entry);
    await record('incident.step', { ...entry }, String(status.steps.length));
    return result;
  }

  /**
   * seed: "Await explicit approval to resume". The operator approves with `nemo incident resolve ID --reason ...`,
   * `nemo approve`, or by SMS. A rejection or an unanswered request keeps everything stopped and asks again, so the
   * incident always holds a pending request the operator can act on.
   */
  async function awaitResolution(ask: {
    summary: string;
    what: string;
    why: string;
    limits: string;
  }): Promise<{ by: string; reason: string }> {
    publish('AWAITING_APPROVAL');
    for (let round = 1; ; round += 1) {
      const decision = await awaitOperatorDecision(
        {
          kind: 'incident',
          subject: workflowId.slice(0, 200),
          summary: ask.summary.slice(0, 500),
          details: { what: ask.what, why: ask.why, limits: ask.limits, incidentId: workflowId, round },
        },
        input.approvalTimeout as '24h',
      );
      if (decision.outcome === 'approved')
        return {
          by: decision.by ?? 'operator',
          reason: decision.reason?.trim() || `approved the resolution of ${workflowId}`,
        };
      await step(
        `approval request ${round}`,
        async () => decision,
        (d) =>
          d.outcome === 'rejected'
            ? `rejected by ${d.by ?? 'the operator'} (${d.reason ?? 'no reason'}): everything stays stopped; asked again`
            : `expired unanswered after ${input.approvalTimeout}: everything stays stopped; asked again`,
      );
    }
  }

  /** Lifts what this incident stopped (never a SHUTDOWN, an operator's halt, or what another open incident holds). */
  async function resume(
    approval: { by: string; reason: string },
    domains: TradingDomain[],
    tripped: string[],
  ): Promise<ResumeOutcome[]> {
    return step(
      'resume trading',
      () => incidentActivities.resumeGuardians({ incidentId: workflowId, runId, ...approval, tripped, domains }),
      (outcomes) =>
        outcomes.length === 0
          ? 'no guardian is running'
          : outcomes
              .map(
                (o) =>
                  `${o.account}: ${o.action === 'resume' ? (o.applied ? `resumed, now ${o.status}` : `resume refused: ${o.refused}`) : `${o.action} (${o.why})`}`,
              )
              .join('; '),
    );
  }

  /** Records the end of the incident and stops taking triggers into it (later ones open a new run). */
  async function finish(
    outcome: IncidentOutcome['outcome'],
    approval: { by: string; reason: string } | undefined,
    resumed: ResumeOutcome[],
  ): Promise<IncidentOutcome> {
    closing = true;
    await recorder;
    status.resolution = approval ? { ...approval, at: new Date(Date.now()).toISOString(), resumed } : null;
    await record(
      'incident.resolved',
      {
        outcome,
        by: approval?.by ?? null,
        reason: approval?.reason ?? null,
        resumed: JSON.parse(JSON.stringify(resumed)),
        triggers: status.triggerCount,
      },
      'resolved',
    );
    publish(outcome === 'resolved' ? 'RESOLVED' : 'RECOVERED');
    return { incidentId: workflowId, runId, outcome, ...approval, resumed };
  }

  /** Writes the report (Markdown and HTML) and records where it is. */
  async function report(
    title: string,
    tables: { heading: string; columns: string[]; rows: (string | number)[][] }[],
    measures: string[],
    nextStep: string,
  ) {
    const files = await step(
      'incident report',
      () =>
        incidentActivities.writeIncidentReport({
          incidentId: workflowId,
          runId,
          title,
          openedAt: status.openedAt,
          triggers: status.triggers,
          triggerCount: status.triggerCount,
          steps: status.steps,
          tables,
          measures,
          nextStep,
        }),
      (f) => `written to ${f.markdown} and ${f.html}`,
    );
    status.report = files;
    return files;
  }

  return { status, first, step, awaitResolution, resume, finish, report, incidentId: workflowId, runId };
}

/** The accounts whose breaker trips are among the incident's triggers. */
export function trippedAccounts(incident: Incident): string[] {
  return [
    ...new Set(incident.status.triggers.filter((t) => t.type === 'financial-loss' && t.account).map((t) => t.account!)),
  ];
}
