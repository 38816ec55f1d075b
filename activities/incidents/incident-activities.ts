import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Json } from '../../ledger/canonical-json';
import { latestEntry, ledgerHead, readEntries } from '../../ledger/ledger-store';
import { enterSafeMode, leaveSafeMode } from '../../platform/safe-mode';
import { DEFAULT_LIMITS, type TradingDomain } from '../../policies/limits';
import { closingEstimate, type AccountEvaluation } from '../../policies/incident-evaluation';
import { resumePlan, type AccountCondition } from '../../policies/incident-resume';
import { incidentScope, INCIDENT_WORKFLOW_TYPES, type IncidentTrigger } from '../../policies/incident-triggers';
import { writeIncidentReport, type IncidentReportData } from '../../reporting/ops-incident-report';
import type { WorkerContext } from '../../platform/worker-context';
import { incidentSignal, operatorCommandUpdate } from '../../contracts/guardian';
import type { ResumeOutcome } from '../../contracts/incidents';
import type { VenuePorts } from '../venues/credentials';
import { guardianAccount, guardiansOf, queryGuardian } from './guardians';
import { openIncidentFor } from './open-incident';

/**
 * The control domain's incident-response activities: open an incident (or add to the open one), stop and lift the
 * portfolio guardians, evaluate open positions against the venue's books, safe mode, error context and the report.
 * Guardians are reached by signal (a stop is delivered even while a guardian's worker is down) and by update (a
 * resume is confirmed or refused by the guardian itself).
 */
export interface HaltResult {
  account: string;
  before: string;
  after: string;
  signalled: boolean;
}

export interface IncidentActivityDeps {
  ctx: WorkerContext;
  /** The control domain's read-only venue ports (production books). */
  ports: VenuePorts;
}

const STOPPED = new Set(['HALTED', 'SHUTDOWN', 'PAUSED']);
const STOP_WAIT_MS = 20_000;
/**
 * Why the guardian is in `status`, from its last recorded transition. A guardian records a transition after the
 * mark it is in finishes, and a mark waits on its venue: halted during a venue outage, its record lands only once the
 * venue answers again. A HALTED guardian's record is therefore waited for (bounded); without it the cause is unknown
 * and resumePlan keeps the account stopped (fail safe).
 */
async function causeOfStatus(
  pool: WorkerContext['ledgerPool'],
  account: string,
  status: string,
): Promise<string | undefined> {
  const deadline = Date.now() + RECORD_WAIT_MS;
  for (;;) {
    const transition = (await latestEntry(pool, 'guardian.transition', account))?.payload.transition as
      { to?: string; cause?: string } | undefined;
    if (transition?.to === status) return transition.cause;
    if (status !== 'HALTED' || Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** How long a HALTED guardian's transition may take to reach the ledger (found by `nemo drill outage`). */
const RECORD_WAIT_MS = 60_000;

/** Running incident workflows other than `except`, by id. */
async function openIncidents(client: Client, except?: string): Promise<string[]> {
  const types = Object.values(INCIDENT_WORKFLOW_TYPES)
    .map((t) => `'${t}'`)
    .join(', ');
  const ids: string[] = [];
  for await (const run of client.workflow.list({
    query: `WorkflowType IN (${types}) AND ExecutionStatus = 'Running'`,
  })) {
    if (run.workflowId !== except) ids.push(run.workflowId);
  }
  return ids;
}

export function createIncidentActivities({ ctx, ports }: IncidentActivityDeps) {
  const client = ctx.temporal;

  /**
   * Waits until the guardian is stopped and, for a new halt, has cancelled its working orders (its ledger says so),
   * so the protocol's next step (a key revocation) cannot cut the guardian off in the middle of its own stop.
   */
  async function waitForStop(
    workflowId: string,
    account: string,
    afterSeq: number,
    expectCancel: boolean,
  ): Promise<string> {
    const deadline = Date.now() + STOP_WAIT_MS;
    for (;;) {
      const status = (await queryGuardian(client, workflowId))?.trading.status;
      const cancelled =
        !expectCancel ||
        (await readEntries(ctx.ledgerPool, { kind: 'guardian.orders-cancelled', account, afterSeq, limit: 1 })).length >
          0;
      if (status && STOPPED.has(status) && cancelled) return status;
      if (Date.now() > deadline) {
        if (!status) return 'unknown (signalled; its worker does not answer)';
        return STOPPED.has(status)
          ? `${status} (working orders not confirmed cancelled yet)`
          : `${status} (the stop was signalled and is not applied yet)`;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    /** capability guardian.signal: open the incident of the trigger's cause, or add the trigger to the open one. */
    async openIncident(trigger: IncidentTrigger): Promise<{ incidentId: string; runId: string }> {
      return openIncidentFor(client, ctx.config, trigger);
    },

    /**
     * capability guardian.signal: stops new positions on every running guardian of `domains` (seed: "Immediate halt
     * of all operations", "Stop all new positions") with the guardian's incident event: HALTED, working orders
     * cancelled, risk-reducing orders still allowed. `onlyAdmitting` leaves an account a breaker already stopped as
     * it is, so a daily-loss PAUSE keeps its meaning.
     */
    async haltGuardians(request: {
      incidentId: string;
      reason: string;
      domains: TradingDomain[];
      onlyAdmitting: boolean;
    }): Promise<HaltResult[]> {
      const results: HaltResult[] = [];
      for (const guardian of await guardiansOf(client, request.domains)) {
        const account = guardianAccount(guardian);
        const before = (await queryGuardian(client, guardian.workflowId))?.trading.status ?? 'unknown';
        if (request.onlyAdmitting && STOPPED.has(before)) {
          results.push({ account, before, after: before, signalled: false });
          continue;
        }
        const { seq } = await ledgerHead(ctx.ledgerPool);
        await client.workflow
          .getHandle(guardian.workflowId)
          .signal(incidentSignal, { source: request.incidentId, description: request.reason });
        const expectCancel = before !== 'HALTED' && before !== 'SHUTDOWN';
        results.push({
          account,
          before,
          after: await waitForStop(guardian.workflowId, account, seq, expectCancel),
          signalled: true,
        });
      }
      return results;
    },

    /**
     * capability account.read (seed: "Evaluate open positions"): each account's figures from its guardian, and each
     * position priced against the venue's book as closing it now would fetch. The control domain reads production
     * books only; paper positions are listed unpriced.
     */
    async evaluateAccounts(request: { domains: TradingDomain[] }): Promise<AccountEvaluation[]> {
      const evaluations: AccountEvaluation[] = [];
      for (const guardian of await guardiansOf(client, request.domains)) {
        const account = guardianAccount(guardian);
        const status = await queryGuardian(client, guardian.workflowId);
        if (!status) {
          evaluations.push({
            account,
            status: 'unknown',
            equityCents: 0,
            dayBaselineCents: 0,
            startingValueCents: 0,
            exposureCents: 0,
            exposureLimitCents: 0,
            limits: DEFAULT_LIMITS,
            positions: [],
            note: 'its guardian did not answer: figures unknown',
          });
          continue;
        }
        const port = guardian.domain === 'live' ? ports[guardian.venue] : undefined;
        const positions = [];
        const unpriced: string[] = [];
        for (const position of status.positions) {
          try {
            if (!port) throw new Error('the control domain reads production books only');
            positions.push(closingEstimate(position, await port.getOrderBook(position.market, 50)));
          } catch (err) {
            unpriced.push(`${position.market} (${(err as Error).message})`);
          }
        }
        evaluations.push({
          account,
          status: status.trading.status,
          equityCents: status.trading.equityCents,
          dayBaselineCents: status.trading.dayBaselineCents,
          startingValueCents: status.trading.startingValueCents,
          exposureCents: status.exposure.committedCents + status.exposure.reservedCents,
          exposureLimitCents: status.exposure.limitCents,
          limits: status.policy.limits,
          positions,
          ...(unpriced.length ? { note: `not priced: ${unpriced.join('; ')}` } : {}),
        });
      }
      return evaluations;
    },

    /**
     * capability guardian.signal: once the operator approved, lifts what this incident stopped and nothing else
     * (policies/incident-resume.ts), as a resume update naming the approver and the reason, so each guardian
     * records who lifted it and can refuse (a SHUTDOWN, a loss still past a limit).
     */
    async resumeGuardians(request: {
      incidentId: string;
      runId: string;
      by: string;
      reason: string;
      tripped: string[];
      domains: TradingDomain[];
    }): Promise<ResumeOutcome[]> {
      const guardians = await guardiansOf(client, request.domains);
      const others = await openIncidents(client, request.incidentId);
      const conditions: AccountCondition[] = [];
      const outcomes: ResumeOutcome[] = [];
      for (const guardian of guardians) {
        const account = guardianAccount(guardian);
        const status = await queryGuardian(client, guardian.workflowId);
        if (!status) {
          outcomes.push({
            account,
            action: 'keep',
            why: 'its guardian did not answer: lift it with `nemo resume` once it runs',
            status: 'unknown',
          });
          continue;
        }
        conditions.push({
          account,
          status: status.trading.status,
          lastCause: await causeOfStatus(ctx.ledgerPool, account, status.trading.status),
        });
      }
      const heldByOthers = Object.fromEntries(
        conditions.map((c) => [
          c.account,
          others.filter((id) => incidentScope(id).includes(c.account.split(':')[0] as TradingDomain)),
        ]),
      );
      for (const step of resumePlan({ accounts: conditions, tripped: request.tripped, heldByOthers })) {
        if (step.action !== 'resume') {
          outcomes.push({ ...step, status: conditions.find((c) => c.account === step.account)!.status });
          continue;
        }
        const guardian = guardians.find((g) => guardianAccount(g) === step.account)!;
        const result = await client.workflow.getHandle(guardian.workflowId).executeUpdate(operatorCommandUpdate, {
          args: [{ action: 'resume', by: request.by, reason: request.reason }],
          // A retried activity gets the guardian's first answer instead of resuming twice.
          updateId: `incident-resume:${request.incidentId}:${request.runId}:${step.account}`,
        });
        outcomes.push({ ...step, applied: result.applied, refused: result.refused, status: result.status });
      }
      return outcomes;
    },

    /** capability ledger.read: what the ledger says happened around a technical failure (seed: "Log full error context"). */
    async gatherErrorContext(request: { since: string }): Promise<{ [key: string]: Json }> {
      const since = new Date(request.since);
      const pick = async (kind: string, limit: number) =>
        (await readEntries(ctx.ledgerPool, { kind, since, limit: 500 }))
          .slice(-limit)
          .map((e) => ({ seq: e.seq, at: e.recordedAt, ...e.payload }));
      const heartbeat = await latestEntry(ctx.ledgerPool, 'heartbeat');
      return {
        since: request.since,
        healthChecks: await pick('health.check', 5),
        workerRestarts: await pick('worker.restarted', 20),
        workerFailures: await pick('incident.technical-failure', 5),
        lastHeartbeat: heartbeat
          ? { seq: heartbeat.seq, at: heartbeat.recordedAt, workersDown: heartbeat.payload.workersDown ?? null }
          : null,
        openIncidents: await openIncidents(client),
      };
    },

    /** capability guardian.signal (seed: "Enter safe mode (monitoring only)"): `nemo status` shows it until cleared. */
    async enterSafeMode(request: { incidentId: string; reason: string }): Promise<{ since: string }> {
      return enterSafeMode(ctx.home, request.reason, request.incidentId);
    },

    /** capability guardian.signal: safe mode ends with the last open technical failure the operator resolves. */
    async leaveSafeMode(request: { incidentId: string }): Promise<{ left: boolean; heldBy: string[] }> {
      const heldBy = (await openIncidents(client, request.incidentId)).filter((id) =>
        id.startsWith('incident/technical-failure/'),
      );
      if (heldBy.length === 0) leaveSafeMode(ctx.home);
      return { left: heldBy.length === 0, heldBy };
    },

    /** capability reports.write (seed: "Generate incident report"): Markdown and HTML under NEMO_HOME/reports/incidents. */
    async writeIncidentReport(data: IncidentReportData): Promise<{ markdown: string; html: string }> {
      const dir = path.join(
        ctx.home.reports,
        'incidents',
        `${data.incidentId.replace(/[^\w.-]+/g, '_')}_${data.runId.slice(0, 8)}`,
      );
      const files = writeIncidentReport(dir, data);
      return { markdown: files.markdown, html: files.html };
    },
  };
}

export type IncidentActivities = ReturnType<typeof createIncidentActivities>;
