import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { after } from 'node:test';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { appPool, dropDatabase, ownerClient, withDatabase } from '../../platform/postgres/postgres';
import { bindLedgerKey } from '../../ledger/ledger-store';
import { TEST_LEDGER_KEY, writeTestLedgerKey } from './ledger-key';
import { connectClient } from '../../platform/temporal/temporal-connection';

/**
 * The real stack a test file runs against, prepared by scripts/run-tests.ts: a Temporal dev server (this file's own
 * namespace) and PostgreSQL (this file's own database, cloned from the migrated template).
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests with \`npm test\`, which starts Temporal and PostgreSQL`);
  return value;
}

let databaseCount = 0;

/** Cleanups run once when the test file ends: connections first, then the databases they used. */
const closers: (() => Promise<unknown>)[] = [];
const droppers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  for (const drop of droppers) await drop().catch(() => undefined);
});
export const atFileEnd = (fn: () => Promise<unknown>) => closers.push(fn);

/** A fresh, migrated database for this test file; dropped when the file ends. */
export async function freshDatabase(label = 'db'): Promise<string> {
  const template = requireEnv('NEMO_TEST_TEMPLATE_DATABASE_URL');
  databaseCount += 1;
  const name = `nemo_t_${process.pid}_${databaseCount}_${label}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 60);
  const admin = ownerClient(withDatabase(template, 'postgres'));
  await admin.connect();
  try {
    await admin.query(
      `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(new URL(template).pathname.slice(1))}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(template, name);
  droppers.push(() => dropDatabase(url));
  return url;
}

/** A configuration pointing at the test stack, with a private NEMO_HOME; `overrides` are environment variables. */
export async function testConfig(overrides: Record<string, string> = {}): Promise<NemoConfig> {
  const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'home-'));
  writeTestLedgerKey(home);
  return loadConfig({
    NEMO_HOME: home,
    DATABASE_URL: overrides.DATABASE_URL ?? (await freshDatabase()),
    TEMPORAL_ADDRESS: requireEnv('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: requireEnv('TEMPORAL_NAMESPACE'),
    NEMO_LOG_LEVEL: 'warn',
    ...overrides,
  });
}

export async function testClient(config: NemoConfig): Promise<Client> {
  const client = await connectClient({ address: config.TEMPORAL_ADDRESS!, namespace: config.TEMPORAL_NAMESPACE });
  atFileEnd(() => client.connection.close());
  return client;
}

export function testAppPool(url: string): pg.Pool {
  const pool = bindLedgerKey(appPool(url), TEST_LEDGER_KEY);
  atFileEnd(() => pool.end());
  return pool;
}
