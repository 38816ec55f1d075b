import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { venuePortsFor } from '../../activities/venues/credentials';
import type { VenuePort } from '../../activities/venues/venue-port';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { freePort } from '../../platform/ports';
import { freeClusterPort } from '../../platform/temporal/temporal-cluster';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import type { TradingDomain } from '../../policies/limits';
import { CoinbaseControlClient } from '../../simulators/coinbase/control-client';
import { KalshiControlClient } from '../../simulators/kalshi/control-client';
import type { Venue } from '../../policies/orders';
import { readVenueDescription } from '../../platform/venue-description';

/**
 * `nemo up --cluster` as an operator runs it (the CLI process, in a home and ledger database of its own): the Temporal
 * server built from go.temporal.io/server on PostgreSQL, its Web UI, and two worker processes per trading domain, on
 * the SIMULATED venues. The crash storm (bench/crash-storm.ts and its test) runs on it.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const NEMO = path.join(ROOT, 'cli', 'nemo.ts');
const execFileAsync = promisify(execFile);

export interface ClusterNemo {
  home: string;
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  config: NemoConfig;
  client: Client;
  /** The domain's venue clients with the domain's own keys: live trades production, paper the demo venues. */
  venues: Record<TradingDomain, Record<Venue, VenuePort>>;
  control: { kalshi: KalshiControlClient; coinbase: CoinbaseControlClient };
  /** What `nemo up` printed so far (stdout and stderr). */
  output(): string;
  /** A `nemo` command against this stack; rejects on a non-zero exit. */
  nemo(args: string[]): Promise<string>;
  /** The `nemo up` process's id, and Ctrl-C to it: resolves with its exit code once everything it started has stopped. */
  pid: number;
  interrupt(timeoutMs?: number): Promise<number | null>;
}

/**
 * The settings a storm stack runs with: its own ports, two workers per trading domain, a killed worker back within a
 * second, and a restart count reset once a worker stayed up 2 s (the storm kills on purpose; see docs/decisions.md).
 */
export async function clusterNemoSettings(home: string, databaseUrl: string): Promise<Record<string, string>> {
  return {
    NEMO_HOME: home,
    DATABASE_URL: databaseUrl,
    TEMPORAL_PORT: String(await freeClusterPort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_NAMESPACE: 'nemo-storm',
    NEMO_LOG_LEVEL: 'warn',
    NEMO_SIM_KALSHI_MARKETS: '60',
    NEMO_TRADING_WORKERS: '2',
    NEMO_WORKER_RESTART_DELAY: '1s',
    NEMO_WORKER_STABLE_AFTER: '2s',
  };
}

/** Starts `nemo up --cluster` with `env` (which must not carry another server's TEMPORAL_ADDRESS) and waits for "NEMO ready". */
export async function startClusterNemo(env: NodeJS.ProcessEnv, readyTimeoutMs = 600_000): Promise<ClusterNemo> {
  if (env.TEMPORAL_ADDRESS)
    throw new Error(
      'startClusterNemo: TEMPORAL_ADDRESS is set; `nemo up --cluster` would use that server instead of its own',
    );
  const up: ChildProcess = spawn(process.execPath, ['--import', 'tsx', NEMO, 'up', '--cluster'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  up.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  up.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
  const interrupt = async (timeoutMs = 120_000) => {
    if (up.exitCode === null && up.signalCode === null) up.kill('SIGINT');
    const timer = setTimeout(() => up.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  try {
    const deadline = Date.now() + readyTimeoutMs;
    while (!/NEMO ready/.test(output)) {
      if (up.exitCode !== null) throw new Error(`nemo up --cluster exited (code ${up.exitCode}):\n${output}`);
      if (Date.now() > deadline)
        throw new Error(`nemo up --cluster not ready in ${readyTimeoutMs / 1000}s:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const config = loadConfig(env);
    const client = await connectClient(nemoTemporalTarget(config, env));
    const described = readVenueDescription(path.join(config.NEMO_HOME, 'run', 'simulated-venues.json'));
    const venueConfig = { ...config, ...described.description.config } as NemoConfig;
    const portsOf = (domain: TradingDomain) => {
      const ports = venuePortsFor(domain, described.secretsFor(domain), venueConfig);
      return { kalshi: ports.kalshi!, coinbase: ports.coinbase! };
    };
    return {
      home: config.NEMO_HOME,
      databaseUrl: config.DATABASE_URL,
      env,
      config,
      client,
      venues: { live: portsOf('live'), paper: portsOf('paper') },
      control: {
        kalshi: new KalshiControlClient(described.description.control.kalshiProduction, described.controlToken),
        coinbase: new CoinbaseControlClient(described.description.control.coinbaseProduction, described.controlToken),
      },
      output: () => output,
      nemo: async (args) =>
        (
          await execFileAsync(process.execPath, ['--import', 'tsx', NEMO, ...args], {
            cwd: ROOT,
            env,
            encoding: 'utf8',
            timeout: 180_000,
          })
        ).stdout,
      pid: up.pid!,
      interrupt,
    };
  } catch (err) {
    await interrupt(30_000);
    throw err;
  }
}

/** The worker processes the supervisor reports (run/release-workers.json): name, state and pid while it runs. */
export function workerProcesses(home: string): { name: string; state: string; pid?: number }[] {
  const report = JSON.parse(readFileSync(path.join(home, 'run', 'release-workers.json'), 'utf8')) as {
    builds: Record<string, { processes: { name: string; state: string; pid?: number }[] }>;
  };
  return Object.values(report.builds).flatMap((b) => b.processes);
}

/** The Temporal server `nemo up` started (run/stack.json). */
export function stackServerPid(home: string): number {
  const pid = (JSON.parse(readFileSync(path.join(home, 'run', 'stack.json'), 'utf8')) as { temporalServerPid?: number })
    .temporalServerPid;
  if (!pid) throw new Error('run/stack.json names no Temporal server process: was the stack started with --cluster?');
  return pid;
}
