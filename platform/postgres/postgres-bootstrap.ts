import { databaseTarget, probeServer, redactUrl } from './postgres';
import { findPostgresBinaries, startPrivateCluster } from './postgres-cluster';

export class PostgresUnavailable extends Error {
  constructor(url: string, reason: string) {
    super(
      `PostgreSQL is not reachable at ${redactUrl(url)} (${reason}) and no server binaries (initdb, pg_ctl) were found to start one.\n` +
        `Ways out:\n` +
        `  - point DATABASE_URL at a running PostgreSQL, e.g. DATABASE_URL=postgres://user@host:5432/nemo\n` +
        `  - or start the one in docker-compose.yml: docker compose up -d postgres\n` +
        `  - or install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) and run again`,
    );
    this.name = 'PostgresUnavailable';
  }
}

export interface PostgresReady {
  url: string;
  /** Set when NEMO started its own cluster under NEMO_HOME (it stops it on exit). */
  privateClusterDir?: string;
}

/**
 * Makes sure a PostgreSQL server answers for DATABASE_URL: the configured one if it answers, else a private cluster
 * under NEMO_HOME listening where DATABASE_URL points.
 */
export async function ensurePostgres(
  url: string,
  dataDir: string,
  progress: (line: string) => void = () => undefined,
): Promise<PostgresReady> {
  const probe = await probeServer(url);
  if (probe.ok) return { url };
  const binaries = findPostgresBinaries();
  if (!binaries) throw new PostgresUnavailable(url, probe.error);
  const target = databaseTarget(url);
  progress(`PostgreSQL not reachable at ${target.host}:${target.port}; starting a private cluster in ${dataDir}`);
  const superuser = startPrivateCluster(binaries, dataDir, target.host, target.port);
  const parsed = new URL(url);
  if (!parsed.username) parsed.username = superuser;
  const privateUrl = parsed.toString();
  const again = await probeServer(privateUrl);
  if (!again.ok) throw new PostgresUnavailable(url, `the private cluster did not answer: ${again.error}`);
  return { url: privateUrl, privateClusterDir: dataDir };
}
