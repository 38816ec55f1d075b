import type { Json } from '../ledger/canonical-json';
import type { LedgerEntry } from '../ledger/entry';
import type { TradingDomain } from './limits';

/**
 * What opens an incident, and which one (seed "Incident Response"). Every trigger names its incident type and its
 * cause; the incident's workflow id is derived from both (`incident/<type>/<cause>`), so a second trigger of the same
 * cause lands in the incident already open instead of opening another (no storm of duplicates). A cause is a class
 * of failure ("domain-violation", "loss/live:kalshi"), not one occurrence: occurrences are told apart by their key.
 */
export const INCIDENT_TYPES = ['security-breach', 'financial-loss', 'technical-failure'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** The workflow type that runs each incident's protocol (control domain). */
export const INCIDENT_WORKFLOW_TYPES: Readonly<Record<IncidentType, string>> = {
  'security-breach': 'securityBreach',
  'financial-loss': 'financialLoss',
  'technical-failure': 'technicalFailure',
};

export interface IncidentTrigger {
  type: IncidentType;
  /** The class of failure; one incident per cause while it is open. */
  cause: string;
  /** Unique per occurrence (a ledger idempotency key, a workflow run): the same occurrence counts once. */
  key: string;
  /** Where the trigger came from: a ledger kind, 'health-check', 'heartbeat', 'reconciliation', 'supervisor'. */
  source: string;
  /** One line for the operator. */
  summary: string;
  /** ISO time of the occurrence. */
  at: string;
  /** The trading account concerned, for financial losses (e.g. live:kalshi). */
  account?: string;
  /** The facts, for the incident report. */
  details: { [key: string]: Json };
}

// '+' joins several failing dependencies into one cause (failedHealthTrigger).
const CAUSE = /^[a-z][a-z0-9-]*(\/[A-Za-z0-9:._+-]+)*$/;

export class IncidentInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentInputError';
  }
}

export function incidentId(type: IncidentType, cause: string): string {
  if (!INCIDENT_TYPES.includes(type))
    throw new IncidentInputError(`incident type "${type}" is not one of ${INCIDENT_TYPES.join(', ')}`);
  if (!CAUSE.test(cause) || cause.length > 120) {
    throw new IncidentInputError(
      `incident cause "${cause}" must be lowercase words with '/'-separated parts (letters, digits, ':._+-'), at most 120 characters`,
    );
  }
  return `incident/${type}/${cause}`;
}

export function parseIncidentId(id: string): { type: IncidentType; cause: string } | undefined {
  const match = /^incident\/([a-z-]+)\/(.+)$/.exec(id);
  if (!match || !INCIDENT_TYPES.includes(match[1] as IncidentType)) return undefined;
  return { type: match[1] as IncidentType, cause: match[2]! };
}

/** Checks a trigger from outside a workflow (the CLI, the supervisor, an activity's caller); throws naming the problem. */
export function checkTrigger(trigger: IncidentTrigger): IncidentTrigger {
  incidentId(trigger.type, trigger.cause);
  if (!trigger.key || trigger.key.length > 300)
    throw new IncidentInputError('incident trigger key must be 1 to 300 characters');
  if (!trigger.summary.trim()) throw new IncidentInputError('incident trigger summary must not be empty');
  if (Number.isNaN(Date.parse(trigger.at)))
    throw new IncidentInputError(`incident trigger time "${trigger.at}" is not an ISO time`);
  if (trigger.account !== undefined && !/^(live|paper):(kalshi|coinbase)$/.test(trigger.account)) {
    throw new IncidentInputError(`incident trigger account "${trigger.account}" must be live|paper:kalshi|coinbase`);
  }
  return trigger;
}

/** The trading domains an incident stops: breaches and technical failures stop everything, a loss its own domain. */
export function incidentScope(id: string): TradingDomain[] {
  const parsed = parseIncidentId(id);
  if (parsed?.type !== 'financial-loss') return ['live', 'paper'];
  const account = parsed.cause.split('/').at(-1) ?? '';
  return account.startsWith('paper:') ? ['paper'] : ['live'];
}

const text = (value: Json | undefined, fallback = '?') => (typeof value === 'string' && value ? value : fallback);
const slug = (value: string) => value.replace(/[^A-Za-z0-9:._-]+/g, '-').slice(0, 60) || 'unknown';

/**
 * The incident a ledger entry calls for, if any:
 * - a domain violation (a workflow used a capability its domain lacks), an injection attempt caught by the screening
 *   gate, or an approval signal no operator channel recorded: a security breach (seed: never ignore security alerts);
 * - a breaker trip (a guardian entering PAUSED or SHUTDOWN): a financial loss of that account.
 * Transitions NEMO makes itself (HALTED by an incident or the operator, REDUCING while reconciling) call for none.
 */
export function triggerFromLedgerEntry(entry: LedgerEntry): IncidentTrigger | undefined {
  const p = entry.payload;
  const base = {
    key: entry.idempotencyKey,
    source: entry.kind,
    at: entry.recordedAt,
    details: { seq: entry.seq, ...p },
  };
  switch (entry.kind) {
    case 'security.domain-violation':
      return {
        ...base,
        type: 'security-breach',
        cause: 'domain-violation',
        summary: `domain violation: ${text(p.workflowType)} tried ${text(p.activityType)} on the ${text(p.hostDomain)} worker (${text(p.reason)})`,
      };
    case 'security.injection-detected':
      return {
        ...base,
        type: 'security-breach',
        cause: 'injection-detected',
        summary: `prompt injection attempt quarantined from ${text(p.source)} (${text(p.verdict)})`,
      };
    case 'security.unverified-approval-signal':
      return {
        ...base,
        type: 'security-breach',
        cause: 'forged-approval-signal',
        summary: `an approval signal for #${String(p.approvalId)} that no operator channel recorded reached ${text(p.signalledWorkflow)}`,
      };
    case 'guardian.transition': {
      const transition = p.transition as { to?: string; reason?: string } | undefined;
      if (transition?.to !== 'PAUSED' && transition?.to !== 'SHUTDOWN') return undefined;
      return {
        ...base,
        type: 'financial-loss',
        cause: `loss/${entry.account}`,
        account: entry.account,
        summary: `${entry.account} ${transition.to}: ${text(transition.reason)}`,
      };
    }
    default:
      return undefined;
  }
}

/**
 * seed: "Heartbeat every 5 minutes". A heartbeat is missed when none was recorded within two intervals, counted
 * from the last heartbeat, or, before the first, from when the ledger began (so a fresh install is not flagged).
 */
export function heartbeatMissed(input: {
  now: number;
  intervalMs: number;
  lastHeartbeatAt?: number;
  ledgerSince?: number;
}): boolean {
  const since = input.lastHeartbeatAt ?? input.ledgerSince;
  return since !== undefined && input.now - since > 2 * input.intervalMs;
}

export function missedHeartbeatTrigger(input: {
  now: number;
  intervalMs: number;
  lastHeartbeatAt?: number;
  lastHeartbeatSeq?: number;
}): IncidentTrigger {
  const last = input.lastHeartbeatAt !== undefined ? new Date(input.lastHeartbeatAt).toISOString() : null;
  return {
    type: 'technical-failure',
    cause: 'heartbeat-missed',
    // One occurrence per silent stretch: every watch run during it re-delivers the same key.
    key: `heartbeat-missed:${input.lastHeartbeatSeq ?? 'none'}`,
    source: 'heartbeat',
    summary: last
      ? `no heartbeat since ${last} (expected every ${Math.round(input.intervalMs / 1000)} s)`
      : 'no heartbeat was ever recorded',
    at: new Date(input.now).toISOString(),
    details: { lastHeartbeatAt: last, lastHeartbeatSeq: input.lastHeartbeatSeq ?? null, intervalMs: input.intervalMs },
  };
}

/** Workflows that open their own incident when they fail (the watch does not open a second one for them). */
export const SELF_REPORTING_WORKFLOWS: readonly string[] = ['heartbeat'];

/** A workflow that failed (an activity failed past its retries, or the workflow threw): a technical failure of its type. */
export function failedWorkflowTrigger(run: {
  workflowType: string;
  workflowId: string;
  runId: string;
  closedAt: string;
  failure: string;
}): IncidentTrigger {
  return {
    type: 'technical-failure',
    cause: `workflow-failed/${slug(run.workflowType)}`,
    key: `workflow-failed:${run.workflowId}:${run.runId}`,
    source: 'workflow',
    summary: `${run.workflowType} ${run.workflowId} failed: ${run.failure.slice(0, 200)}`,
    at: run.closedAt,
    details: { ...run },
  };
}

/** A health check that found dependencies down: one incident per set of failing dependencies. */
export function failedHealthTrigger(
  report: { checkedAt: string; checks: { name: string; status: string; detail?: string }[] },
  key: string,
): IncidentTrigger {
  const down = report.checks.filter((c) => c.status !== 'up');
  const names = down.map((c) => slug(c.name)).sort();
  return {
    type: 'technical-failure',
    cause: `health/${names.join('+') || 'unknown'}`,
    key,
    source: 'health-check',
    summary: `health check: ${down.map((c) => `${c.name} down (${c.detail ?? 'no detail'})`).join('; ')}`,
    at: report.checkedAt,
    details: { checkedAt: report.checkedAt, down: down.map((c) => ({ name: c.name, detail: c.detail ?? null })) },
  };
}

/** The supervisor gave up on a worker process after its restarts (seed: max 3 attempts). */
export function workerFailureTrigger(failure: {
  worker: string;
  restarts: number;
  exitCode: number | null;
  signal: string | null;
  exitedAt: string;
  outputTail: string;
}): IncidentTrigger {
  return {
    type: 'technical-failure',
    cause: `worker/${slug(failure.worker)}`,
    key: `incident.technical-failure:${failure.worker}:${failure.exitedAt}`,
    source: 'supervisor',
    summary: `${failure.worker} worker failed after ${failure.restarts} restarts (last exit ${failure.signal ? `signal ${failure.signal}` : `code ${failure.exitCode}`})`,
    at: failure.exitedAt,
    details: { ...failure },
  };
}

/**
 * A worker was handed a payload it cannot decrypt (encrypted with a codec key it does not hold, e.g. a client with
 * another key file): the workflow cannot start or go on there, and without this nothing but the worker log says so.
 */
export function undecodablePayloadTrigger(failure: {
  domain: string;
  workflowId: string;
  error: string;
  at: string;
}): IncidentTrigger {
  return {
    type: 'technical-failure',
    cause: 'payload-undecodable',
    key: `payload-undecodable:${failure.domain}:${failure.workflowId}`.slice(0, 300),
    source: 'payload-codec',
    summary: `the ${failure.domain} worker cannot decode a payload of ${failure.workflowId}: ${failure.error.slice(0, 200)}`,
    at: failure.at,
    details: { ...failure },
  };
}

/** Differences the daily reconciliation confirmed between the ledger and the venue: a financial-loss incident. */
export function reconciliationTrigger(
  account: string,
  result: { seq: number; at: string; differences: number; rows: Json[] },
): IncidentTrigger {
  const first = result.rows[0] as { kind?: string; problem?: string; orderId?: string; market?: string } | undefined;
  const example = first
    ? `${first.kind}${first.problem ? ` ${first.problem}` : ''}${first.orderId ? ` order ${first.orderId}` : ''}${first.market ? ` in ${first.market}` : ''}`
    : '';
  return {
    type: 'financial-loss',
    cause: `reconciliation/${account}`,
    key: `reconciliation:${result.seq}`,
    source: 'reconciliation',
    account,
    summary: `${result.differences} difference(s) between the ledger and the venue for ${account}${example ? `, e.g. ${example}` : ''}`,
    at: result.at,
    details: { seq: result.seq, differences: result.differences, rows: result.rows },
  };
}

/** The heartbeat itself failed (an activity past its retries): restarting is running it again. */
export function failedHeartbeatTrigger(run: {
  workflowId: string;
  runId: string;
  at: string;
  failure: string;
}): IncidentTrigger {
  return {
    type: 'technical-failure',
    cause: 'heartbeat-failed',
    key: `heartbeat-failed:${run.workflowId}:${run.runId}`,
    source: 'heartbeat',
    summary: `the heartbeat failed: ${run.failure.slice(0, 200)}`,
    at: run.at,
    details: { ...run },
  };
}

/**
 * The ledger chain does not verify from the last published head (a row changed, removed, or rewritten without the
 * ledger key): a security breach. Found by the heartbeat (which then publishes nothing) or by the incident watch.
 */
export function ledgerBreakTrigger(found: {
  seq: number;
  reason: string;
  detail: string;
  at: string;
  source: 'heartbeat' | 'incident-watch';
  previous?: { seq: number; hash: string; publishedAt: string };
}): IncidentTrigger {
  return {
    type: 'security-breach',
    cause: 'ledger-rewritten',
    // The same break seen by every heartbeat and watch run is one occurrence.
    key: `ledger-break:${found.seq}:${found.reason}`,
    source: found.source,
    summary: `the ledger chain breaks at entry ${found.seq} (${found.reason}): ${found.detail}`,
    at: found.at,
    details: {
      seq: found.seq,
      reason: found.reason,
      detail: found.detail,
      lastPublished: found.previous ? { ...found.previous } : null,
    },
  };
}
