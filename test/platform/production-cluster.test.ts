import assert from 'node:assert/strict';
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { listPending } from '../../platform/approvals/approvals-store';
import { venuePortsFor } from '../../activities/venues/credentials';
import type { VenuePort } from '../../activities/venues/venue-port';
import { readEntries } from '../../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { dropDatabase, ownerClient, withDatabase } from '../../platform/postgres/postgres';
import {
  clusterPersistence,
  ensureClusterBinaries,
  freeClusterPort,
  setupClusterSchema,
  startClusterServer,
  type ClusterServerOptions,
} from '../../platform/temporal/temporal-cluster';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import type { DevServer } from '../../platform/temporal/temporal-server';
import { confidentModel } from '../../simulators/anthropic/confident';
import { startAnthropicFake, type AnthropicFake } from '../../simulators/anthropic/server';
import { CoinbaseControlClient } from '../../simulators/coinbase/control-client';
import { KalshiControlClient } from '../../simulators/kalshi/control-client';
import { guardianStatusQuery, guardianWorkflowId } from '../../contracts/guardian';
import type { TradeOutcome } from '../../workflows/trading/trade';
import { NEMO, nemoEnv, ROOT, startNemoUp } from '../support/nemo-cli';
import { atFileEnd, freshDatabase, testAppPool } from '../support/stack';
import { until } from '../support/until';
import { liveTrades, seedLiveEvidence } from '../support/live-trades';
import { writeTestLedgerKey } from '../support/ledger-key';
import { readVenueDescription } from '../../platform/venue-description';

/**
 * NEMO on the production topology (issue 17): the Temporal server built from go.temporal.io/server with PostgreSQL
 * persistence and SQL visibility (platform/temporal/temporal-cluster.ts), started by this file, and a whole `nemo up` pointed
 * at it with TEMPORAL_ADDRESS, which registers its namespace and search attributes there. On it: the canary's trading
 * day, the SIGKILL of the live worker after the venue accepted an order, and a server restart in the middle of a
 * trade. The first test fails on a dev server: it checks the server keeps NEMO's workflows in the cluster database.
 */
const NAMESPACE = 'nemo-production';
const execFileAsync = promisify(execFile);

describe('production cluster: a whole NEMO on the Temporal server with PostgreSQL persistence', () => {
  let server: DevServer;
  let serverOptions: ClusterServerOptions;
  let up: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;
  let home: string;
  let databaseUrl: string;
  let clusterDatabaseUrl: string;
  let config: NemoConfig;
  let client: Client;
  let llm: AnthropicFake;
  let kalshi: VenuePort;
  let coinbase: VenuePort;
  let control: KalshiControlClient;
  let coinbaseControl: CoinbaseControlClient;
  let markets: string[];

  const nemo = (args: string[], input?: string) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', NEMO, ...args], {
      cwd: ROOT,
      env,
      input,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `nemo ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    return run.stdout;
  };
  /** Without blocking the event loop (spawnSync would leave the venue client a keep-alive socket closed meanwhile). */
  const nemoAsync = async (args: string[]) =>
    (
      await execFileAsync(process.execPath, ['--import', 'tsx', NEMO, ...args], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      })
    ).stdout;
  const ledger = (kind: string) => readEntries(testAppPool(databaseUrl), { kind });
  const untilDone = <T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 180_000) =>
    until(probe, what, ms, 500);

  /** The rows of the cluster's own database: a dev server (SQLite) leaves this empty. */
  async function persistedWorkflowIds(): Promise<string[]> {
    const db = ownerClient(clusterDatabaseUrl);
    await db.connect();
    try {
      return (await db.query<{ workflow_id: string }>('SELECT workflow_id FROM current_executions')).rows.map(
        (r) => r.workflow_id,
      );
    } finally {
      await db.end();
    }
  }

  function workerPid(name: string): number {
    const report = JSON.parse(readFileSync(path.join(home, 'run', 'release-workers.json'), 'utf8')) as {
      builds: Record<string, { processes: { name: string; pid?: number }[] }>;
    };
    const pid = Object.values(report.builds)
      .flatMap((b) => b.processes)
      .find((p) => p.name === name)?.pid;
    assert.ok(pid, `a running ${name} worker`);
    return pid;
  }

  /** A live guardian's book and its venue's positions, as market -> signed contracts (Kalshi) or base units (Coinbase). */
  async function liveBooks(
    venue: 'kalshi' | 'coinbase',
  ): Promise<{ guardian: Record<string, number>; venue: Record<string, number> }> {
    const status = await client.workflow.getHandle(guardianWorkflowId('live', venue)).query(guardianStatusQuery);
    const guardian = Object.fromEntries(
      status.positions
        .flatMap((p) => {
          if (p.venue === 'kalshi') return [[p.market, Number(p.count) * (p.side === 'yes' ? 1 : -1)]];
          return [[p.market, Number(p.baseSize)]];
        })
        .filter(([, quantity]) => quantity !== 0),
    );
    const port = venue === 'kalshi' ? kalshi : coinbase;
    const held = Object.fromEntries(
      (await port.getPositions()).filter((p) => Number(p.quantity) !== 0).map((p) => [p.market, Number(p.quantity)]),
    );
    return { guardian, venue: held };
  }

  const { buyYes, buyCoinbase, trade, assertExactlyOnce, killedMidTrade } = liveTrades(
    () => ({ client, kalshi, coinbase, control, databaseUrl }),
    'cluster',
  );

  before(async () => {
    const binaries = await ensureClusterBinaries((line) => process.stdout.write(`# ${line}\n`));
    databaseUrl = await freshDatabase('prodcluster');
    const persistence = clusterPersistence(databaseUrl);
    clusterDatabaseUrl = withDatabase(databaseUrl, persistence.database);
    atFileEnd(async () => {
      await dropDatabase(clusterDatabaseUrl);
      await dropDatabase(withDatabase(databaseUrl, persistence.visibilityDatabase));
    });
    await setupClusterSchema(binaries, persistence, () => undefined);
    home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'cluster-day-'));
    // The test appends its proofs with the test ledger key: `nemo up` must chain with the same one.
    writeTestLedgerKey(home);
    serverOptions = {
      binaries,
      persistence,
      frontendPort: await freeClusterPort(),
      logFile: path.join(home, 'temporal-cluster.log'),
    };
    server = await startClusterServer(serverOptions);
    atFileEnd(() => server.stop('SIGKILL'));

    llm = await startAnthropicFake({ apiKey: 'sk-ant-cluster-test' });
    llm.fallback = confidentModel('cluster');
    env = nemoEnv({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      NEMO_LOG_LEVEL: 'warn',
      NEMO_SIM_KALSHI_MARKETS: '300',
      NEMO_SCAN_READS_PER_SECOND: '400',
      NEMO_LLM_MODEL_ESTIMATE_CHEAP: 'anthropic:claude-haiku-4-5',
      NEMO_OPERATOR: 'bob',
      // Two processes per trading domain, polling the same task queues (as on two hosts).
      NEMO_TRADING_WORKERS: '2',
      // A killed worker stays down long enough for `nemo status` (a few seconds to run here) to show it gone.
      NEMO_WORKER_RESTART_DELAY: '20s',
    });
    nemo(['keys', 'init']);
    nemo(['keys', 'add', 'anthropic'], `${JSON.stringify({ apiKey: 'sk-ant-cluster-test', baseURL: llm.url })}\n`);

    up = await startNemoUp(env, (text) => (output += text), 240_000);

    config = loadConfig(env);
    client = await connectClient(nemoTemporalTarget(config, env));
    atFileEnd(() => client.connection.close());
    const venues = readVenueDescription(path.join(home, 'run', 'simulated-venues.json'));
    const ports = venuePortsFor('live', venues.secretsFor('live'), {
      ...config,
      ...venues.description.config,
    } as NemoConfig);
    kalshi = ports.kalshi!;
    coinbase = ports.coinbase!;
    control = new KalshiControlClient(venues.description.control.kalshiProduction, venues.controlToken);
    coinbaseControl = new CoinbaseControlClient(venues.description.control.coinbaseProduction, venues.controlToken);
    markets = (await kalshi.listMarkets({ status: 'open', limit: 300 }))
      .filter((m) => Number(m.bestAsk ?? 1) > 0.3 && Number(m.bestAsk ?? 1) < 0.7)
      .map((m) => m.market);
    assert.ok(markets.length >= 3, 'enough markets priced mid-range');
    const pool = testAppPool(databaseUrl);
    await seedLiveEvidence(pool);
  });

  after(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGTERM');
      await new Promise((r) => up.once('exit', r));
    }
    await llm?.close();
  });

  it('runs on the cluster, not a dev server: NEMO registered its namespace and search attributes, the server keeps them in PostgreSQL', async () => {
    assert.match(
      output,
      new RegExp(`Temporal: using the server at ${server.address} \\(TEMPORAL_ADDRESS\\); starting none`),
    );
    assert.match(
      output,
      new RegExp(
        `namespace ${NAMESPACE} registered; search attributes registered NemoDomain, NemoStrategy, NemoMarket, NemoState`,
      ),
    );
    const [cluster] = (await client.connection.operatorService.listClusters({})).clusters ?? [];
    assert.equal(
      cluster?.historyShardCount,
      4,
      'the shard count of temporal-cluster/config/nemo.yaml (the dev server has 1)',
    );
    const ids = await persistedWorkflowIds();
    assert.ok(
      ids.includes(guardianWorkflowId('live', 'kalshi')),
      `the live guardian is a row of the cluster database (${ids.length} rows)`,
    );
  });

  it('runs the trading day: research scan, paper fills, schedules, a live trade approved by signal, halt and resume', async () => {
    await untilDone(async () => (await ledger('research.scan'))[0], 'the research scan', 300_000);
    assert.ok(llm.requests.length > 0, 'the analyst asked the LLM');
    await untilDone(
      async () => (await ledger('trade.fill')).find((e) => e.domain === 'paper'),
      'a paper fill',
      300_000,
    );
    for (const schedule of ['nemo-ledger-backup', 'nemo-reconciliation', 'nemo-account-snapshot']) {
      nemo(['temporal', 'schedule', 'trigger', '--schedule-id', schedule]);
    }
    await untilDone(async () => (await ledger('backup.verified'))[0], 'a verified backup');
    await untilDone(async () => (await ledger('reconciliation.completed'))[0], 'a reconciliation');
    await untilDone(async () => (await ledger('account.snapshot'))[0], 'an account snapshot');

    // A live trade of a strategy not yet approved for live: it waits for the operator, whose approval is a signal.
    const ordersBefore = (await control.account()).orders;
    const handle = await trade('fresh', await buyYes(markets[0]!, 15));
    const pool = testAppPool(databaseUrl);
    const [request] = await untilDone(
      async () => ((await listPending(pool)).length ? listPending(pool) : undefined),
      'the approval request',
    );
    nemo(['approve', String(request!.id)]);
    await assertExactlyOnce((await handle.result()) as TradeOutcome, ordersBefore);

    const guardian = client.workflow.getHandle(guardianWorkflowId('paper', 'kalshi'));
    nemo(['halt', '--reason', 'cluster drill', '--account', 'paper:kalshi']);
    await untilDone(
      async () => ((await guardian.query(guardianStatusQuery)).trading.status === 'HALTED' ? true : undefined),
      'the paper guardian halted',
      60_000,
    );
    nemo(['resume', '--reason', 'cluster drill reviewed', '--account', 'paper:kalshi']);
    await untilDone(
      async () => ((await guardian.query(guardianStatusQuery)).trading.status === 'ACTIVE' ? true : undefined),
      'the paper guardian active again',
      60_000,
    );
  });

  it('SIGKILL of a live worker after the venue accepted the order: one order, one fill (the supervisor restarts it)', async () => {
    let pid = 0;
    await killedMidTrade(
      markets[1]!,
      async () => {
        pid = workerPid('live');
        process.kill(pid, 'SIGKILL');
      },
      20_000,
    );
    await untilDone(
      () => {
        try {
          return workerPid('live') !== pid ? true : undefined;
        } catch {
          return undefined;
        }
      },
      'the supervisor to restart the live worker',
      60_000,
    );
  });

  it('SIGKILL of the Temporal server mid-trade, restarted on the same PostgreSQL: the trade completes, one order, one fill', async () => {
    await killedMidTrade(markets[2]!, async () => {
      await server.stop('SIGKILL');
      server = await startClusterServer(serverOptions);
    });
  });

  it('two live worker processes with distinct identities: one SIGKILLed while Kalshi and Coinbase trades are in flight, every trade completes once', async () => {
    const status = JSON.parse(await nemoAsync(['status', '--json'])) as {
      workers: { domain: string; pollers: string[] }[];
      processes: { name: string; state: string }[];
    };
    for (const domain of ['paper', 'live']) {
      const pollers = status.workers.find((w) => w.domain === domain)!.pollers;
      assert.ok(
        new Set(pollers.map((p) => p.split('/')[0])).size >= 2,
        `${domain} has two distinct worker identities polling: ${pollers}`,
      );
    }
    assert.deepEqual(
      status.processes
        .filter((p) => p.name.startsWith('live'))
        .map((p) => `${p.name}:${p.state}`)
        .sort(),
      ['live#2:running', 'live:running'],
    );

    const ordersBefore = {
      kalshi: (await control.account()).orders,
      coinbase: (await coinbaseControl.account()).orders,
    };
    // Every read after an order stalls a little, so the placing activities are in flight when the process dies.
    await control.addFault({
      kind: 'latency',
      path: '^/trade-api/v2/portfolio/orders/',
      method: 'GET',
      latencyMs: 4_000,
      times: 4,
    });
    await coinbaseControl.addFault({
      kind: 'latency',
      path: '^/api/v3/brokerage/orders/historical/',
      method: 'GET',
      latencyMs: 4_000,
      times: 4,
    });
    const orders = [
      ...(await Promise.all(markets.slice(3, 7).map((market) => buyYes(market, 5)))),
      ...(await Promise.all([
        buyCoinbase('BTC-USD', 5),
        buyCoinbase('ETH-USD', 5),
        buyCoinbase('BTC-USD', 6),
        buyCoinbase('ETH-USD', 6),
      ])),
    ];
    const handles = await Promise.all(orders.map((order) => trade('steady', order)));
    await untilDone(
      async () =>
        (await control.account()).orders > ordersBefore.kalshi &&
        (await coinbaseControl.account()).orders > ordersBefore.coinbase
          ? true
          : undefined,
      'orders to reach both venues',
    );
    const victim = Math.random() < 0.5 ? 'live' : 'live#2';
    process.kill(workerPid(victim), 'SIGKILL');
    await untilDone(
      async () => (/\blive(#2)? (RESTARTING|STARTING|FAILED)/.test(await nemoAsync(['status'])) ? true : undefined),
      `nemo status to show ${victim} gone`,
      30_000,
    );

    const outcomes = (await Promise.all(handles.map((h) => h.result()))) as TradeOutcome[];
    for (const outcome of outcomes) assert.equal(outcome.outcome, 'done', JSON.stringify(outcome));
    assert.equal((await control.account()).orders, ordersBefore.kalshi + 4, 'one Kalshi order per Kalshi trade');
    assert.equal(
      (await coinbaseControl.account()).orders,
      ordersBefore.coinbase + 4,
      'one Coinbase order per Coinbase trade',
    );
    const fills = await ledger('trade.fill');
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.outcome !== 'done') continue;
      const port = orders[i]!.venue === 'kalshi' ? kalshi : coinbase;
      assert.equal(
        (await port.findOrderByClientOrderId(outcome.clientOrderId, orders[i]!.market))?.orderId,
        outcome.orderId,
      );
      const expected = Number(outcome.filledQuantity) > 0 ? 1 : 0;
      assert.equal(
        fills.filter((e) => e.payload.clientOrderId === outcome.clientOrderId).length,
        expected,
        `${orders[i]!.venue}: one fill in the ledger per filled trade`,
      );
    }
    for (const venue of ['kalshi', 'coinbase'] as const) {
      const filled = outcomes.filter(
        (o, i) => orders[i]!.venue === venue && o.outcome === 'done' && Number(o.filledQuantity) > 0,
      );
      assert.ok(filled.length > 0, `some ${venue} trade filled`);
    }
    await nemoAsync(['ledger', 'verify']); // exits non-zero on a broken chain
    for (const venue of ['kalshi', 'coinbase'] as const) {
      await untilDone(
        async () => {
          const books = await liveBooks(venue);
          const sorted = (book: Record<string, number>) => JSON.stringify(Object.entries(book).sort());
          return sorted(books.guardian) === sorted(books.venue) ? true : undefined;
        },
        `the live ${venue} guardian's book to equal the venue's positions`,
        60_000,
      );
    }
  });
});
