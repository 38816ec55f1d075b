/**
 * The crash storm (issue 17 C) on the production topology: `nemo up --cluster` (the Temporal server on PostgreSQL, two
 * worker processes per trading domain, the SIMULATED venues), live trades on Kalshi and Coinbase while a chaos loop
 * SIGKILLs a random trading worker every few seconds and the Temporal server is SIGKILLed and started again twice;
 * then the invariants: every trade ended once, one venue order per client order id, every fill in the ledger once and
 * the chain verifying, each guardian's book equal to its venue's, no limit ever exceeded.
 *
 *   npx tsx bench/crash-storm.ts [trades, default 200] [kills, default 100]
 *
 * Exits non-zero when an invariant fails. test/platform/crash-storm.test.ts runs the same storm with smaller counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindLedgerKey } from '../ledger/ledger-store';
import { ensureLedgerKey } from '../platform/ledger-key';
import { appPool, dropDatabase, withDatabase } from '../platform/postgres/postgres';
import { clusterPersistence } from '../platform/temporal/temporal-cluster';
import { clusterNemoSettings, startClusterNemo } from './crash-storm/cluster-nemo';
import { checkStormInvariants, stormReport } from './crash-storm/invariants';
import { runCrashStorm, seedStormEvidence } from './crash-storm/storm';
import { machineLine } from './machine';

async function main(): Promise<number> {
  const trades = Number(process.argv[2] ?? 200);
  const kills = Number(process.argv[3] ?? 100);
  console.log(machineLine());
  const home = mkdtempSync(path.join(os.tmpdir(), 'nemo-bench-crash-storm-'));
  const databaseUrl = withDatabase(
    process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/nemo',
    `nemo_bench_crash_storm_${process.pid}`,
  );
  const key = ensureLedgerKey({ NEMO_HOME: home });
  const { TEMPORAL_ADDRESS: _a, TEMPORAL_NAMESPACE: _n, NEMO_WORKFLOW_BUNDLE_DIR: _b, ...env } = process.env;
  const started = Date.now();
  const stack = await startClusterNemo({ ...env, ...(await clusterNemoSettings(home, databaseUrl)) });
  console.log(`nemo up --cluster ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const pool = bindLedgerKey(appPool(databaseUrl), key);
  let server;
  try {
    await seedStormEvidence(pool);
    const record = await runCrashStorm(stack, {
      trades,
      kills,
      serverRestarts: 2,
      killEveryMs: [2000, 5000],
      lanesPerVenue: 4,
      maxDurationMs: 30 * 60_000,
      say: (line) => console.log(line),
    });
    server = record.server;
    const results = await checkStormInvariants(stack, pool, record);
    for (const line of stormReport(record, results)) console.log(line);
    return results.every((r) => r.ok) && record.trades.length >= trades && record.kills.length >= kills ? 0 : 1;
  } finally {
    await pool.end();
    await stack.client.connection.close();
    const code = await stack.interrupt();
    if (code !== 0) console.error(`nemo up exited with ${code}:\n${stack.output().slice(-3000)}`);
    await server?.stop();
    const persistence = clusterPersistence(databaseUrl);
    for (const db of [
      databaseUrl,
      withDatabase(databaseUrl, persistence.database),
      withDatabase(databaseUrl, persistence.visibilityDatabase),
    ]) {
      await dropDatabase(db).catch((err) => console.error(`drop ${db}: ${(err as Error).message}`));
    }
    rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
