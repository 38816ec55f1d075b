import type { Client } from '@temporalio/client';
import { controlActivities } from '../../activities/control-domain';
import { ReleaseWorkers, type ReleaseWorkersOptions } from '../../activities/upgrade/release-workers';
import { runCli } from '../../cli/nemo';
import type { NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { Supervisor } from '../../platform/supervisor';
import { atFileEnd, testClient, testConfig } from './stack';
import { startDomainWorkers } from './workers';

export interface UpgradeStack {
  config: NemoConfig;
  client: Client;
  /** The release-worker manager running the checkout's build, already current. */
  manager: ReleaseWorkers;
  /** A new manager with the same options, as a restarted `nemo up` starts one; stopped when the file ends. */
  startManager(): Promise<ReleaseWorkers>;
  /** The tail of what the release workers and their manager printed (for a failed test's report). */
  workerOutput(): string;
  /** The environment `nemo` runs with against this stack, plus `extra`. */
  cliEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** `nemo <args>` in this process, as the operator runs it. */
  nemo(args: string[], extra?: Record<string, string>): Promise<{ code: number; out: string; err: string }>;
}

/**
 * A self-upgrade's stack on real parts for a fixture project (fixture-project.ts): the test's Temporal namespace and
 * database, the real control worker (approvals and alerts), and the upgrade domain's workers started per build by the
 * release-worker manager as `nemo up` runs it, with the checkout's build made current.
 */
export async function startUpgradeStack(
  fixture: string,
  settings: {
    /** The environment the release workers inherit (default: the test process's). */
    inherited?: NodeJS.ProcessEnv;
    /** The release workers' upgrade settings. */
    workers: Record<string, string>;
    /** The CLI's upgrade settings (the health watch is always short). */
    cli: Record<string, string>;
  },
): Promise<UpgradeStack> {
  const config = await testConfig({ NEMO_UPGRADE_REPO: fixture });
  const client = await testClient(config);
  await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities }]);
  const stackEnv = {
    NEMO_HOME: config.NEMO_HOME,
    DATABASE_URL: config.DATABASE_URL,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    NEMO_LOG_LEVEL: 'warn',
    NEMO_UPGRADE_REPO: fixture,
  };
  let output = '';
  const keep = (line: string) => (output = `${output}${line}\n`.slice(-30_000));
  const options: ReleaseWorkersOptions = {
    home: nemoHome(config.NEMO_HOME),
    client,
    domains: ['upgrade'],
    env: { ...(settings.inherited ?? process.env), ...stackEnv, ...settings.workers },
    checkout: { dir: fixture, bundleDir: process.env.NEMO_WORKFLOW_BUNDLE_DIR! },
    supervise: () =>
      new Supervisor({
        maxRestarts: 2,
        restartDelayMs: 500,
        stableAfterMs: 60_000,
        onOutput: (name, line) => keep(`[${name}] ${line}`),
      }),
    say: (line) => keep(`[manager] ${line}`),
    drainCheckEveryMs: 5_000,
  };
  const startManager = async () => {
    const manager = await ReleaseWorkers.start(options);
    atFileEnd(() => manager.stop());
    return manager;
  };
  const cliEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ...stackEnv,
    NEMO_OPERATOR: 'test-operator',
    NEMO_UPGRADE_HEALTH_WINDOW: '6s',
    NEMO_UPGRADE_HEALTH_INTERVAL: '2s',
    ...settings.cli,
    ...extra,
  });
  const manager = await startManager();
  // A stack that never gets ready fails with what its workers said (the test's own report needs a stack).
  await manager.makeStartupCurrent(180_000).catch((err: Error) => {
    throw new Error(`${err.message}\nworker output (tail):\n${output}`, { cause: err });
  });
  return {
    config,
    client,
    manager,
    startManager,
    workerOutput: () => output,
    cliEnv,
    async nemo(args, extra = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, cliEnv(extra));
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
  };
}
