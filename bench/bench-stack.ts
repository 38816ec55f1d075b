import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ensureLedgerKey, ledgerKeyFileSource } from '../platform/ledger-key';
import { migrate } from '../platform/postgres/migrations';
import { nemoHome } from '../platform/nemo-home';
import { freePort } from '../platform/ports';
import { dropDatabase, ensureDatabase, withDatabase } from '../platform/postgres/postgres';
import type { SecretSource } from '../platform/secrets';
import { ensureTemporalCli } from '../platform/temporal/temporal-cli';
import { startDevServer, type DevServer } from '../platform/temporal/temporal-server';

/**
 * What a whole-stack bench starts first: a scratch home holding its ledger key (as `nemo up` makes one), a headless
 * dev server and a migrated ledger database.
 */
export interface BenchStack {
  home: string;
  server: DevServer;
  databaseUrl: string;
  /** Run in order by `stop`: a bench puts what it started in front (`cleanups.unshift(...)`). */
  cleanups: (() => Promise<unknown>)[];
  /** Every cleanup, each failure reported and the rest still run, then the scratch home removed. */
  stop(): Promise<void>;
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  // The SDK's own INFO lines (bundling, worker state) would bury the figures.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const home = mkdtempSync(path.join(os.tmpdir(), `nemo-bench-${name}-`));
  ensureLedgerKey({ NEMO_HOME: home });
  const cli = await ensureTemporalCli();
  const server = await startDevServer({
    cli: cli.path, dbFile: path.join(home, 'temporal.db'), port: await freePort(), uiPort: await freePort(), headless: true,
    logFile: path.join(home, 'temporal-server.log'),
  });
  const databaseUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/nemo', `nemo_bench_${name.replace(/-/g, '_')}_${process.pid}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const cleanups: BenchStack['cleanups'] = [() => server.stop(), () => dropDatabase(databaseUrl)];
  return {
    home, server, databaseUrl, cleanups,
    async stop() {
      for (const cleanup of cleanups) await cleanup().catch((err) => console.error(`cleanup: ${(err as Error).message}`));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A worker's secrets plus the ledger key of the bench's home, as a worker's vault scope would hold it. */
export function withHomeLedgerKey(stack: Pick<BenchStack, 'home'>, secrets: SecretSource): SecretSource {
  const ledger = ledgerKeyFileSource(nemoHome(stack.home));
  return { get: (entry) => ledger.get(entry) ?? secrets.get(entry), names: () => [...ledger.names(), ...secrets.names()] };
}
