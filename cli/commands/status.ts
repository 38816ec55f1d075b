import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { latestEntry, ledgerHead } from '../../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { readStackDescription, safeModeFile, type StackDescription } from '../../platform/nemo-stack';
import { nemoHome } from '../../platform/nemo-home';
import { appPool } from '../../platform/postgres';
import { nemoSchedules } from '../../platform/schedules';
import { connectClient, temporalAddress } from '../../platform/temporal-connection';
import { DOMAINS, TASK_QUEUES } from '../../policies/domains';
import type { Command } from '../command';

export interface NemoStatus {
  running: StackDescription | null;
  safeMode: { since: string; reason: string } | null;
  temporal: { address: string; reachable: boolean; error?: string };
  workers: { domain: string; taskQueue: string; polling: boolean }[];
  schedules: { id: string; every: string; nextRunAt: string | null; paused: boolean }[];
  ledger: { reachable: boolean; entries?: number; head?: string; error?: string };
  lastHeartbeat: { at: string; workersDown: string[] } | null;
  lastHealthCheck: { at: string; allUp: boolean; down: string[] } | null;
}

async function temporalSection(client: Client, config: NemoConfig): Promise<Pick<NemoStatus, 'workers' | 'schedules'>> {
  const workers = await Promise.all(
    DOMAINS.map(async (domain) => {
      const answer = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: TASK_QUEUES[domain], kind: 1 },
        taskQueueType: 1,
      });
      return { domain, taskQueue: TASK_QUEUES[domain], polling: (answer.pollers?.length ?? 0) > 0 };
    }),
  );
  const schedules: NemoStatus['schedules'] = [];
  for (const schedule of nemoSchedules(config)) {
    try {
      const d = await client.schedule.getHandle(schedule.scheduleId).describe();
      schedules.push({ id: schedule.scheduleId, every: schedule.every, nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null, paused: d.state.paused });
    } catch {
      // Not created yet: `nemo up` creates it.
    }
  }
  return { workers, schedules };
}

export async function gatherStatus(config: NemoConfig): Promise<NemoStatus> {
  const home = nemoHome(config.NEMO_HOME);
  const safeModePath = safeModeFile(home);
  const status: NemoStatus = {
    running: readStackDescription(home) ?? null,
    safeMode: existsSync(safeModePath) ? JSON.parse(readFileSync(safeModePath, 'utf8')) : null,
    temporal: { address: temporalAddress(config), reachable: false },
    workers: [],
    schedules: [],
    ledger: { reachable: false },
    lastHeartbeat: null,
    lastHealthCheck: null,
  };
  try {
    const client = await connectClient({ address: status.temporal.address, namespace: config.TEMPORAL_NAMESPACE }, 3000);
    try {
      Object.assign(status, await temporalSection(client, config));
      status.temporal.reachable = true;
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
  out(r ? `NEMO is running (pid ${r.pid}, up since ${r.startedAt})` : 'NEMO is not running (start it with `npm start`)');
  if (r?.webUi) out(`  Web UI      ${r.webUi}/namespaces/${r.namespace}/workflows`);
  if (status.safeMode) out(`  SAFE MODE   since ${status.safeMode.since}: ${status.safeMode.reason} (monitoring only)`);
  out(`  Temporal    ${status.temporal.address} ${status.temporal.reachable ? 'reachable' : `UNREACHABLE (${status.temporal.error})`}`);
  if (status.workers.length) out(`  Workers     ${status.workers.map((w) => `${w.domain} ${w.polling ? 'up' : 'DOWN'}`).join(', ')}`);
  for (const s of status.schedules) out(`  Schedule    ${s.id} every ${s.every}${s.paused ? ' (PAUSED)' : ''}, next ${s.nextRunAt ?? '-'}`);
  out(status.ledger.reachable ? `  Ledger      ${status.ledger.entries} entries, head ${status.ledger.head?.slice(0, 16)}…` : `  Ledger      UNREACHABLE (${status.ledger.error})`);
  if (status.lastHeartbeat) out(`  Heartbeat   ${ago(status.lastHeartbeat.at)}${status.lastHeartbeat.workersDown.length ? `; workers down: ${status.lastHeartbeat.workersDown.join(', ')}` : '; all workers seen'}`);
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
