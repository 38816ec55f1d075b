import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goTooOld, nemoCacheDir, runStreaming, withBuildLock } from './go-build';
import { isPortOpen } from './ports';
import { databaseTarget } from './postgres';
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
export const CLUSTER_DIR = path.resolve(__dirname, '..', 'temporal-cluster');
export const CLUSTER_CONFIG_FILE = path.join(CLUSTER_DIR, 'config', 'nemo.yaml');
export const SETUP_SCHEMA_SCRIPT = path.join(CLUSTER_DIR, 'setup-schema.sh');

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  source: 'cache' | 'go install';
}

export class TemporalServerUnavailable extends Error {
  constructor(detail: string) {
    super(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} could not be built: ${detail}\n` +
        `Fix one of these:\n` +
        `  - install Go ${MIN_GO.join('.')} or newer and run again: NEMO builds it with\n` +
        `      go install ${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION} ${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}\n` +
        `  - or set TEMPORAL_ADDRESS to a running cluster (or Temporal Cloud) so NEMO starts none`,
    );
    this.name = 'TemporalServerUnavailable';
  }
}

export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(nemoCacheDir(env), 'temporal-server', TEMPORAL_SERVER_VERSION);
}

const works = (file: string) => existsSync(file) && spawnSync(file, ['--help'], { timeout: 15_000 }).status === 0;

/** Finds the server and SQL tool in the cache, or builds both with one `go install` (minutes on a cold Go cache). */
export async function ensureClusterBinaries(progress: (line: string) => void = () => undefined, env = process.env): Promise<ClusterBinaries> {
  const dir = serverCacheDir(env);
  const server = path.join(dir, 'temporal-server');
  const sqlTool = path.join(dir, 'temporal-sql-tool');
  if (works(server) && works(sqlTool)) return { server, sqlTool, source: 'cache' };
  mkdirSync(dir, { recursive: true });
  return withBuildLock(
    dir,
    async () => {
      if (works(server) && works(sqlTool)) return { server, sqlTool, source: 'cache' as const };
      const tooOld = goTooOld(MIN_GO);
      if (tooOld) throw new TemporalServerUnavailable(tooOld);
      const started = Date.now();
      progress(`building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install (minutes on first run; cached in ${dir})`);
      const staging = path.join(dir, 'staging');
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      try {
        await runStreaming(
          'go',
          ['install', `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
          { ...env, GOBIN: staging, GOFLAGS: '-mod=mod' },
          progress,
        );
      } catch (err) {
        throw new TemporalServerUnavailable(`go install failed: ${(err as Error).message}`);
      }
      renameSync(path.join(staging, 'server'), server);
      renameSync(path.join(staging, 'sql'), sqlTool);
      rmSync(staging, { recursive: true, force: true });
      progress(`built the Temporal server in ${Math.round((Date.now() - started) / 1000)}s`);
      return { server, sqlTool, source: 'go install' as const };
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

/** A frontend port whose derived ports are all free now (for tests and benches that run a cluster of their own). */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const candidate = 20_000 + Math.floor(Math.random() * 30_000);
    const busy = await Promise.all(clusterPorts(candidate).map((port) => isPortOpen(port)));
    if (!busy.some(Boolean)) return candidate;
  }
  throw new Error('found no free set of ports for a Temporal cluster in 50 tries');
}

/** Creates and migrates the cluster's databases (idempotent: a current schema is left alone). */
export async function setupClusterSchema(binaries: ClusterBinaries, persistence: ClusterPersistence, progress: (line: string) => void): Promise<void> {
  await runStreaming('sh', [SETUP_SCHEMA_SCRIPT], { ...process.env, ...clusterEnv(persistence, 0), TEMPORAL_SQL_TOOL: binaries.sqlTool }, progress);
}

export interface ClusterServerOptions {
  binaries: ClusterBinaries;
  persistence: ClusterPersistence;
  frontendPort: number;
  logFile?: string;
  readyTimeoutMs?: number;
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
