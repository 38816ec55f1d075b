import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A private PostgreSQL cluster under NEMO_HOME, for machines that have the server binaries but no running server.
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user.
 */

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  binDir: string;
}

export function findPostgresBinaries(): PostgresBinaries | undefined {
  const candidates: string[] = [];
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) candidates.push(path.dirname(onPath));
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(debianRoot, v, 'bin'));
  }
  for (const binDir of candidates) {
    const initdb = path.join(binDir, 'initdb');
    const pgCtl = path.join(binDir, 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl, binDir };
  }
  return undefined;
}

function runAsClusterOwner(dataDir: string): { user?: string } {
  if (process.getuid?.() !== 0) return {};
  const reachable = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir]);
  if (
    reachable.status !== 0 &&
    spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', path.dirname(dataDir)]).status !== 0
  ) {
    throw new Error(
      `as root the private cluster must belong to the postgres user, who cannot reach ${dataDir}; ` +
        `set NEMO_HOME to a directory whose parents are traversable (e.g. /var/lib/nemo) or run as a normal user`,
    );
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dataDir, uid, gid);
  return { user: 'postgres' };
}

function run(owner: { user?: string }, command: string, args: string[]): void {
  const [file, argv] = owner.user ? ['runuser', ['-u', owner.user, '--', command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} failed (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
}

/**
 * Starts (initialising first if needed) a cluster in `dataDir` listening on host:port with trust auth on loopback
 * only. Returns the superuser name to put in DATABASE_URL.
 */
export function startPrivateCluster(binaries: PostgresBinaries, dataDir: string, host: string, port: number): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const owner = runAsClusterOwner(dataDir);
  const superuser = owner.user ?? process.env.USER ?? 'postgres';
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    run(owner, binaries.initdb, [
      '-D',
      dataDir,
      '-U',
      superuser,
      '--auth=trust',
      '--encoding=UTF8',
      '--no-instructions',
    ]);
  }
  const logFile = path.join(dataDir, 'server.log');
  if (!existsSync(logFile)) {
    writeFileSync(logFile, '');
    if (owner.user) run({}, 'chown', [owner.user, logFile]);
  }
  const options = `-c listen_addresses=${host} -c port=${port} -c unix_socket_directories=${dataDir}`;
  run(owner, binaries.pgCtl, ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
  return superuser;
}

export function stopPrivateCluster(binaries: PostgresBinaries, dataDir: string): void {
  const owner = process.getuid?.() === 0 ? { user: 'postgres' } : {};
  run(owner, binaries.pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
}
