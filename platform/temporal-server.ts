import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NEMO_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

export interface DevServerOptions {
  cli: string;
  /** SQLite file: workflows survive a server restart because the state is here. */
  dbFile: string;
  port: number;
  uiPort: number;
  ip?: string;
  /** Extra namespaces to create at launch ("default" always exists). */
  namespaces?: string[];
  headless?: boolean;
  /** Server output goes here (it is noisy and not NEMO's log). */
  logFile?: string;
  codecEndpoint?: string;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function isServerAnswering(address: string, namespace = 'default', timeoutMs = 3000): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', options.dbFile,
    '--ip', ip,
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--log-level', 'warn',
    ...NEMO_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
    // Deployments and versioning APIs are on by default in server 1.29; keep history limits at their defaults.
    // A replaced worker build is reported drained (no pinned workflow left) within seconds instead of minutes, so
    // `nemo up` retires its workers soon after: the grace covers visibility lag, which the dev server's SQLite has not.
    '--dynamic-config-value', 'matching.wv.VersionDrainageStatusRefreshInterval="5s"',
    '--dynamic-config-value', 'matching.wv.VersionDrainageStatusVisibilityGracePeriod="10s"',
    // A workflow's next activity goes straight back to the worker that completed its task (eager activity
    // execution) instead of through matching: bench/trade-path measured ~35 ms of queueing per trade step without it.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // The portfolio guardian takes every order's reservation as an update; the default of 10 in flight per workflow
    // refused (RESOURCE_EXHAUSTED) most of 50 trades proposed at once, which then waited out retry backoffs.
    '--dynamic-config-value', 'history.maxInFlightUpdates=100',
  ];
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  if (options.headless) args.push('--headless');
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);

  const child = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const sink = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const capture = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
    sink?.write(chunk);
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `${ip}:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  let done = false;
  exited.then(() => (done = true));
  const lastNamespace = options.namespaces?.at(-1) ?? 'default';
  while (!(await isServerAnswering(address, lastNamespace, 2000))) {
    if (done) throw new Error(`temporal server exited before it was ready:\n${tail}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server did not answer on ${address} in time:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    address,
    uiUrl: options.headless ? undefined : `http://${ip}:${options.uiPort}`,
    process: child,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      sink?.end();
    },
  };
}
