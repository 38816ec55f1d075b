import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { listPending } from '../../platform/approvals/approvals-store';
import { controlActivities } from '../../activities/control-domain';
import { venuePortsFor } from '../../activities/venues/credentials';
import type { VenuePort } from '../../activities/venues/venue-port';
import { runCli } from '../../cli/nemo';
import type { NemoConfig } from '../../platform/config';
import { freePort } from '../../platform/ports';
import { riskPolicyFrom } from '../../platform/risk-config';
import { startDevServer, type DevServer } from '../../platform/temporal/temporal-server';
import { TASK_QUEUES } from '../../policies/domains';
import { KalshiControlClient } from '../../simulators/kalshi/control-client';
import { guardianStatusQuery, guardianWorkflowId } from '../../contracts/guardian';
import type { TradeOutcome } from '../../workflows/trading/trade';
import { atFileEnd, testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';
import { until } from '../support/until';
import { liveTrades, seedLiveEvidence } from '../support/live-trades';
import { readVenueDescription } from '../../platform/venue-description';

/**
 * Crash safety, proven with real processes: the live worker is SIGKILLed after the venue accepted an order but before
 * the placing activity completed; the Temporal dev server is SIGKILLed and restarted on the same database file; an
 * approval is given while the live worker is down. Each time: exactly one order at the venue, one fill in the ledger.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SERIES = ['KXSIMRAIN', 'KXSIMHIGH', 'KXSIMCPI'];

const untilDone = <T>(probe: () => Promise<T | undefined> | T | undefined, what: string) => until(probe, what, 120_000);

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

describe('crash safety: exactly one order through worker and server crashes (real processes)', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nemo-crash-'));
  let server: DevServer;
  let serverOptions: Parameters<typeof startDevServer>[0];
  let venuesProcess: ChildProcess;
  let liveWorker: ChildProcess | undefined;
  let config: NemoConfig;
  let client: Client;
  let kalshi: VenuePort;
  let control: KalshiControlClient;
  let workerEnv: NodeJS.ProcessEnv;
  let markets: string[];
  const io = {
    lines: [] as string[],
    out(line: string) {
      this.lines.push(line);
    },
    err(line: string) {
      this.lines.push(line);
    },
  };

  function startLiveWorker(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'live.ts')], {
      cwd: ROOT,
      env: workerEnv,
      stdio: 'ignore',
    });
    liveWorker = child;
    return child;
  }

  async function killLiveWorker(): Promise<void> {
    const child = liveWorker!;
    child.kill('SIGKILL');
    await exited(child);
  }

  const { buyYes, trade, assertExactlyOnce, killedMidTrade } = liveTrades(
    () => ({ client, kalshi, control, databaseUrl: config.DATABASE_URL }),
    'crash',
  );

  before(async () => {
    // Venues in a process of their own, as `nemo up` runs them.
    const description = path.join(scratch, 'venues.json');
    venuesProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'simulators', 'serve-venues.ts'),
        description,
        '--seed',
        'crash',
        '--kalshi-markets',
        '60',
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    atFileEnd(async () => {
      venuesProcess.kill('SIGTERM');
      await exited(venuesProcess);
    });
    await untilDone(() => (existsSync(description) ? true : undefined), 'the venues to start');
    const venues = readVenueDescription(description);

    // A Temporal server of this file's own, so it can be killed and restarted on its database file.
    serverOptions = {
      cli: process.env.NEMO_TEST_TEMPORAL_CLI!,
      dbFile: path.join(scratch, 'temporal.db'),
      port: await freePort(),
      uiPort: await freePort(),
      headless: true,
      logFile: path.join(scratch, 'temporal.log'),
    };
    server = await startDevServer(serverOptions);
    atFileEnd(() => server.stop('SIGKILL'));

    config = await testConfig({
      ...venues.description.config,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      NEMO_APPROVED_MARKETS: SERIES.map((s) => `kalshi:${s}-*`).join(','),
      NEMO_OPERATOR: 'bob',
    });
    client = await testClient(config);
    workerEnv = {
      ...process.env,
      NEMO_HOME: config.NEMO_HOME,
      DATABASE_URL: config.DATABASE_URL,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      NEMO_SIMULATED_VENUES: description,
      NEMO_APPROVED_MARKETS: config.NEMO_APPROVED_MARKETS,
      NEMO_LOG_LEVEL: 'warn',
      ...venues.description.config,
    };
    await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities }]);
    startLiveWorker();
    atFileEnd(async () => {
      liveWorker?.kill('SIGKILL');
      if (liveWorker) await exited(liveWorker);
    });

    kalshi = venuePortsFor('live', venues.secretsFor('live'), config).kalshi!;
    control = new KalshiControlClient(venues.description.control.kalshiProduction, venues.controlToken);
    markets = (await kalshi.listMarkets({ status: 'open', limit: 60 }))
      .filter(
        (m) =>
          SERIES.some((s) => m.market.startsWith(`${s}-`)) &&
          Number(m.bestAsk ?? 1) > 0.3 &&
          Number(m.bestAsk ?? 1) < 0.7,
      )
      .map((m) => m.market);
    assert.ok(markets.length >= 3, 'enough approved markets priced mid-range');
    const pool = testAppPool(config.DATABASE_URL);
    await seedLiveEvidence(pool);
    await client.workflow.start('livePortfolioGuardian', {
      taskQueue: TASK_QUEUES.live,
      workflowId: guardianWorkflowId('live', 'kalshi'),
      args: [{ domain: 'live', venue: 'kalshi', policy: riskPolicyFrom(config), markEvery: '2s' }],
    });
    await untilDone(
      async () =>
        (
          await client.workflow
            .getHandle(guardianWorkflowId('live', 'kalshi'))
            .query(guardianStatusQuery)
            .catch(() => undefined)
        )?.lastMarkAt
          ? true
          : undefined,
      'the guardian',
    );
  });

  after(() => liveWorker?.kill('SIGKILL'));

  it('SIGKILL of the live worker after the venue accepted the order: one order, one fill', async () => {
    await killedMidTrade(
      markets[0]!,
      async () => {
        await killLiveWorker();
        startLiveWorker();
      },
      20_000,
    );
  });

  it('SIGKILL of the Temporal server mid-trade, restarted on the same database file: one order, one fill', async () => {
    // The server keeps its state in a write-ahead log (DEV_SERVER_SQLITE_PRAGMAS): the kill must lose nothing it committed.
    assert.ok(
      existsSync(`${serverOptions.dbFile}-wal`),
      'the dev server writes its SQLite file through a write-ahead log',
    );
    await killedMidTrade(markets[1]!, async () => {
      await server.stop('SIGKILL');
      server = await startDevServer(serverOptions);
    });
  });

  it('an approval given while the live worker is down is taken when it comes back: one order, one fill', async () => {
    const ordersBefore = (await control.account()).orders;
    const handle = await trade('fresh', await buyYes(markets[2]!, 15));
    const pool = testAppPool(config.DATABASE_URL);
    const [request] = await untilDone(
      async () => ((await listPending(pool)).length ? listPending(pool) : undefined),
      'the approval request',
    );
    await killLiveWorker();
    const env = {
      ...process.env,
      NEMO_HOME: config.NEMO_HOME,
      DATABASE_URL: config.DATABASE_URL,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      NEMO_OPERATOR: 'bob',
    };
    assert.equal(await runCli(['approve', String(request!.id)], io, env), 0, io.lines.join('\n'));
    startLiveWorker();
    await assertExactlyOnce((await handle.result()) as TradeOutcome, ordersBefore);
  });
});
