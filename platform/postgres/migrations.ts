import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ownerClient } from './postgres';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations are files named NNN_description.sql, applied in numeric order, each exactly once. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file ${file} must be named NNN_description.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(path.join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `migrations must be numbered 001, 002, ... without gaps; found ${m.version} at position ${i + 1}`,
      );
  });
  return migrations;
}

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK = 7_020_260_001;

/** Applies pending migrations in order, each in its own transaction; returns the versions applied now. */
export async function migrate(url: string, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = readMigrations(dir);
  const client = ownerClient(url);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${String(m.version).padStart(3, '0')}_${m.name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
