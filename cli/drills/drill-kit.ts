import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { listPending } from '../../platform/approvals/approvals-store';
import { guardianStatuses } from '../../platform/running-guardians';
import { guardianWorkflowId, operatorCommandUpdate } from '../../contracts/guardian';
import { incidents } from '../commands/incident';
import { decideApproval } from '../../platform/approvals/approvals-decision';
import { recentAlerts, type SentAlert } from '../../platform/alerts/alert-ledger';
import { appendEntry, ledgerHead } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { nemoHome, type NemoHome } from '../../platform/nemo-home';
import { hasVenueKeys, simulatedVenuesFile } from '../../workers/simulated-venues';
import { openVault } from '../../platform/vault/vault';
import { readLoopbackInbox } from '../../simulators/alert-channels';
import { dollarsToCents, centsToDollars, type Cents } from '../../policies/money';
import { KalshiControlClient } from '../../simulators/kalshi/control-client';
import { CoinbaseControlClient } from '../../simulators/coinbase/control-client';
import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import { readVenueDescription, type VenueDescription } from '../../platform/venue-description';
import { readStackDescription, type StackDescription } from '../../platform/stack-description';

/**
 * What every drill shares: the running SIMULATED stack it works on (found from NEMO_HOME, control token included),
 * checks with a pass/fail and what was seen, waiting without a fixed sleep, and the report in NEMO_HOME/reports.
 */

export const DRILLS = ['loss', 'total-loss', 'outage', 'crash', 'restore', 'injection'] as const;
export type DrillName = (typeof DRILLS)[number];

export interface DrillCheck {
  name: string;
  pass: boolean;
  detail: string;
}

export interface DrillReport {
  drill: DrillName;
  account: string | null;
  startedAt: string;
  finishedAt: string;
  passed: boolean;
  /** What NEMO did in answer to the drill. */
  checks: DrillCheck[];
  /** What the drill put back afterwards. */
  restored: DrillCheck[];
}

/** A drill that must not run here (real venues, NEMO not running): said before anything is touched. */
export class DrillRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillRefused';
  }
}

export interface DrillContext {
  config: NemoConfig;
  home: NemoHome;
  stack: StackDescription;
  venues: VenueDescription;
  controlToken: string;
  client: Client;
  pool: pg.Pool;
  /** How long to wait for each thing NEMO should do. */
  waitMs: number;
  say(line: string): void;
}

/** The running stack, if it trades the SIMULATED venues only; refuses otherwise, naming why. */
export function simulatedStack(
  config: NemoConfig,
  env: NodeJS.ProcessEnv,
): { home: NemoHome; stack: StackDescription; venues: ReturnType<typeof readVenueDescription> } {
  const home = nemoHome(config.NEMO_HOME);
  if (hasVenueKeys(openVault(config, env))) {
    throw new DrillRefused(
      "drills run against the SIMULATED venues only, and this NEMO_HOME's vault holds real venue keys (kalshi.*/coinbase.*): run drills on a SIMULATED NEMO (another NEMO_HOME without venue keys)",
    );
  }
  const stack = readStackDescription(home);
  if (!stack)
    throw new DrillRefused(
      `NEMO is not running in ${home.root}: start it with \`nemo up\` (a drill works on the running SIMULATED stack)`,
    );
  if (stack.venues !== 'SIMULATED' || !existsSync(simulatedVenuesFile(home))) {
    throw new DrillRefused('drills run against the SIMULATED venues only, and the running NEMO trades real venues');
  }
  return { home, stack, venues: readVenueDescription(simulatedVenuesFile(home)) };
}

/** Polls `probe` until it gives a value or `timeoutMs` passes (then undefined: a failed check, not an error). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  pollMs = 1000,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export const check = (name: string, pass: boolean, detail: string): DrillCheck => ({ name, pass, detail });

/** Where the drill starts reading the ledger: entries after this sequence number are NEMO's answer. */
export async function ledgerMark(ctx: DrillContext): Promise<number> {
  return (await ledgerHead(ctx.pool)).seq;
}

/** Alerts recorded after `afterSeq` whose title matches. */
export async function alertsSince(ctx: DrillContext, afterSeq: number, title: RegExp): Promise<SentAlert[]> {
  return (await recentAlerts(ctx.pool, 200)).filter((a) => a.seq > afterSeq && title.test(a.title));
}

/**
 * The checks that an alert went out: recorded as delivered, and (SIMULATED loopback channels) received by the
 * loopback phone or mailbox.
 */
export async function alertChecks(
  ctx: DrillContext,
  afterSeq: number,
  what: string,
  title: RegExp,
): Promise<DrillCheck[]> {
  const alert = await waitFor(
    async () => (await alertsSince(ctx, afterSeq, title)).find((a) => a.outcome === 'delivered'),
    ctx.waitMs,
  );
  if (!alert) {
    const seen = await alertsSince(ctx, afterSeq, title);
    return [
      check(
        `alert: ${what}`,
        false,
        seen.length ? `recorded but ${seen[0]!.outcome}` : `no alert matching ${title} within ${ctx.waitMs / 1000} s`,
      ),
    ];
  }
  const checks = [
    check(
      `alert: ${what}`,
      true,
      `#${alert.seq} "${alert.title}" ${alert.severity}, ${alert.attempts.map((a) => `${a.channel} ${a.status}`).join(', ')}`,
    ),
  ];
  for (const channel of ctx.venues.alerts.channels) {
    if (!alert.attempts.some((a) => a.channel === channel && a.status === 'sent')) continue;
    const received = readLoopbackInbox(ctx.venues.alerts.inbox[channel]!).some((m) => m.text.includes(alert.title));
    checks.push(
      check(
        `alert received by the loopback ${channel === 'sms' ? 'phone' : 'mailbox'}`,
        received,
        received ? 'yes' : 'not in the inbox',
      ),
    );
  }
  return checks;
}

/** Resolves the incident's pending approval as the operator would (`nemo incident resolve`), once it waits for one. */
export async function resolveIncident(ctx: DrillContext, incidentId: string, reason: string): Promise<DrillCheck> {
  const pending = await waitFor(
    async () => (await listPending(ctx.pool)).find((a) => a.workflowId === incidentId),
    ctx.waitMs,
  );
  if (!pending) return check(`incident ${incidentId} resolved`, false, 'it never waited for the operator');
  const result = await decideApproval(
    { pool: ctx.pool, temporal: ctx.client },
    { approvalId: pending.id, approve: true, by: ctx.config.NEMO_OPERATOR, channel: 'cli', reason },
  );
  return check(
    `incident ${incidentId} resolved`,
    result.status === 'taken',
    result.status === 'taken' ? `by ${ctx.config.NEMO_OPERATOR}: ${reason}` : result.message,
  );
}

/** The first incident of this id opened after `afterSeq`. */
async function incidentOpened(
  ctx: DrillContext,
  afterSeq: number,
  incidentId: string,
): Promise<{ seq: number; runId: string } | undefined> {
  const { rows } = await ctx.pool.query<{ seq: string; run_id: string }>(
    "SELECT seq, payload->>'runId' AS run_id FROM ledger_entries WHERE kind = 'incident.opened' AND seq > $1 AND payload->>'incidentId' = $2 ORDER BY seq LIMIT 1",
    [afterSeq, incidentId],
  );
  return rows[0] && { seq: Number(rows[0].seq), runId: rows[0].run_id };
}

/**
 * Waits for the incident to open, running the incident watch now (as its schedule would within
 * NEMO_INCIDENT_WATCH_EVERY) until it has: a run already going skips the trigger, and one may have read the ledger
 * just before the trip was written.
 */
export async function awaitIncident(
  ctx: DrillContext,
  afterSeq: number,
  incidentId: string,
): Promise<{ seq: number; runId: string } | undefined> {
  return waitFor(
    async () => {
      const opened = await incidentOpened(ctx, afterSeq, incidentId);
      if (!opened) await ctx.client.schedule.getHandle('nemo-incident-watch').trigger();
      return opened;
    },
    ctx.waitMs,
    3000,
  );
}

/** The incidents opened after `afterSeq` that are still open. */
export async function openIncidentsSince(ctx: DrillContext, afterSeq: number): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ incident_id: string }>(
    "SELECT DISTINCT payload->>'incidentId' AS incident_id FROM ledger_entries WHERE kind = 'incident.opened' AND seq > $1",
    [afterSeq],
  );
  const open = new Set((await incidents(ctx.pool)).filter((i) => i.state === 'OPEN').map((i) => i.incidentId));
  return rows.map((r) => r.incident_id).filter((id) => open.has(id));
}

/**
 * A drill starts from a calm stack: with an incident open, its protocol would hold the accounts the drill needs to
 * see move, and the drill could not put them back. Refuses, naming the incidents.
 */
export async function requireNoOpenIncident(ctx: DrillContext): Promise<void> {
  const open = (await incidents(ctx.pool)).filter((i) => i.state === 'OPEN');
  if (open.length) {
    throw new DrillRefused(
      `an incident is open (${open.map((i) => i.incidentId).join(', ')}): resolve it first (\`nemo incident resolve ID --reason ...\`); a drill starts from a calm stack`,
    );
  }
}

/** Every running account's trading status, e.g. {"live:kalshi": "ACTIVE"} (UNREACHABLE when its guardian does not answer). */
export async function accountStates(ctx: DrillContext): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await guardianStatuses(ctx.client)).map((g) => [
      `${g.ref.domain}:${g.ref.venue}`,
      'status' in g ? g.status.trading.status : 'UNREACHABLE',
    ]),
  );
}

/**
 * Waits until every account is as it was before the drill. One NEMO left stopped is a failed check (NEMO should have
 * lifted it), and the drill then resumes it itself, as the operator would, so the stack is put back either way.
 */
export async function accountsAsBefore(
  ctx: DrillContext,
  before: Record<string, string>,
  drill: string,
): Promise<DrillCheck[]> {
  const same = (now: Record<string, string>) => Object.keys(before).every((a) => now[a] === before[a]);
  const describe = (states: Record<string, string>) =>
    Object.entries(states)
      .map(([a, s]) => `${a} ${s}`)
      .join(', ');
  const after = await waitFor(async () => {
    const now = await accountStates(ctx);
    return same(now) ? now : undefined;
  }, ctx.waitMs);
  if (after) return [check('every account as before the drill', true, describe(after))];
  const now = await accountStates(ctx);
  const left = Object.keys(before).filter(
    (a) => before[a] === 'ACTIVE' && (now[a] === 'HALTED' || now[a] === 'PAUSED'),
  );
  const checks = [
    check(
      'every account as before the drill',
      false,
      `NEMO left ${describe(Object.fromEntries(left.map((a) => [a, now[a]!])))} (before: ${describe(before)})`,
    ),
  ];
  for (const account of left) {
    const [domain, venue] = account.split(':') as [TradingDomain, Venue];
    const result = await ctx.client.workflow
      .getHandle(guardianWorkflowId(domain, venue))
      .executeUpdate(operatorCommandUpdate, {
        args: [
          { action: 'resume', by: ctx.config.NEMO_OPERATOR, reason: `drill ${drill}: put back what NEMO left stopped` },
        ],
      });
    checks.push(
      check(
        `${account} resumed by the drill`,
        result.applied,
        result.applied ? `now ${result.status}` : `refused: ${result.refused}`,
      ),
    );
  }
  return checks;
}

/** Cash of a SIMULATED account at its loopback venue, read and set through the venue's control API. */
export interface SimulatedCash {
  read(): Promise<Cents>;
  set(cents: Cents): Promise<void>;
}

export function simulatedCash(ctx: DrillContext, domain: TradingDomain, venue: Venue): SimulatedCash {
  // Live trades the production instances, paper the demo ones (simulators/start-venues.ts).
  const instance = domain === 'live' ? 'Production' : 'Demo';
  if (venue === 'kalshi') {
    const control = new KalshiControlClient(ctx.venues.control[`kalshi${instance}`], ctx.controlToken);
    return { read: async () => (await control.account()).balanceCents, set: (cents) => control.setBalance(cents) };
  }
  const control = new CoinbaseControlClient(ctx.venues.control[`coinbase${instance}`], ctx.controlToken);
  return {
    read: async () =>
      dollarsToCents(
        (await control.account()).wallets.find((w) => w.currency === 'USD')?.balance ?? '0',
        'USD balance',
        'floor',
      ),
    set: (cents) => control.setBalance('USD', centsToDollars(cents)),
  };
}

/** Records the drill in the ledger (who ran it, what passed), so audits see rehearsals next to real events. */
export async function recordDrill(
  ctx: DrillContext,
  report: DrillReport,
  kind: 'drill.started' | 'drill.finished',
): Promise<void> {
  await appendEntry(ctx.pool, {
    kind,
    domain: 'operator',
    account: report.account ?? 'nemo',
    payload: {
      drill: report.drill,
      by: ctx.config.NEMO_OPERATOR,
      startedAt: report.startedAt,
      ...(kind === 'drill.finished'
        ? {
            passed: report.passed,
            failed: [...report.checks, ...report.restored].filter((c) => !c.pass).map((c) => `${c.name}: ${c.detail}`),
          }
        : {}),
    },
    idempotencyKey: `${kind}:${report.drill}:${report.account ?? 'nemo'}:${report.startedAt}`,
  });
}

/** The report as Markdown and JSON in NEMO_HOME/reports; returns the Markdown file. */
export function writeDrillReport(home: NemoHome, report: DrillReport): { markdown: string; json: string } {
  const stem = path.join(home.reports, `drill-${report.drill}-${report.startedAt.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${stem}.md`, drillMarkdown(report));
  return { markdown: `${stem}.md`, json: `${stem}.json` };
}

export function drillMarkdown(report: DrillReport): string {
  const line = (c: DrillCheck) => `- ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`;
  return [
    `# Drill ${report.drill}${report.account ? ` on ${report.account}` : ''}: ${report.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `SIMULATED venues only. Started ${report.startedAt}, finished ${report.finishedAt}.`,
    '',
    '## What NEMO did',
    ...report.checks.map(line),
    '',
    '## Put back',
    ...(report.restored.length ? report.restored.map(line) : ['- nothing to put back']),
    '',
  ].join('\n');
}
