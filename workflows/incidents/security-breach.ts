import { proxyActivities } from '@temporalio/workflow';
import type { KeyActivities } from '../../activities/security/keys';
import { TASK_QUEUES } from '../../policies/domains';
import { INCIDENT_STEP } from '../activity-options';
import { raiseAlert } from '../operations/alerts';
import type { IncidentInput, IncidentOutcome } from '../../contracts/incidents';
import { beginIncident, incidentActivities } from './incident-protocol';

const { revokeVenueKeys } = proxyActivities<KeyActivities>({ taskQueue: TASK_QUEUES.control, ...INCIDENT_STEP });

/**
 * seed "Security Breach Protocol": 1. immediate halt of all operations; 2. revoke all API keys; 3. alert the
 * operator by SMS (critical); 4. generate the incident report; 5. await explicit approval to resume.
 * Triggers: domain violations, injection attempts caught by the screening gate, approval signals no operator sent.
 */
export async function securityBreach(input: IncidentInput): Promise<IncidentOutcome> {
  const incident = await beginIncident(input);
  const why = incident.first.summary;

  // 1. Every guardian, live and paper, HALTED: no new orders, working orders cancelled.
  const halted = await incident.step(
    'halt all trading',
    () =>
      incidentActivities.haltGuardians({
        incidentId: incident.incidentId,
        reason: `security breach: ${why}`,
        domains: ['live', 'paper'],
        onlyAdmitting: false,
      }),
    (results) =>
      results.length === 0
        ? 'no guardian is running'
        : results.map((r) => `${r.account}: ${r.before} -> ${r.after}`).join('; '),
  );

  // 2. Every live venue key revoked in the vault at once, and deleted at the venue where it can be.
  const revoked = await incident.step(
    'revoke all venue keys',
    () => revokeVenueKeys({ reason: `${incident.incidentId}: ${why}`.slice(0, 500) }),
    (results) =>
      results.length === 0
        ? 'no venue key in the vault (SIMULATED mode, or already revoked)'
        : results
            .map((r) => `${r.name}: revoked, venue ${r.venue}${r.venueError ? ` (${r.venueError})` : ''}`)
            .join('; '),
  );

  // 3. The operator, by SMS and email.
  await incident.step(
    'critical alert',
    () =>
      raiseAlert({
        severity: 'critical',
        title: `SECURITY BREACH: trading halted, ${revoked.length} key(s) revoked`,
        body: `${why}\nIncident ${incident.incidentId}. Halted: ${halted.map((h) => h.account).join(', ') || 'no guardian running'}. Revoked: ${revoked.map((r) => r.name).join(', ') || 'none'}. See \`nemo incident show ${incident.incidentId}\`.`,
        dedupeKey: incident.incidentId,
      }),
    (receipt) => `alert ${receipt.outcome} (ledger seq ${receipt.seq})`,
  );

  // 4. The report.
  const nextStep = `Find how it happened before resuming. Issue new venue keys and add them (\`nemo keys add NAME\`), then resolve: \`nemo incident resolve ${incident.incidentId} --reason "..."\`. Resolving resumes only what this incident halted.`;
  await incident.report(
    `Security breach: ${input.cause}`,
    [
      {
        heading: 'Trading halted',
        columns: ['account', 'before', 'after'],
        rows: halted.map((h) => [h.account, h.before, h.after]),
      },
      {
        heading: 'Keys revoked',
        columns: ['vault entry', 'revoked at', 'at the venue', 'venue error'],
        rows: revoked.map((r) => [r.name, r.revokedAt, r.venue, r.venueError ?? '']),
      },
    ],
    [],
    nextStep,
  );

  // 5. Explicit approval, then resume what this incident halted.
  const approval = await incident.awaitResolution({
    summary: `Security breach (${input.cause}): trading halted, keys revoked. Approve to resume trading.`,
    what: `resume the trading this incident halted (${
      halted
        .filter((h) => h.signalled)
        .map((h) => h.account)
        .join(', ') || 'none'
    })`,
    why,
    limits: 'resumes only accounts halted by incident response; revoked keys stay revoked (add new ones first)',
  });
  const resumed = await incident.resume(approval, ['live', 'paper'], []);
  return incident.finish('resolved', approval, resumed);
}
