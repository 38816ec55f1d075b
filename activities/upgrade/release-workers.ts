import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NemoHome } from '../../platform/nemo-home';
import type { ProcessSpec, Supervisor } from '../../platform/supervisor';
import { takeWorkerRestartRequests } from '../../platform/worker-restarts';
import type { Domain } from '../../policies/domains';
import {
  findBuild,
  readDeploymentState,
  updateDeploymentState,
  upsertBuild,
  workerReportFile,
  writeWorkerReport,
  type BuildRecord,
} from './deployment-state';
import { revParse } from './git';
import { packageVersion } from './release-version';
import { currentBuildId, isDrained, makeCurrent } from './worker-deployment';

/**
 * The release-worker manager `nemo up` runs: one supervised set of domain workers per build that should run (the
 * current build, builds still draining pinned workflows, a build about to become current). It follows
 * NEMO_HOME/releases/deployment.json, which deploys and rollbacks write, and retires a replaced build once Temporal
 * reports it drained. It reports every worker process in run/release-workers.json for the health watch.
 */

export interface ReleaseWorkersOptions {
  home: NemoHome;
  client: Client;
  domains: readonly Domain[];
  /** Processes per trading domain (paper, live): NEMO_TRADING_WORKERS. */
  tradingWorkers?: number;
  /** Environment of every worker process (the stack's configuration). */
  env: NodeJS.ProcessEnv;
  /** The source tree this NEMO was started from and its prebuilt bundles (a directory named by the source hash). */
  checkout: { dir: string; bundleDir: string };
  /** How each domain's worker is isolated (issue 18 A): its secrets handed over by the custodian, its sandbox. */
  isolate?: (domain: Domain) => Pick<ProcessSpec, 'secrets' | 'sandbox'>;
  /** A supervisor wired the way the stack wants restarts and give-ups handled. */
  supervise: () => Supervisor;
  say: (line: string) => void;
  reconcileEveryMs?: number;
  drainCheckEveryMs?: number;
}

const STARTUP_GRACE_MS = 10 * 60_000;

/** The checkout's build id: its package version and the hash of its workflow sources (the bundle directory's name). */
export function checkoutBuildId(version: string, bundleDir: string): string {
  return `v${version}-checkout-${path.basename(bundleDir)}`;
}

export class ReleaseWorkers {
  private readonly running = new Map<string, { build: BuildRecord; supervisor: Supervisor }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly options: ReleaseWorkersOptions,
    private readonly checkoutId: string,
    /** The build whose workers this start runs as current. */
    readonly startup: BuildRecord,
  ) {}

  static async start(options: ReleaseWorkersOptions): Promise<ReleaseWorkers> {
    const { dir, bundleDir } = options.checkout;
    const version = packageVersion(dir);
    const buildId = checkoutBuildId(version, bundleDir);
    const commit = existsSync(path.join(dir, '.git')) ? await revParse(dir, 'HEAD').catch(() => undefined) : undefined;
    const current = await currentBuildId(options.client);
    const startup = await updateDeploymentState(options.home, (state) => {
      upsertBuild(
        state,
        {
          buildId,
          version,
          source: 'checkout',
          dir,
          bundleDir,
          ...(commit ? { commit } : {}),
          run: findBuild(state, buildId)?.run ?? false,
        },
        new Date(),
      );
      // Another checkout's code is gone from disk: its build can never run again.
      for (const b of state.builds) if (b.source === 'checkout' && b.buildId !== buildId) b.run = false;
      // A release that was current keeps running; otherwise the checkout becomes the running build.
      const currentRecord = current ? findBuild(state, current) : undefined;
      const chosen =
        currentRecord?.source === 'release' && existsSync(currentRecord.dir)
          ? currentRecord
          : findBuild(state, buildId)!;
      chosen.run = true;
      // Not retired while it starts: Temporal reports a version it has not registered yet as having nothing pinned.
      chosen.keepUntil = new Date(Date.now() + STARTUP_GRACE_MS).toISOString();
      return { ...chosen };
    });
    const manager = new ReleaseWorkers(options, buildId, startup);
    await manager.reconcile();
    manager.timers.push(
      setInterval(() => void manager.serially(() => manager.reconcile()), options.reconcileEveryMs ?? 1000),
    );
    manager.timers.push(
      setInterval(() => void manager.serially(() => manager.retireDrained()), options.drainCheckEveryMs ?? 60_000),
    );
    return manager;
  }

  /** After the startup build's workers poll: make it current (a no-op when it already is). */
  async makeStartupCurrent(timeoutMs: number): Promise<void> {
    const { buildId } = this.startup;
    await makeCurrent(this.options.client, buildId, { timeoutMs, identity: 'nemo-up' });
    await updateDeploymentState(this.options.home, (state) => {
      const record = findBuild(state, buildId)!;
      if (state.current !== buildId || !record.currentSince) record.currentSince = new Date().toISOString();
      state.current = buildId;
      // The checkout the operator started is the known-good version to return to until a release proves itself.
      if (record.source === 'checkout' && record.health === 'unknown') record.health = 'good';
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.queue;
    await Promise.all([...this.running.values()].map((r) => r.supervisor.stopAll()));
    this.running.clear();
    rmSync(workerReportFile(this.options.home), { force: true });
  }

  /** Every running worker of every build gets its domain's secrets again (the vault or the master key changed). */
  handOverSecrets(): void {
    for (const { supervisor } of this.running.values()) supervisor.handOverSecrets();
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue
      .then(() => (this.stopped ? undefined : work()))
      .catch((err) => this.options.say(`release workers: ${(err as Error).message}`));
    return this.queue;
  }

  private runnable(build: BuildRecord): boolean {
    return build.source === 'checkout'
      ? build.buildId === this.checkoutId
      : existsSync(path.join(build.dir, 'workers'));
  }

  /** Starts the builds that should run and stops those that should not; restarts the workers an operator asked for. */
  private async reconcile(): Promise<void> {
    for (const request of takeWorkerRestartRequests(this.options.home)) {
      const names = [...this.running.values()].flatMap(({ supervisor }) =>
        supervisor
          .statuses()
          .map((s) => s.name)
          .filter(
            (n) => n === request.domain || n.startsWith(`${request.domain}@`) || n.startsWith(`${request.domain}#`),
          )
          .filter((n) => supervisor.restart(n)),
      );
      this.options.say(
        `worker restart by ${request.by} (${request.reason}): ${names.length ? names.join(', ') : `no ${request.domain} worker is managed here`}`,
      );
    }
    const state = readDeploymentState(this.options.home);
    for (const build of state.builds) {
      if (!build.run || this.running.has(build.buildId)) continue;
      if (!this.runnable(build)) {
        this.options.say(`release workers: build ${build.buildId} cannot run (its code is gone); not starting it`);
        await updateDeploymentState(this.options.home, (s) => void (findBuild(s, build.buildId)!.run = false));
        continue;
      }
      this.launch(build);
    }
    for (const [buildId, { supervisor, build }] of this.running) {
      if (findBuild(state, buildId)?.run) continue;
      this.running.delete(buildId);
      await supervisor.stopAll();
      this.options.say(`release workers: build ${buildId} (v${build.version}) drained; its workers stopped`);
    }
    this.report();
  }

  private launch(build: BuildRecord): void {
    const supervisor = this.options.supervise();
    for (const event of ['exit', 'restart', 'gave-up'] as const) supervisor.on(event, () => this.report());
    const prebuilt = this.options.domains.every((d) => existsSync(path.join(build.bundleDir, `${d}.js`)));
    const env: NodeJS.ProcessEnv = {
      ...this.options.env,
      NEMO_BUILD_ID: build.buildId,
      NEMO_WORKFLOW_BUNDLE_DIR: build.bundleDir,
    };
    // Without prebuilt bundles each worker bundles its own workflows at start (slower, same code).
    if (!prebuilt) delete env.NEMO_WORKFLOW_BUNDLE_DIR;
    for (const domain of this.options.domains) {
      const copies = domain === 'paper' || domain === 'live' ? (this.options.tradingWorkers ?? 1) : 1;
      for (let copy = 1; copy <= copies; copy += 1) {
        const name = `${domain}${copy > 1 ? `#${copy}` : ''}${build.source === 'checkout' ? '' : `@v${build.version}`}`;
        supervisor.start({
          name,
          command: process.execPath,
          args: ['--import', 'tsx', path.join(build.dir, 'workers', `${domain}.ts`)],
          // The worker's identity in Temporal names the process, as a host name would on several hosts.
          env: { ...env, NEMO_WORKER_NAME: name },
          ...this.options.isolate?.(domain),
        });
      }
    }
    this.running.set(build.buildId, { build, supervisor });
    this.options.say(
      `release workers: started build ${build.buildId} (v${build.version}, ${build.source}) for ${this.options.domains.join(', ')}`,
    );
  }

  /** A build that is neither current nor kept warm for a rollback is retired once no pinned workflow needs it. */
  private async retireDrained(): Promise<void> {
    const current = await currentBuildId(this.options.client);
    const now = Date.now();
    const kept = (b: BuildRecord) =>
      b.buildId === current || (b.keepUntil !== undefined && Date.parse(b.keepUntil) > now);
    for (const { build } of this.running.values()) {
      const record = findBuild(readDeploymentState(this.options.home), build.buildId);
      if (!record || kept(record) || !(await isDrained(this.options.client, build.buildId))) continue;
      await updateDeploymentState(this.options.home, (state) => {
        const latest = findBuild(state, build.buildId);
        if (latest && latest.buildId !== state.current && !kept(latest)) latest.run = false;
      });
    }
    await this.reconcile();
  }

  private report(): void {
    if (this.stopped) return;
    const builds: Record<string, { version: string; processes: ReturnType<Supervisor['statuses']> }> = {};
    for (const [buildId, { build, supervisor }] of this.running)
      builds[buildId] = { version: build.version, processes: supervisor.statuses() };
    writeWorkerReport(this.options.home, { pid: process.pid, updatedAt: new Date().toISOString(), builds });
  }
}
