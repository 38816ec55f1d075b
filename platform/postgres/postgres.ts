import os from 'node:os';
import pg from 'pg';

/** The role the application's connections act as: SELECT and INSERT on the ledger, never UPDATE/DELETE/TRUNCATE. */
export const APP_ROLE = 'nemo_app';

export interface DatabaseTarget {
  url: string;
  database: string;
  host: string;
  port: number;
}

export function databaseTarget(url: string): DatabaseTarget {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`DATABASE_URL=${redactUrl(url)} names no database: add one, e.g. /nemo`);
  return { url, database, host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 5432) };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Like libpq, a URL without a user name connects as the operating-system user (node-pg only reads $USER). */
function connectionConfig(url: string): pg.ClientConfig {
  const parsed = new URL(url);
  // node-pg lets the connection string override a separate `user`, so the default goes into the URL itself.
  if (!parsed.username) parsed.username = process.env.PGUSER ?? process.env.USER ?? os.userInfo().username;
  return { connectionString: parsed.toString(), connectionTimeoutMillis: 5000 };
}

/** A connection as the owner of the schema: for migrations and operator tools only. */
export function ownerClient(url: string): pg.Client {
  return new pg.Client(connectionConfig(url));
}

/** The application's pool: every session acts as nemo_app, so the ledger is insert-only for it. */
export function appPool(url: string, max = 5, onIdleError: (err: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool({ ...connectionConfig(url), max, options: `-c role=${APP_ROLE}` });
  // An idle connection dropped by a server restart must not crash the worker; the pool replaces it on next use.
  pool.on('error', onIdleError);
  return pool;
}

export type Reachability = { ok: true; latencyMs: number } | { ok: false; error: string; code?: string };

/** Can we talk to the server at all (the maintenance database, so a missing NEMO database still counts)? */
export async function probeServer(url: string): Promise<Reachability> {
  const started = performance.now();
  const client = ownerClient(withDatabase(url, 'postgres'));
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, latencyMs: performance.now() - started };
  } catch (err) {
    const e = err as Error & { code?: string };
    // A server without a "postgres" database is still a server.
    if (e.code === '3D000') return { ok: true, latencyMs: performance.now() - started };
    return { ok: false, error: e.message, code: e.code };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates the database named by the URL if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<'created' | 'exists'> {
  const target = databaseTarget(url);
  const probe = ownerClient(url);
  try {
    await probe.connect();
    return 'exists';
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
  } finally {
    await probe.end().catch(() => undefined);
  }
  for (const maintenance of ['postgres', 'template1']) {
    const admin = ownerClient(withDatabase(url, maintenance));
    try {
      await admin.connect();
    } catch (err) {
      if ((err as { code?: string }).code === '3D000') continue;
      throw err;
    }
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(target.database)}`);
      return 'created';
    } catch (err) {
      // Another process created it between our probe and now.
      if ((err as { code?: string }).code === '42P04') return 'exists';
      throw err;
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  throw new Error(
    `cannot create database ${target.database}: no maintenance database (postgres, template1) to connect to`,
  );
}

/** Drops a database (tests and restore drills use scratch databases). */
export async function dropDatabase(url: string): Promise<void> {
  const target = databaseTarget(url);
  const admin = ownerClient(withDatabase(url, 'postgres'));
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(target.database)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
