import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NEMO_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import type { TemporalTarget } from './temporal-connection';

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

/** Whether a server answers at address; with a namespace (not null), whether that namespace exists there too. */
export async function isServerAnswering(
  address: string,
  namespace: string | null = 'default',
  timeoutMs = 3000,
  auth?: TemporalTarget['auth'],
): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs, ...auth });
    if (namespace) await connection.workflowService.describeNamespace({ namespace });
    else await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** The dynamic configuration both servers run with, declared once in temporal-cluster/dynamic-config.yaml. */
export const DYNAMIC_CONFIG_FILE = path.resolve(__dirname, '..', '..', 'temporal-cluster', 'dynamic-config.yaml');

/**
 * Reads the dynamic-config file as key -> value, for the dev server's --dynamic-config-value flags. The file holds
 * only unconstrained single values (`key:` then `  - value: v`); anything else is refused rather than misread.
 */
export function readDynamicConfig(file = DYNAMIC_CONFIG_FILE): Map<string, string> {
  const values = new Map<string, string>();
  let key: string | undefined;
  for (const [i, raw] of readFileSync(file, 'utf8').split('\n').entries()) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const keyMatch = /^([\w.]+):$/.exec(line);
    const valueMatch = /^ {2}- value: (.+)$/.exec(line);
    if (keyMatch) key = keyMatch[1];
    else if (valueMatch && key && !values.has(key)) values.set(key, valueMatch[1]!);
    else
      throw new Error(
        `${file}:${i + 1}: only \`key:\` followed by one \`  - value: v\` is supported here: ${raw.trim()}`,
      );
  }
  return values;
}

/** A value as the dev server's --dynamic-config-value wants it: JSON (durations and words quoted). */
function asJson(value: string): string {
  return /^(true|false|-?\d+(\.\d+)?)$/.test(value) ? value : JSON.stringify(value.replace(/^"(.*)"$/, '$1'));
}

export interface ServerProcessOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  address: string;
  /** Ready when this namespace answers. */
  readyNamespace: string;
  logFile?: string;
  readyTimeoutMs?: number;
  what: string;
}

/** Runs a Temporal server process and waits until it answers; its output goes to the log file (noisy, not NEMO's). */
export async function startServerProcess(options: ServerProcessOptions): Promise<Omit<DevServer, 'uiUrl'>> {
  const child = spawn(options.command, options.args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const sink = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const capture = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
    sink?.write(chunk);
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  let done = false;
  exited.then(() => (done = true));
  while (!(await isServerAnswering(options.address, options.readyNamespace, 2000))) {
    if (done) throw new Error(`${options.what} exited before it was ready:\n${tail}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.what} did not answer on ${options.address} in time:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    address: options.address,
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

/**
 * The dev server's SQLite journal: a write-ahead log, synced at every commit. SQLite's default (a rollback journal
 * created, synced and deleted per transaction) cost the server about a quarter of its CPU per order (bench/trade-path.ts);
 * the log keeps every committed transaction through a crash or a power cut all the same.
 */
const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=FULL'];

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--log-level',
    'warn',
    ...DEV_SERVER_SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
    ...NEMO_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
    ...[...readDynamicConfig()].flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${asJson(value)}`]),
  ];
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  if (options.headless) args.push('--headless');
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);

  const server = await startServerProcess({
    command: options.cli,
    args,
    address: `${ip}:${options.port}`,
    readyNamespace: options.namespaces?.at(-1) ?? 'default',
    logFile: options.logFile,
    readyTimeoutMs: options.readyTimeoutMs,
    what: 'temporal dev server',
  });
  return { ...server, uiUrl: options.headless ? undefined : `http://${ip}:${options.uiPort}` };
}
