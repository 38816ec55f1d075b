import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
import type { KalshiTier } from '../simulators/kalshi/auth';
import { KalshiControlClient } from '../simulators/kalshi/control-client';
import type { SimulatedVenueConfig } from '../platform/venue-description';
import { readVenueDescription } from '../platform/venue-description';

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
    cli: cli.path,
    dbFile: path.join(home, 'temporal.db'),
    port: await freePort(),
    uiPort: await freePort(),
    headless: true,
    logFile: path.join(home, 'temporal-server.log'),
  });
  const databaseUrl = withDatabase(
    process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/nemo',
    `nemo_bench_${name.replace(/-/g, '_')}_${process.pid}`,
  );
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const cleanups: BenchStack['cleanups'] = [() => server.stop(), () => dropDatabase(databaseUrl)];
  return {
    home,
    server,
    databaseUrl,
    cleanups,
    async stop() {
      for (const cleanup of cleanups)
        await cleanup().catch((err) => console.error(`cleanup: ${(err as Error).message}`));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * The environment of a whole `nemo up` on a scratch home and a database of its own (the benches that time the CLI as
 * an operator runs it); the caller removes both.
 */
export async function scratchUpEnv(
  name: string,
  cliPath: string,
): Promise<NodeJS.ProcessEnv & { NEMO_HOME: string; DATABASE_URL: string }> {
  const { TEMPORAL_ADDRESS: _, ...base } = process.env;
  return {
    ...base,
    NEMO_HOME: mkdtempSync(path.join(os.tmpdir(), `nemo-bench-${name}-`)),
    DATABASE_URL: `postgres://127.0.0.1:5432/nemo_bench_${name}_${process.pid}`,
    TEMPORAL_CLI: cliPath,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
  };
}

/** A worker's secrets plus the ledger key of the bench's home, as a worker's vault scope would hold it. */
export function withHomeLedgerKey(stack: Pick<BenchStack, 'home'>, secrets: SecretSource): SecretSource {
  const ledger = ledgerKeyFileSource(nemoHome(stack.home));
  return {
    get: (entry) => ledger.get(entry) ?? secrets.get(entry),
    names: () => [...ledger.names(), ...secrets.names()],
  };
}

/** The loopback venues as the bench runs them: a process of their own, as `nemo up` runs them in SIMULATED mode. */
export interface BenchVenues {
  config: SimulatedVenueConfig;
  secretsFor: ReturnType<typeof readVenueDescription>['secretsFor'];
  /** Production Kalshi's control API (the requests it served). */
  kalshiControl: KalshiControlClient;
  /** The venues' process (for the bench's CPU meter). */
  pid: number;
}

/**
 * Starts the loopback venues in their own process (simulators/serve-venues.ts), so serving the bench's requests does
 * not share NEMO's event loop (a real venue is another machine); stopped with the stack.
 */
export async function startBenchVenues(
  stack: Pick<BenchStack, 'home' | 'cleanups'>,
  options: { seed: string; kalshiMarkets: number; kalshiTier?: KalshiTier; startingBalanceCents?: number },
): Promise<BenchVenues> {
  const description = path.join(stack.home, 'venues', 'description.json');
  const args = [
    '--import',
    'tsx',
    path.resolve(__dirname, '..', 'simulators', 'serve-venues.ts'),
    description,
    '--seed',
    options.seed,
    '--kalshi-markets',
    String(options.kalshiMarkets),
    ...(options.kalshiTier ? ['--kalshi-tier', options.kalshiTier] : []),
    ...(options.startingBalanceCents !== undefined
      ? ['--starting-balance-cents', String(options.startingBalanceCents)]
      : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stack.cleanups.unshift(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const deadline = Date.now() + 60_000;
  while (!existsSync(description)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error('the loopback venues did not start within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const venues = readVenueDescription(description);
  return {
    config: venues.description.config,
    secretsFor: venues.secretsFor,
    kalshiControl: new KalshiControlClient(venues.description.control.kalshiProduction, venues.controlToken),
    pid: child.pid!,
  };
}
