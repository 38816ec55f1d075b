/**
 * The trade path: from a trade proposal (starting the liveTrade workflow) to the order acknowledged by the venue
 * (the placeLiveOrder activity completed, as the history records it), through a real Temporal dev server, the real
 * live worker (risk checks, the portfolio guardian's reservation, the ledger on PostgreSQL) and the Kalshi adapter
 * against the loopback venue; at 1, 10 and 50 trades at once, next to the venue call alone (the same adapter call,
 * no Temporal), in one run.
 *
 *   npx tsx bench/trade-path.ts [trades at concurrency 1, default 30]
 *
 * Every trade buys one YES contract at the ask (immediate-or-cancel) in a market of its own, so no trade is a
 * duplicate of another. The seed's order-rate throttle (20 orders a minute) would make throughput a measure of the
 * throttle, so this bench's guardian runs with the throttle raised; every other check runs as in production.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { liveActivities } from '../activities/live-domain';
import { venuePortsFor } from '../activities/exchanges/credentials';
import type { VenueMarket } from '../activities/exchanges/venue-port';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { migrate } from '../platform/migrations';
import { freePort } from '../platform/ports';
import { appPool, dropDatabase, ensureDatabase, withDatabase } from '../platform/postgres';
import { riskPolicyFrom } from '../platform/risk-config';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { connectClient, nemoTemporalTarget } from '../platform/temporal-connection';
import { startDevServer } from '../platform/temporal-server';
import { TASK_QUEUES } from '../policies/domains';
import type { RiskPolicy } from '../policies/risk-policy';
import { startLoopbackVenues } from '../simulators/start-venues';
import { approveStrategyForLive } from '../test/helpers/live-approval';
import { TEST_LEDGER_KEY, withTestLedgerKey } from '../test/helpers/ledger-key';
import { bindLedgerKey } from '../ledger/ledger-store';
import { guardianStatusQuery, guardianWorkflowId } from '../workflows/guardian-messages';
import type { TradeOutcome, TradeRequest } from '../workflows/trade';
import { createDomainWorker } from '../workers/domain-worker';
import { machineLine, percentile } from './machine';

const SEQUENTIAL = Number(process.argv[2] ?? 30);
const LEVELS = [
  { concurrency: 1, rounds: SEQUENTIAL },
  { concurrency: 10, rounds: 3 },
  { concurrency: 50, rounds: 2 },
];
const WARMUP = 5;
const STRATEGY = 'bench-trade-path';

interface TradeTiming {
  /** Proposal to the venue's acknowledgement (placeLiveOrder completed). */
  ackMs: number;
  /** Proposal to the workflow's end (fill committed at the guardian, ledger written). */
  doneMs: number;
  /** Each activity's completion, ms after the proposal: where the time goes. */
  steps: string;
}

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${label} p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)} ms`;
}

/** One trade: its latency read from the history's own timestamps, so client-side polling adds nothing. */
async function trade(client: Client, market: VenueMarket, seq: number): Promise<TradeTiming> {
  const request: TradeRequest = {
    strategyId: STRATEGY, strategyVersion: 'v1', probability: 0.9, rationale: 'bench', referencePrice: market.bestAsk!,
    timeInForce: 'ioc', fillDeadline: '30s', approvalTimeout: '1m',
    order: { venue: 'kalshi', market: market.market, action: 'buy', side: 'yes', count: '1', price: market.bestAsk! },
  };
  const proposedAt = Date.now();
  const handle = await client.workflow.start('liveTrade', { taskQueue: TASK_QUEUES.live, workflowId: `live-trade/${STRATEGY}/${market.market}/${seq}`, args: [request] });
  const outcome = (await handle.result()) as TradeOutcome;
  if (outcome.outcome !== 'done') throw new Error(`trade ${seq} in ${market.market} ended ${JSON.stringify(outcome)}`);
  const events = (await handle.fetchHistory()).events ?? [];
  const placed = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'placeLiveOrder');
  const acked = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(placed?.eventId));
  const last = events[events.length - 1]!;
  const at = (e: typeof last) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
  if (!acked) throw new Error(`trade ${seq}: no completed placeLiveOrder in the history`);
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const steps = events
    .filter((e) => e.activityTaskCompletedEventAttributes)
    .map((e) => {
      const done = e.activityTaskCompletedEventAttributes!;
      const scheduled = byId.get(Number(done.scheduledEventId))!;
      const started = byId.get(Number(done.startedEventId))!;
      const name = scheduled.activityTaskScheduledEventAttributes!.activityType!.name;
      return `${name} ${at(scheduled) - proposedAt}+${at(started) - at(scheduled)}+${at(e) - at(started)}`;
    })
    .join(', ');
  return { ackMs: at(acked) - proposedAt, doneMs: at(last) - proposedAt, steps };
}

async function main(): Promise<void> {
  console.log(machineLine());
  // The SDK's own INFO lines (bundling, worker state) would bury the figures.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const home = mkdtempSync(path.join(os.tmpdir(), 'nemo-bench-trade-path-'));
  const cli = await ensureTemporalCli();
  const server = await startDevServer({
    cli: cli.path, dbFile: path.join(home, 'temporal.db'), port: await freePort(), uiPort: await freePort(), headless: true,
    logFile: path.join(home, 'temporal-server.log'),
  });
  const databaseUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/nemo', `nemo_bench_trade_path_${process.pid}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const venues = await startLoopbackVenues({ seed: 'bench-trade-path', kalshiMarkets: 1000, kalshiTier: 'prime', startingBalanceCents: 1_000_000_000 });
  const cleanups: (() => Promise<unknown>)[] = [() => venues.stop(), () => server.stop(), () => dropDatabase(databaseUrl)];
  try {
    const config = loadConfig({ NEMO_HOME: home, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: server.address, NEMO_LOG_LEVEL: 'warn', ...venues.config });
    const live = venuePortsFor('live', venues.secretsFor('live'), config).kalshi!;
    const needed = WARMUP + LEVELS.reduce((n, l) => n + l.concurrency * l.rounds, 0) + SEQUENTIAL;
    const markets = (await live.listMarkets({ status: 'open' }))
      .filter((m) => Number(m.bestAsk ?? 1) >= 0.2 && Number(m.bestAsk ?? 1) <= 0.75)
      .slice(0, needed);
    if (markets.length < needed) throw new Error(`only ${markets.length} open markets priced 0.20-0.75; the bench needs ${needed}`);

    const approvedMarkets = markets.map((m) => `kalshi:${m.market}`).join(',');
    const logger = createLogger({ name: 'bench-live-worker', level: 'warn', logDir: path.join(home, 'logs'), stdout: false });
    console.log('starting the live worker (bundling its workflows)...');
    const { worker, close } = await createDomainWorker({ domain: 'live', activities: liveActivities }, config, { logger, secrets: withTestLedgerKey(venues.secretsFor('live')) });
    const running = worker.run();
    cleanups.unshift(async () => {
      worker.shutdown();
      await running;
      await close();
    });
    const client = await connectClient(nemoTemporalTarget(config, {}));
    cleanups.unshift(() => client.connection.close());

    const policy: RiskPolicy = { ...riskPolicyFrom({ ...config, NEMO_APPROVED_MARKETS: approvedMarkets }), throttle: { maxOrders: 100_000, windowMs: 60_000 } };
    const guardian = client.workflow.getHandle(guardianWorkflowId('live', 'kalshi'));
    await client.workflow.start('livePortfolioGuardian', {
      taskQueue: TASK_QUEUES.live, workflowId: guardian.workflowId, args: [{ domain: 'live', venue: 'kalshi', policy, markEvery: '5m' }],
    });
    while (!(await guardian.query(guardianStatusQuery).catch(() => undefined))?.lastMarkAt) await new Promise((r) => setTimeout(r, 200));
    const pool = bindLedgerKey(appPool(databaseUrl), TEST_LEDGER_KEY);
    await approveStrategyForLive(pool, STRATEGY);
    await pool.end();

    let next = 0;
    const take = () => markets[next++]!;
    for (let i = 0; i < WARMUP; i++) await trade(client, take(), next);

    console.log(`\nproposal -> order acknowledged by the venue (Kalshi loopback, 1 YES contract IOC per trade, a market each):`);
    for (const { concurrency, rounds } of LEVELS) {
      const timings: TradeTiming[] = [];
      const started = performance.now();
      for (let round = 0; round < rounds; round++) {
        const batch = Array.from({ length: concurrency }, take);
        timings.push(...(await Promise.all(batch.map((m) => trade(client, m, next)))));
        process.stderr.write(`\r  ${concurrency} at once: ${timings.length}/${concurrency * rounds} trades`);
      }
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write('\r\x1b[K');
      if (concurrency === 1) console.log(`  where one trade's time goes (activity: scheduled at ms after the proposal + queued ms + ran ms): ${timings[timings.length - 1]!.steps}`);
      console.log(
        `  ${String(concurrency).padStart(2)} at once (${timings.length} trades): ${summary('to ack', timings.map((t) => t.ackMs))}  |` +
          ` ${summary('to ledger', timings.map((t) => t.doneMs))}  | ${(timings.length / seconds).toFixed(2)} trades/s`,
      );
    }

    const alone: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const m = take();
      const t = performance.now();
      await live.placeOrder({ market: m.market, clientOrderId: `bench-raw-${process.pid}-${i}`, side: 'buy', type: 'limit', timeInForce: 'ioc', quantity: '1', limitPrice: m.bestAsk! });
      alone.push(performance.now() - t);
    }
    console.log(`  venue call alone (Kalshi adapter placeOrder, no Temporal, ${SEQUENTIAL} orders): ${summary('', alone)}`);
    console.log(`\nguardian throttle raised to ${policy.throttle.maxOrders} orders/min for this bench (seed default: 20); all other checks as in production`);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err) => console.error(`cleanup: ${(err as Error).message}`));
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
