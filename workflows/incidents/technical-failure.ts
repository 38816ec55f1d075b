import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { executeChild, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { HealthActivities } from '../../activities/operations/health';
import type { RollbackActivities } from '../../activities/upgrade/rollback-activities';
import { TASK_QUEUES } from '../../policies/domains';
import type { IncidentTrigger } from '../../policies/incident-triggers';
import { HEALTH_PROBE, RELEASE_CONTROL } from '../activity-options';
import { raiseAlert } from '../operations/alerts';
import type { IncidentInput, IncidentOutcome } from '../../contracts/incidents';
import { beginIncident, incidentActivities } from './incident-protocol';

const { probeHealth } = proxyActivities<HealthActivities>({ taskQueue: TASK_QUEUES.control, ...HEALTH_PROBE });
const { rollBackToLastGoodVersion } = proxyActivities<RollbackActivities>({
  taskQueue: TASK_QUEUES.control,
  ...RELEASE_CONTROL,
});

/** seed: "Attempt automatic restart (max 3 times)". */
const MAX_RESTARTS = 3;
const CONTEXT_WINDOW_MS = 3_600_000;

interface RestartResult {
  recovered: boolean;
  attempts: number;
  summary: string;
}

/**
 * seed "Technical Failure Protocol": 1. attempt automatic restart (max 3 times); 2. log full error context;
 * 3. roll back to the last known good version; 4. alert the operator if 3 restarts fail; 5. enter safe mode
 * (monitoring only) until the operator clears it. When a restart brings back what failed, the incident closes as
 * recovered after step 2. Triggers: the supervisor giving up on a worker, failed health checks, missed heartbeats,
 * failed heartbeats, workflows failed by an activity past its retries, and payloads a worker cannot decode.
 */
export async function technicalFailure(input: IncidentInput): Promise<IncidentOutcome> {
  const incident = await beginIncident(input);
  const failure = incident.first;

  // 1. Restart what can be restarted, at most 3 times.
  const restart = await incident.step(
    'automatic restart',
    () => attemptRestarts(failure, incident.incidentId, input.retryDelay),
    (r) => r.summary,
  );

  // 2. Everything the ledger knows around the failure, in the ledger and the log.
  const since = new Date(Date.parse(failure.at) - CONTEXT_WINDOW_MS).toISOString();
  await incident.step(
    'log full error context',
    async () => {
      const context = await incidentActivities.gatherErrorContext({ since });
      log.error('technical failure', {
        incidentId: incident.incidentId,
        failure: failure.summary,
        details: failure.details,
        context,
      });
      return context;
    },
    (context) => JSON.stringify({ failure: failure.details, ...context }).slice(0, 4000),
  );
  if (restart.recovered) return incident.finish('recovered', undefined, []);

  // 3. The last known good version, if one exists (the self-upgrade domain's rollback; it records what it did).
  const rollback = await incident.step(
    'roll back to the last known good version',
    () => rollBackSafely(`${incident.incidentId}: ${failure.summary}`.slice(0, 500)),
    (r) => r,
  );

  // 4. The operator: restarts did not bring it back.
  await incident.step(
    'alert: restarts failed',
    () =>
      raiseAlert({
        severity: 'critical',
        title: `TECHNICAL FAILURE: ${input.cause}`,
        body: `${failure.summary}\nRestarts: ${restart.summary}\nRollback: ${rollback}\nNEMO enters safe mode (monitoring only) until you resolve ${incident.incidentId}.`,
        dedupeKey: incident.incidentId,
      }),
    (receipt) => `alert ${receipt.outcome} (ledger seq ${receipt.seq})`,
  );

  // 5. Safe mode: monitoring only, every guardian HALTED, until the operator clears it.
  await incident.step(
    'enter safe mode',
    () => incidentActivities.enterSafeMode({ incidentId: incident.incidentId, reason: failure.summary }),
    (m) => `safe mode since ${m.since}`,
  );
  const halted = await incident.step(
    'halt all trading (monitoring only)',
    () =>
      incidentActivities.haltGuardians({
        incidentId: incident.incidentId,
        reason: `technical failure, safe mode: ${failure.summary}`,
        domains: ['live', 'paper'],
        onlyAdmitting: false,
      }),
    (results) =>
      results.length === 0
        ? 'no guardian is running'
        : results.map((r) => `${r.account}: ${r.before} -> ${r.after}`).join('; '),
  );
  await incident.report(
    `Technical failure: ${input.cause}`,
    [
      {
        heading: 'Failure',
        columns: ['what', 'detail'],
        rows: Object.entries(failure.details).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      },
      {
        heading: 'Trading halted (safe mode)',
        columns: ['account', 'before', 'after'],
        rows: halted.map((h) => [h.account, h.before, h.after]),
      },
    ],
    [],
    `Fix the cause (see the error context), check \`nemo status\` and \`nemo incident health\`, then resolve: \`nemo incident resolve ${incident.incidentId} --reason "..."\`. Resolving clears safe mode and resumes what this incident halted.`,
  );

  const approval = await incident.awaitResolution({
    summary: `Technical failure (${input.cause}): NEMO is in safe mode. Approve to clear it and resume trading.`,
    what: 'clear safe mode and resume the trading this incident halted',
    why: failure.summary,
    limits: 'resumes only accounts halted by incident response; another open technical failure keeps safe mode',
  });
  await incident.step(
    'leave safe mode',
    () => incidentActivities.leaveSafeMode({ incidentId: incident.incidentId }),
    (r) => (r.left ? 'safe mode cleared' : `safe mode kept: ${r.heldBy.join(', ')} still open`),
  );
  const resumed = await incident.resume(approval, ['live', 'paper'], []);
  return incident.finish('resolved', approval, resumed);
}

/**
 * A failed health dependency is checked again, a missed heartbeat is run again, up to 3 times each. A worker the
 * supervisor gave up on was already restarted 3 times (its history is in the trigger); a failed workflow's
 * activities were already retried by their retry policies: neither is restarted again here.
 */
async function attemptRestarts(
  failure: IncidentTrigger,
  incidentId: string,
  retryDelay: string,
): Promise<RestartResult> {
  if (failure.source === 'supervisor') {
    return {
      recovered: false,
      attempts: Number(failure.details.restarts ?? MAX_RESTARTS),
      summary: `the supervisor restarted the worker ${String(failure.details.restarts)} times; it kept failing (last exit ${String(failure.details.signal ?? failure.details.exitCode)})`,
    };
  }
  if (failure.source === 'payload-codec') {
    return {
      recovered: false,
      attempts: 0,
      summary:
        'not restartable: a restart gives the worker no other key; its workflow task is retried by Temporal and goes on once the worker holds the key',
    };
  }
  if (failure.source !== 'health-check' && failure.source !== 'heartbeat') {
    return {
      recovered: false,
      attempts: 0,
      summary: 'not restartable: its activities were already retried by their retry policies',
    };
  }
  const down = ((failure.details.down as { name: string }[] | undefined) ?? []).map((d) => d.name);
  for (let attempt = 1; attempt <= MAX_RESTARTS; attempt += 1) {
    await sleep(retryDelay as '30s');
    if (failure.source === 'health-check') {
      const report = await probeHealth();
      const still = report.checks.filter((c) => down.includes(c.name) && c.status !== 'up');
      if (still.length === 0)
        return {
          recovered: true,
          attempts: attempt,
          summary: `${down.join(', ')} up again at check ${attempt} of ${MAX_RESTARTS}`,
        };
      continue;
    }
    try {
      await executeChild('heartbeat', {
        workflowId: `${incidentId}/heartbeat-${attempt}`,
        taskQueue: TASK_QUEUES.control,
      });
      return {
        recovered: true,
        attempts: attempt,
        summary: `heartbeat ran again at attempt ${attempt} of ${MAX_RESTARTS}`,
      };
    } catch (err) {
      log.warn('heartbeat restart failed', { attempt, error: (err as Error).message });
    }
  }
  return {
    recovered: false,
    attempts: MAX_RESTARTS,
    summary: `${failure.source === 'health-check' ? `${down.join(', ')} still down` : 'the heartbeat still fails'} after ${MAX_RESTARTS} attempts, ${retryDelay} apart`,
  };
}

/** A rollback that cannot happen is recorded, never allowed to stop safe mode. */
async function rollBackSafely(reason: string): Promise<string> {
  try {
    return (await rollBackToLastGoodVersion({ reason })).message;
  } catch (err) {
    const cause =
      err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
        ? err.cause.message
        : (err as Error).message;
    return `rollback failed: ${cause}`;
  }
}
