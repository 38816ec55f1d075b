import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goTooOld, nemoCacheDir, runStreaming, withBuildLock } from './go-build';
import { isPortOpen } from '../ports';
import { databaseTarget } from '../postgres/postgres';
import { MIN_GO } from './temporal-cli';
import { DYNAMIC_CONFIG_FILE, startServerProcess, type DevServer } from './temporal-server';

/**
 * NEMO's production topology on one machine: the Temporal server (its own process, PostgreSQL persistence and SQL
 * visibility) built from its Go module, the schemas set up by its SQL tool, the config and dynamic-config files of
 * temporal-cluster/ (the same files docker-compose.yml mounts).
 */

/** The server inside temporal CLI v1.5.1 (its go.mod), so the dev server and the cluster run the same code. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
/** The Web UI server inside temporal CLI v1.5.1 (and the temporalio/ui image of docker-compose.yml). */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';
export const CLUSTER_DIR = path.resolve(__dirname, '..', '..', 'temporal-cluster');
export const CLUSTER_CONFIG_FILE = path.join(CLUSTER_DIR, 'config', 'nemo.yaml');
export const SETUP_SCHEMA_SCRIPT = path.join(CLUSTER_DIR, 'setup-schema.sh');

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  ui: string;
  source: 'cache' | 'go install';
}

export class TemporalServerUnavailable extends Error {
  constructor(detail: string) {
    super(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} could not be built: ${detail}\n` +
        `Fix one of these:\n` +
        `  - install Go ${MIN_GO.join('.')} or newer and run again: NEMO builds it with\n` +
        `      go install ${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION} ${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}\n` +
        `      go install ${UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}\n` +
        `  - or set TEMPORAL_ADDRESS to a running cluster (or Temporal Cloud) so NEMO starts none`,
    );
    this.name = 'TemporalServerUnavailable';
  }
}

export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(nemoCacheDir(env), 'temporal-server', TEMPORAL_SERVER_VERSION);
}

const works = (file: string) => existsSync(file) && spawnSync(file, ['--help'], { timeout: 15_000 }).status === 0;

/** `go install` of one module's commands into the cache, each renamed to what NEMO calls it. */
async function goInstall(
  dir: string,
  packages: string[],
  renames: [built: string, target: string][],
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
) {
  const staging = path.join(dir, 'staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await runStreaming('go', ['install', ...packages], { ...env, GOBIN: staging, GOFLAGS: '-mod=mod' }, progress);
  } catch (err) {
    throw new TemporalServerUnavailable(`go install failed: ${(err as Error).message}`);
  }
  for (const [built, target] of renames) renameSync(path.join(staging, built), target);
  rmSync(staging, { recursive: true, force: true });
}

/** Finds the server, SQL tool and Web UI in the cache, or builds them with `go install` (minutes on a cold Go cache). */
export async function ensureClusterBinaries(
  progress: (line: string) => void = () => undefined,
  env = process.env,
): Promise<ClusterBinaries> {
  const dir = serverCacheDir(env);
  const binaries = {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    ui: path.join(dir, 'temporal-ui-server'),
  };
  const allWork = () => works(binaries.server) && works(binaries.sqlTool) && works(binaries.ui);
  if (allWork()) return { ...binaries, source: 'cache' };
  mkdirSync(dir, { recursive: true });
  return withBuildLock(
    dir,
    async () => {
      if (allWork()) return { ...binaries, source: 'cache' as const };
      const tooOld = goTooOld(MIN_GO);
      if (tooOld) throw new TemporalServerUnavailable(tooOld);
      if (!works(binaries.server) || !works(binaries.sqlTool)) {
        const started = Date.now();
        progress(
          `building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install (minutes on first run; cached in ${dir})`,
        );
        const packages = [
          `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
          `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
        ];
        await goInstall(
          dir,
          packages,
          [
            ['server', binaries.server],
            ['sql', binaries.sqlTool],
          ],
          env,
          progress,
        );
        progress(`built the Temporal server in ${Math.round((Date.now() - started) / 1000)}s`);
      }
      if (!works(binaries.ui)) {
        const started = Date.now();
        progress(`building the Temporal Web UI server ${TEMPORAL_UI_VERSION} with go install`);
        await goInstall(
          dir,
          [`${UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}`],
          [['server', binaries.ui]],
          env,
          progress,
        );
        progress(`built the Web UI server in ${Math.round((Date.now() - started) / 1000)}s`);
      }
      return { ...binaries, source: 'go install' as const };
    },
    progress,
  );
}

/** Where the cluster keeps its state: two databases beside NEMO's own, on the same PostgreSQL server. */
export interface ClusterPersistence {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
}

export function clusterPersistence(databaseUrl: string): ClusterPersistence {
  const target = databaseTarget(databaseUrl);
  const url = new URL(databaseUrl);
  return {
    host: target.host,
    port: target.port,
    user: decodeURIComponent(url.username) || os.userInfo().username,
    password: decodeURIComponent(url.password),
    database: `${target.database}_temporal`,
    visibilityDatabase: `${target.database}_temporal_visibility`,
  };
}

/** The variables temporal-cluster/config/nemo.yaml and setup-schema.sh read (docker-compose.yml sets the same). */
export function clusterEnv(persistence: ClusterPersistence, frontendPort: number): Record<string, string> {
  return {
    TEMPORAL_SQL_HOST: persistence.host,
    TEMPORAL_SQL_PORT: String(persistence.port),
    TEMPORAL_SQL_USER: persistence.user,
    TEMPORAL_SQL_PASSWORD: persistence.password,
    TEMPORAL_SQL_DATABASE: persistence.database,
    TEMPORAL_SQL_VISIBILITY_DATABASE: persistence.visibilityDatabase,
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_FRONTEND_PORT: String(frontendPort),
    TEMPORAL_DYNAMIC_CONFIG_FILE: DYNAMIC_CONFIG_FILE,
  };
}

/** The ports the config derives from the frontend's (see temporal-cluster/config/nemo.yaml). */
export function clusterPorts(frontendPort: number): number[] {
  return [0, 1, 2, 6, 10, -300, -299, -298, -294].map((offset) => frontendPort + offset);
}

/**
 * The cluster keeps each member's membership port in a PostgreSQL SMALLINT (cluster_membership.rpc_port): a port above
 * 32767 makes the server exit at start ("value out of range for type smallint"). The dev server (SQLite) has no limit.
 */
export const MAX_FRONTEND_PORT = 32_767 + 294;

export function clusterPortProblem(frontendPort: number): string | undefined {
  if (frontendPort - 300 < 1024)
    return `TEMPORAL_PORT=${frontendPort}: the cluster's membership ports sit 300 below it; use 1324 or above`;
  if (frontendPort > MAX_FRONTEND_PORT) {
    return `TEMPORAL_PORT=${frontendPort}: the cluster stores its membership ports (300 below it) as PostgreSQL smallint; use ${MAX_FRONTEND_PORT} or below`;
  }
  return undefined;
}

/** A frontend port whose derived ports are all free now (for tests and benches that run a cluster of their own). */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const candidate = 20_000 + Math.floor(Math.random() * (MAX_FRONTEND_PORT - 20_000 - 10));
    const busy = await Promise.all(clusterPorts(candidate).map((port) => isPortOpen(port)));
    if (!busy.some(Boolean)) return candidate;
  }
  throw new Error('found no free set of ports for a Temporal cluster in 50 tries');
}

/** Creates and migrates the cluster's databases (idempotent: a current schema is left alone). */
export async function setupClusterSchema(
  binaries: ClusterBinaries,
  persistence: ClusterPersistence,
  progress: (line: string) => void,
): Promise<void> {
  // The tool logs every statement; the operator sees which database and which version steps (all of it on failure).
  const worthSaying = (line: string) => line.startsWith('temporal schema:') || /Schema updated from/.test(line);
  await runStreaming(
    'sh',
    [SETUP_SCHEMA_SCRIPT],
    { ...process.env, ...clusterEnv(persistence, 0), TEMPORAL_SQL_TOOL: binaries.sqlTool },
    (line) => {
      if (worthSaying(line)) progress(line.replace(/^.*(Schema updated from \S+ to \S+).*$/, '$1'));
    },
  );
}

export interface ClusterServerOptions {
  binaries: ClusterBinaries;
  persistence: ClusterPersistence;
  frontendPort: number;
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface ClusterUi {
  url: string;
  stop(): Promise<void>;
}

/** The Web UI (ui-server, temporal-cluster/ui/nemo.yaml) pointed at the cluster; resolves when it serves pages. */
export async function startClusterUi(options: {
  binaries: ClusterBinaries;
  address: string;
  port: number;
  namespace: string;
  codecEndpoint?: string;
  logFile?: string;
}): Promise<ClusterUi> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(options.binaries.ui, ['--root', CLUSTER_DIR, '--config', 'ui', '--env', 'nemo', 'start'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      TEMPORAL_UI_PORT: String(options.port),
      TEMPORAL_UI_ORIGIN: url,
      TEMPORAL_DEFAULT_NAMESPACE: options.namespace,
      TEMPORAL_CODEC_ENDPOINT: options.codecEndpoint ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sink = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    if (sink) stream.pipe(sink, { end: false });
    else stream.resume();
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      sink?.end();
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `the Temporal Web UI server exited (code ${child.exitCode}); see ${options.logFile ?? 'its output'}`,
      );
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Temporal Web UI server did not answer on ${url} in 60s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts the server on a set-up schema; ready when its system namespace answers (NEMO's is registered after). */
export function startClusterServer(options: ClusterServerOptions): Promise<DevServer> {
  return startServerProcess({
    command: options.binaries.server,
    args: ['--root', CLUSTER_DIR, '--config', 'config', '--env', 'nemo', '--allow-no-auth', 'start'],
    env: { ...process.env, ...clusterEnv(options.persistence, options.frontendPort) },
    address: `127.0.0.1:${options.frontendPort}`,
    readyNamespace: 'temporal-system',
    logFile: options.logFile,
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
    what: `temporal server ${TEMPORAL_SERVER_VERSION} (PostgreSQL ${options.persistence.host}:${options.persistence.port}/${options.persistence.database})`,
  });
}
