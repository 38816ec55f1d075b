import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { latestEntry, ledgerHead } from '../../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { readStackDescription, type StackDescription } from '../../workers/nemo-stack';
import { nemoHome } from '../../platform/nemo-home';
import { appPool } from '../../platform/postgres/postgres';
import { nemoSchedules } from '../../platform/temporal/schedules';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import type { Command } from '../command';
import { listPending } from '../../platform/approvals/approvals-store';
import { GUARDIAN_ANSWER_MS, guardianStatuses } from '../../platform/running-guardians';
import { isAlive, observeWorkers } from '../../platform/worker-liveness';
import type { GuardianStatus } from '../../contracts/guardian';
import { readWorkerReport } from '../../activities/upgrade/deployment-state';
import { safeModeFile } from '../../platform/safe-mode';

export interface NemoStatus {
  running: StackDescription | null;
  safeMode: { since: string; reason: string } | null;
  temporal: { address: string; reachable: boolean; error?: string };
  /** From the task queues' pollers (platform/worker-liveness.ts), not from the last heartbeat; one identity per process. */
  workers: { domain: string; taskQueue: string; polling: boolean; lastPolledAt: string | null; pollers: string[] }[];
  /** Every worker process `nemo up` supervises (run/release-workers.json), so a dead one of two shows. */
  processes: { name: string; build: string; state: string; pid: number | null; restarts: number }[];
  schedules: { id: string; every: string; nextRunAt: string | null; paused: boolean }[];
  ledger: { reachable: boolean; entries?: number; head?: string; error?: string };
  lastHeartbeat: { at: string; workersDown: string[] } | null;
  lastHealthCheck: { at: string; allUp: boolean; down: string[] } | null;
  /** One per running portfolio guardian: state, portfolio value, exposure, the day's P&L, open positions. */
  accounts: ({
    account: string;
    state: string;
    since: string;
    portfolioValueCents: number;
    dayPnlCents: number;
    totalPnlCents: number;
    exposureCents: number;
    exposureLimitCents: number;
    positions: { market: string; quantity: string }[];
  } | {
    account: string;
    state: 'UNREACHABLE';
    /** When its worker last polled, if Temporal still lists it. */
    since: string | null;
    error: string;
  })[];
  pendingApprovals: { id: number; kind: string; subject: string; summary: string; expiresAt: string }[];
}

async function accountsSection(client: Client, workers: NemoStatus['workers']): Promise<NemoStatus['accounts']> {
  return (await guardianStatuses(client)).map((answer) => {
    const account = `${answer.ref.domain}:${answer.ref.venue}`;
    if ('error' in answer) {
      const worker = workers.find((w) => w.domain === answer.ref.domain);
      return { account, state: 'UNREACHABLE' as const, since: worker?.polling ? null : (worker?.lastPolledAt ?? null), error: answer.error };
    }
    return accountOf(account, answer.status);
  });
}

function accountOf(account: string, g: GuardianStatus): NemoStatus['accounts'][number] {
  return {
    account,
    state: g.trading.status,
    since: g.trading.since,
    portfolioValueCents: g.trading.equityCents,
    dayPnlCents: g.dayPnlCents,
    totalPnlCents: g.totalPnlCents,
    exposureCents: g.exposure.committedCents + g.exposure.reservedCents,
    exposureLimitCents: g.exposure.limitCents,
    positions: g.positions.map((p) => ({ market: p.market, quantity: p.venue === 'kalshi' ? `${p.count} ${p.side.toUpperCase()}` : p.baseSize })),
  };
}

async function temporalSection(client: Client, config: NemoConfig): Promise<Pick<NemoStatus, 'workers' | 'schedules'>> {
  const workers = (await observeWorkers(client)).map((w) => ({ domain: w.domain, taskQueue: w.taskQueue, polling: isAlive(w), lastPolledAt: w.lastPolledAt, pollers: w.identities }));
  const described = await Promise.all(
    nemoSchedules(config).map(async (schedule) => {
      try {
        const d = await client.schedule.getHandle(schedule.scheduleId).describe();
        return { id: schedule.scheduleId, every: schedule.every, nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null, paused: d.state.paused };
      } catch {
        return undefined; // Not created yet: `nemo up` creates it.
      }
    }),
  );
  return { workers, schedules: described.filter((s) => s !== undefined) };
}

export async function gatherStatus(config: NemoConfig): Promise<NemoStatus> {
  const home = nemoHome(config.NEMO_HOME);
  const safeModePath = safeModeFile(home);
  const status: NemoStatus = {
    running: readStackDescription(home) ?? null,
    safeMode: existsSync(safeModePath) ? JSON.parse(readFileSync(safeModePath, 'utf8')) : null,
    temporal: { address: nemoTemporalTarget(config).address, reachable: false },
    workers: [],
    processes: Object.entries(readWorkerReport(home)?.builds ?? {}).flatMap(([build, b]) =>
      b.processes.map((p) => ({ name: p.name, build, state: p.state, pid: p.pid ?? null, restarts: p.restarts }))),
    schedules: [],
    ledger: { reachable: false },
    lastHeartbeat: null,
    lastHealthCheck: null,
    accounts: [],
    pendingApprovals: [],
  };
  try {
    const client = await connectClient(nemoTemporalTarget(config), 3000);
    try {
      Object.assign(status, await temporalSection(client, config));
      status.temporal.reachable = true;
      status.accounts = await accountsSection(client, status.workers);
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    status.temporal.error = (err as Error).message;
  }
  const pool = appPool(config.DATABASE_URL, 1);
  try {
    const head = await ledgerHead(pool);
    status.ledger = { reachable: true, entries: head.seq, head: head.hash };
    status.pendingApprovals = (await listPending(pool)).map((a) => ({ id: a.id, kind: a.kind, subject: a.subject, summary: a.summary, expiresAt: a.expiresAt.toISOString() }));
    const heartbeat = await latestEntry(pool, 'heartbeat');
    if (heartbeat) status.lastHeartbeat = { at: heartbeat.recordedAt, workersDown: heartbeat.payload.workersDown as string[] };
    const health = await latestEntry(pool, 'health.check');
    if (health) {
      const checks = health.payload.checks as { name: string; status: string }[];
      status.lastHealthCheck = { at: health.recordedAt, allUp: health.payload.allUp === true, down: checks.filter((c) => c.status !== 'up').map((c) => c.name) };
    }
  } catch (err) {
    status.ledger = { reachable: false, error: (err as Error).message };
  } finally {
    await pool.end();
  }
  return status;
}

const ago = (iso: string) => {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

function render(status: NemoStatus, out: (line: string) => void): void {
  const r = status.running;
  out(r ? `NEMO is running (pid ${r.pid}, up since ${r.startedAt})${r.venues === 'SIMULATED' ? ' against *** SIMULATED *** venues' : ''}` : 'NEMO is not running (start it with `npm start`)');
  if (r?.webUi) out(`  Web UI      ${r.webUi}/namespaces/${r.namespace}/workflows`);
  if (status.safeMode) out(`  SAFE MODE   since ${status.safeMode.since}: ${status.safeMode.reason} (monitoring only)`);
  out(`  Temporal    ${status.temporal.address} ${status.temporal.reachable ? 'reachable' : `UNREACHABLE (${status.temporal.error})`}`);
  if (status.workers.length) out(`  Workers     ${status.workers.map((w) => `${w.domain} ${w.polling ? 'up' : `DOWN${w.lastPolledAt ? ` (last polled ${ago(w.lastPolledAt)})` : ''}`}${w.pollers.length > 1 ? ` (${w.pollers.length} pollers)` : ''}`).join(', ')}`);
  if (status.processes.length) out(`  Processes   ${status.processes.map((p) => (p.state === 'running' ? `${p.name} pid ${p.pid}` : `${p.name} ${p.state.toUpperCase()}`)).join(', ')}`);
  for (const s of status.schedules) out(`  Schedule    ${s.id} every ${s.every}${s.paused ? ' (PAUSED)' : ''}, next ${s.nextRunAt ?? '-'}`);
  out(status.ledger.reachable ? `  Ledger      ${status.ledger.entries} entries, head ${status.ledger.head?.slice(0, 16)}…` : `  Ledger      UNREACHABLE (${status.ledger.error})`);
  if (status.lastHeartbeat) out(`  Heartbeat   ${ago(status.lastHeartbeat.at)}${status.lastHeartbeat.workersDown.length ? `; workers down: ${status.lastHeartbeat.workersDown.join(', ')}` : '; all workers seen'}`);
  const usd = (cents: number) => `${cents < 0 ? '-' : ''}$${(Math.abs(cents) / 100).toFixed(2)}`;
  for (const a of status.accounts) {
    if ('error' in a) {
      out(`  Account     ${a.account.padEnd(15)} unreachable${a.since ? ` since ${a.since}` : ''}: its guardian did not answer within ${GUARDIAN_ANSWER_MS / 1000} s${a.since ? ' (its worker is down: `nemo worker restart ' + a.account.split(':')[0] + '`)' : ''}`);
      continue;
    }
    out(`  Account     ${a.account.padEnd(15)} ${a.state.padEnd(8)} value ${usd(a.portfolioValueCents)}, day P&L ${usd(a.dayPnlCents)}, exposure ${usd(a.exposureCents)} of ${usd(a.exposureLimitCents)}, ${a.positions.length} positions`);
    for (const p of a.positions) out(`                ${p.market}  ${p.quantity}`);
  }
  for (const a of status.pendingApprovals) out(`  Approval    #${a.id} ${a.kind}: ${a.summary} (expires ${a.expiresAt}; nemo approve ${a.id} | nemo reject ${a.id} --reason ...)`);
  if (status.lastHealthCheck) out(`  Health      ${ago(status.lastHealthCheck.at)}: ${status.lastHealthCheck.allUp ? 'all up' : `DOWN: ${status.lastHealthCheck.down.join(', ')}`}`);
}

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [--json] [--check]',
  summary: 'What NEMO is doing: processes, workers, schedules, ledger, last heartbeat and health check',
  options: { check: { type: 'boolean' } },
  async run({ values, io, env }) {
    const status = await gatherStatus(loadConfig(env));
    if (values.json) io.out(JSON.stringify(status, null, 2));
    else render(status, io.out);
    // --check: the exit code says whether NEMO is healthy (container health checks, monitoring).
    const healthy = status.temporal.reachable && status.ledger.reachable && status.workers.every((w) => w.polling);
    return values.check && !healthy ? 1 : 0;
  },
};
