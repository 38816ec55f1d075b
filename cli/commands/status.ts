import { existsSync, readFileSync } from 'node:fs';
import type { Client, ScheduleSummary } from '@temporalio/client';
import { latestEntry, ledgerHead } from '../../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { appPool } from '../../platform/postgres/postgres';
import { nemoSchedules } from '../../platform/temporal/schedules';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import type { Command } from '../command';
import { listPending } from '../../platform/approvals/approvals-store';
import { GUARDIAN_ANSWER_MS, guardianStatuses, type GuardianAnswer } from '../../platform/running-guardians';
import { isAlive, observeWorkers } from '../../platform/worker-liveness';
import type { GuardianStatus } from '../../contracts/guardian';
import { readWorkerReport } from '../../activities/upgrade/deployment-state';
import { safeModeFile } from '../../platform/safe-mode';
import { readStackDescription, type StackDescription } from '../../platform/stack-description';

export interface NemoStatus {
  running: StackDescription | null;
  safeMode: { since: string; reason: string } | null;
  temporal: { address: string; reachable: boolean; error?: string };
  /** From the task queues' pollers (platform/worker-liveness.ts), not from the last heartbeat; one identity per process. */
  workers: { domain: string; taskQueue: string; polling: boolean; lastPolledAt: string | null; pollers: string[] }[];
  /** Every worker process `nemo up` supervises (run/release-workers.json), so a dead one of two shows. */
  processes: { name: string; build: string; state: string; pid: number | null; restarts: number }[];
  schedules: { id: string; every: string; nextRunAt: string | null; paused: boolean }[];
  /** Why the schedules or the accounts could not be listed (Temporal answered, that section did not). */
  schedulesError?: string;
  accountsError?: string;
  ledger: { reachable: boolean; entries?: number; head?: string; error?: string };
  lastHeartbeat: { at: string; workersDown: string[] } | null;
  lastHealthCheck: { at: string; allUp: boolean; down: string[] } | null;
  /** One per running portfolio guardian: state, portfolio value, exposure, the day's P&L, open positions. */
  accounts: (
    | {
        account: string;
        state: string;
        since: string;
        portfolioValueCents: number;
        dayPnlCents: number;
        totalPnlCents: number;
        exposureCents: number;
        exposureLimitCents: number;
        positions: { market: string; quantity: string }[];
      }
    | {
        account: string;
        state: 'UNREACHABLE';
        /**
         * When its worker last polled; when Temporal never listed it, when the stack started (neverPolled). Null while its
         * worker polls (the guardian itself was slow), or with no poll and no stack start known.
         */
        since: string | null;
        neverPolled: boolean;
        error: string;
      }
  )[];
  pendingApprovals: { id: number; kind: string; subject: string; summary: string; expiresAt: string }[];
}

function accountsOf(
  answers: GuardianAnswer[],
  workers: NemoStatus['workers'],
  stackStartedAt: string | undefined,
): NemoStatus['accounts'] {
  return answers.map((answer) => {
    const account = `${answer.ref.domain}:${answer.ref.venue}`;
    if ('error' in answer) {
      const worker = workers.find((w) => w.domain === answer.ref.domain);
      if (worker?.polling)
        return { account, state: 'UNREACHABLE' as const, since: null, neverPolled: false, error: answer.error };
      const lastPolledAt = worker?.lastPolledAt ?? null;
      return {
        account,
        state: 'UNREACHABLE' as const,
        since: lastPolledAt ?? stackStartedAt ?? null,
        neverPolled: lastPolledAt === null,
        error: answer.error,
      };
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
    positions: g.positions.map((p) => ({
      market: p.market,
      quantity: p.venue === 'kalshi' ? `${p.count} ${p.side.toUpperCase()}` : p.baseSize,
    })),
  };
}

/** How long one section (the workers' pollers, the schedules, the ledger) may take before it is shown as not answered. */
const SECTION_MS = 1500;

/** How long each section of the status took (bench/status.ts shows where the time goes). */
export type SectionTimer = (section: string, ms: number) => void;

async function timed<T>(section: string, onSection: SectionTimer | undefined, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    onSection?.(section, performance.now() - started);
  }
}

async function workersSection(client: Client): Promise<NemoStatus['workers']> {
  const workers = await client.withDeadline(Date.now() + SECTION_MS, () => observeWorkers(client));
  return workers.map((w) => ({
    domain: w.domain,
    taskQueue: w.taskQueue,
    polling: isAlive(w),
    lastPolledAt: w.lastPolledAt,
    pollers: w.identities,
  }));
}

/**
 * From one listing (the server's visibility store), not a describe per schedule: a describe queries the schedule's
 * own workflow, and one in twenty such queries waited about 5 s for a sticky worker before the server answered
 * (bench/status.ts; docs/decisions.md). A schedule not listed is not created yet: `nemo up` creates it.
 */
async function schedulesSection(client: Client, config: NemoConfig): Promise<NemoStatus['schedules']> {
  const listed = new Map<string, ScheduleSummary>();
  await client.withDeadline(Date.now() + SECTION_MS, async () => {
    for await (const schedule of client.schedule.list()) listed.set(schedule.scheduleId, schedule);
  });
  const now = Date.now();
  return nemoSchedules(config).flatMap((schedule) => {
    const summary = listed.get(schedule.scheduleId);
    if (!summary) return [];
    // The listing is written by the schedule at its last action: a time already past is not the next one.
    const next = summary.info.nextActionTimes.find((t) => t.getTime() >= now);
    return [
      {
        id: schedule.scheduleId,
        every: schedule.every,
        nextRunAt: next?.toISOString() ?? null,
        paused: summary.state.paused,
      },
    ];
  });
}

async function temporalSections(config: NemoConfig, status: NemoStatus, onSection?: SectionTimer): Promise<void> {
  let client: Client;
  try {
    client = await timed('temporal connect', onSection, () => connectClient(nemoTemporalTarget(config), 3000));
  } catch (err) {
    status.temporal.error = (err as Error).message;
    return;
  }
  try {
    // Each asked on its own: a slow one is shown as such and never holds the others (nor the ledger's section).
    const [workers, schedules, guardians] = await Promise.allSettled([
      timed('workers', onSection, () => workersSection(client)),
      timed('schedules', onSection, () => schedulesSection(client, config)),
      timed('guardians', onSection, () => guardianStatuses(client)),
    ]);
    if (workers.status === 'fulfilled') {
      status.workers = workers.value;
      status.temporal.reachable = true;
    } else {
      status.temporal.error = `the task queues' pollers: ${(workers.reason as Error).message}`;
    }
    if (schedules.status === 'fulfilled') status.schedules = schedules.value;
    else status.schedulesError = (schedules.reason as Error).message;
    if (guardians.status === 'fulfilled')
      status.accounts = accountsOf(guardians.value, status.workers, status.running?.startedAt);
    else status.accountsError = (guardians.reason as Error).message;
  } finally {
    await client.connection.close();
  }
}

async function ledgerSection(config: NemoConfig, status: NemoStatus): Promise<void> {
  const pool = appPool(config.DATABASE_URL, 1);
  try {
    const head = await ledgerHead(pool);
    status.ledger = { reachable: true, entries: head.seq, head: head.hash };
    status.pendingApprovals = (await listPending(pool)).map((a) => ({
      id: a.id,
      kind: a.kind,
      subject: a.subject,
      summary: a.summary,
      expiresAt: a.expiresAt.toISOString(),
    }));
    const heartbeat = await latestEntry(pool, 'heartbeat');
    if (heartbeat)
      status.lastHeartbeat = { at: heartbeat.recordedAt, workersDown: heartbeat.payload.workersDown as string[] };
    const health = await latestEntry(pool, 'health.check');
    if (health) {
      const checks = health.payload.checks as { name: string; status: string }[];
      status.lastHealthCheck = {
        at: health.recordedAt,
        allUp: health.payload.allUp === true,
        down: checks.filter((c) => c.status !== 'up').map((c) => c.name),
      };
    }
  } catch (err) {
    status.ledger = { reachable: false, error: (err as Error).message };
  } finally {
    await pool.end();
  }
}

export async function gatherStatus(config: NemoConfig, onSection?: SectionTimer): Promise<NemoStatus> {
  const home = nemoHome(config.NEMO_HOME);
  const safeModePath = safeModeFile(home);
  const status: NemoStatus = {
    running: readStackDescription(home) ?? null,
    safeMode: existsSync(safeModePath) ? JSON.parse(readFileSync(safeModePath, 'utf8')) : null,
    temporal: { address: nemoTemporalTarget(config).address, reachable: false },
    workers: [],
    processes: Object.entries(readWorkerReport(home)?.builds ?? {}).flatMap(([build, b]) =>
      b.processes.map((p) => ({ name: p.name, build, state: p.state, pid: p.pid ?? null, restarts: p.restarts })),
    ),
    schedules: [],
    ledger: { reachable: false },
    lastHeartbeat: null,
    lastHealthCheck: null,
    accounts: [],
    pendingApprovals: [],
  };
  await Promise.all([
    temporalSections(config, status, onSection),
    timed('ledger', onSection, () => ledgerSection(config, status)),
  ]);
  return status;
}

const ago = (iso: string) => {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

function render(status: NemoStatus, out: (line: string) => void): void {
  const r = status.running;
  out(
    r
      ? `NEMO is running (pid ${r.pid}, up since ${r.startedAt})${r.venues === 'SIMULATED' ? ' against *** SIMULATED *** venues' : ''}`
      : 'NEMO is not running (start it with `npm start`)',
  );
  if (r?.webUi) out(`  Web UI      ${r.webUi}/namespaces/${r.namespace}/workflows`);
  if (status.safeMode) out(`  SAFE MODE   since ${status.safeMode.since}: ${status.safeMode.reason} (monitoring only)`);
  out(
    `  Temporal    ${status.temporal.address} ${status.temporal.reachable ? 'reachable' : `UNREACHABLE (${status.temporal.error})`}`,
  );
  const down = (w: NemoStatus['workers'][number]) =>
    w.lastPolledAt
      ? ` (last polled ${ago(w.lastPolledAt)})`
      : r
        ? ` (never polled since the stack started ${ago(r.startedAt)})`
        : ' (never polled)';
  if (status.workers.length)
    out(
      `  Workers     ${status.workers.map((w) => `${w.domain} ${w.polling ? 'up' : `DOWN${down(w)}`}${w.pollers.length > 1 ? ` (${w.pollers.length} pollers)` : ''}`).join(', ')}`,
    );
  if (status.processes.length)
    out(
      `  Processes   ${status.processes.map((p) => (p.state === 'running' ? `${p.name} pid ${p.pid}` : `${p.name} ${p.state.toUpperCase()}`)).join(', ')}`,
    );
  if (status.schedulesError) out(`  Schedule    NOT LISTED (${status.schedulesError})`);
  for (const s of status.schedules)
    out(`  Schedule    ${s.id} every ${s.every}${s.paused ? ' (PAUSED)' : ''}, next ${s.nextRunAt ?? '-'}`);
  out(
    status.ledger.reachable
      ? `  Ledger      ${status.ledger.entries} entries, head ${status.ledger.head?.slice(0, 16)}…`
      : `  Ledger      UNREACHABLE (${status.ledger.error})`,
  );
  if (status.lastHeartbeat)
    out(
      `  Heartbeat   ${ago(status.lastHeartbeat.at)}${status.lastHeartbeat.workersDown.length ? `; workers down: ${status.lastHeartbeat.workersDown.join(', ')}` : '; all workers seen'}`,
    );
  const usd = (cents: number) => `${cents < 0 ? '-' : ''}$${(Math.abs(cents) / 100).toFixed(2)}`;
  if (status.accountsError)
    out(`  Account     NOT LISTED: the running guardians could not be found (${status.accountsError})`);
  for (const a of status.accounts) {
    if ('error' in a) {
      const since = a.since
        ? ` since ${a.since}${a.neverPolled ? ' (its worker never polled since the stack started)' : ''}`
        : a.neverPolled
          ? ' (its worker never polled)'
          : '';
      const workerDown = a.since !== null || a.neverPolled;
      out(
        `  Account     ${a.account.padEnd(15)} unreachable${since}: its guardian did not answer within ${GUARDIAN_ANSWER_MS / 1000} s${workerDown ? ' (its worker is down: `nemo worker restart ' + a.account.split(':')[0] + '`)' : ''}`,
      );
      continue;
    }
    out(
      `  Account     ${a.account.padEnd(15)} ${a.state.padEnd(8)} value ${usd(a.portfolioValueCents)}, day P&L ${usd(a.dayPnlCents)}, exposure ${usd(a.exposureCents)} of ${usd(a.exposureLimitCents)}, ${a.positions.length} positions`,
    );
    for (const p of a.positions) out(`                ${p.market}  ${p.quantity}`);
  }
  for (const a of status.pendingApprovals)
    out(
      `  Approval    #${a.id} ${a.kind}: ${a.summary} (expires ${a.expiresAt}; nemo approve ${a.id} | nemo reject ${a.id} --reason ...)`,
    );
  if (status.lastHealthCheck)
    out(
      `  Health      ${ago(status.lastHealthCheck.at)}: ${status.lastHealthCheck.allUp ? 'all up' : `DOWN: ${status.lastHealthCheck.down.join(', ')}`}`,
    );
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
