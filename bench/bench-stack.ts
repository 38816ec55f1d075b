import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { migrate } from '../platform/migrations';
import { freePort } from '../platform/ports';
import { ensureDatabase, withDatabase } from '../platform/postgres';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { startDevServer, type DevServer } from '../platform/temporal-server';

/** What a whole-stack bench starts first: a scratch home, a headless dev server and a migrated ledger database. */
export interface BenchStack {
  home: string;
  server: DevServer;
  databaseUrl: string;
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  // The SDK's own INFO lines (bundling, worker state) would bury the figures.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const home = mkdtempSync(path.join(os.tmpdir(), `nemo-bench-${name}-`));
  const cli = await ensureTemporalCli();
  const server = await startDevServer({
    cli: cli.path, dbFile: path.join(home, 'temporal.db'), port: await freePort(), uiPort: await freePort(), headless: true,
    logFile: path.join(home, 'temporal-server.log'),
  });
  const databaseUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/nemo', `nemo_bench_${name.replace(/-/g, '_')}_${process.pid}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  return { home, server, databaseUrl };
}
