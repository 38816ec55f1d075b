import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readWhileWriterLives } from '../../platform/live-process-file';
import type { NemoHome } from '../../platform/nemo-home';
import type { ProcessStatus } from '../../platform/supervisor';
import { releasesDir } from './paths';

/**
 * The builds NEMO knows and which of them should have worker processes, in NEMO_HOME/releases/deployment.json.
 * Deploy and rollback (in the upgrade or control worker, or the CLI) write what they want; the release-worker
 * manager in `nemo up` starts and stops processes to match and reports them in run/release-workers.json. Temporal's
 * Worker Deployment holds which build is current; `current` here mirrors it for readers without a client.
 */

/** One Worker Deployment spans every domain's task queue, so a release switches all domains at once. */
export const WORKER_DEPLOYMENT_NAME = 'nemo';

export type BuildHealth = 'unknown' | 'good' | 'bad';

export interface BuildRecord {
  buildId: string;
  version: string;
  /** A release under NEMO_HOME/releases, or the checkout `nemo up` was started from. */
  source: 'checkout' | 'release';
  /** The source tree the workers run. */
  dir: string;
  bundleDir: string;
  commit?: string;
  /** Worker processes wanted: current, draining pinned workflows, or about to become current. */
  run: boolean;
  /** Not retired before this time even when drained, so a rollback finds it still running. */
  keepUntil?: string;
  health: BuildHealth;
  registeredAt: string;
  currentSince?: string;
}

export interface DeploymentState {
  current?: string;
  builds: BuildRecord[];
}

export function deploymentStateFile(home: NemoHome): string {
  return path.join(releasesDir(home), 'deployment.json');
}

export function readDeploymentState(home: NemoHome): DeploymentState {
  const file = deploymentStateFile(home);
  if (!existsSync(file)) return { builds: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as DeploymentState;
}

const LOCK_STALE_MS = 30_000;

/** Read-modify-write under a lock directory, so the manager and a deploy never lose each other's changes. */
export async function updateDeploymentState<T>(home: NemoHome, change: (state: DeploymentState) => T): Promise<T> {
  const file = deploymentStateFile(home);
  mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 2 * LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A holder that died mid-update leaves the lock behind; updates take milliseconds.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`${lock} is held; is another process stuck updating the deployment state?`, { cause: err });
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    const state = readDeploymentState(home);
    const result = change(state);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function findBuild(state: DeploymentState, buildId: string): BuildRecord | undefined {
  return state.builds.find((b) => b.buildId === buildId);
}

/** Adds the build or refreshes what is known about it, keeping its history (health, registration time). */
export function upsertBuild(
  state: DeploymentState,
  build: Omit<BuildRecord, 'health' | 'registeredAt'> & Partial<BuildRecord>,
  now: Date,
): BuildRecord {
  const existing = findBuild(state, build.buildId);
  if (existing) return Object.assign(existing, build);
  const record: BuildRecord = { health: 'unknown', registeredAt: now.toISOString(), ...build };
  state.builds.push(record);
  return record;
}

// ── What the manager reports ──────────────────────────────────────────────────────────────────────────────────

export interface WorkerReport {
  /** The manager's process: a report from a dead manager says nothing about the workers. */
  pid: number;
  updatedAt: string;
  builds: Record<string, { version: string; processes: ProcessStatus[] }>;
}

export function workerReportFile(home: NemoHome): string {
  return path.join(home.run, 'release-workers.json');
}

export function writeWorkerReport(home: NemoHome, report: WorkerReport): void {
  const file = workerReportFile(home);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readWorkerReport(home: NemoHome): WorkerReport | undefined {
  return readWhileWriterLives<WorkerReport>(workerReportFile(home));
}
