import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { seedLiveApproval, seedPaperProof } from '../../test/support/live-trades';
import type pg from 'pg';
import {
  clusterPersistence,
  ensureClusterBinaries,
  startClusterServer,
} from '../../platform/temporal/temporal-cluster';
import type { DevServer } from '../../platform/temporal/temporal-server';
import { TASK_QUEUES } from '../../policies/domains';
import { exposureTotals, marketExposureCents } from '../../policies/exposure-book';
import { exposureCapCents, positionCapCents, usdLimitCents } from '../../policies/limits';
import type { VenueOrder } from '../../policies/orders';
import { guardianStatusQuery, guardianWorkflowId } from '../../contracts/guardian';
import type { TradeOutcome, TradeRequest } from '../../workflows/trading/trade';
import { stackServerPid, workerProcesses, type ClusterNemo } from './cluster-nemo';
import type { Venue } from '../../policies/orders';

/**
 * The crash storm (issue 17 C): live trades on both venues, each a buy and then the sale of what it bought (so the
 * account's exposure stays far under its limits however many trades run), while a chaos loop SIGKILLs a random worker
 * process of a trading domain every few seconds and the Temporal server is SIGKILLed and started again on the same
 * PostgreSQL. Every guardian's book is sampled against its limits meanwhile. Invariants are checked afterwards
 * (./invariants.ts).
 */
export const STORM_STRATEGY = 'crash-storm';

export interface StormOptions {
  /** Trades to start at least (buys and sales). */
  trades: number;
  /** Worker kills to reach at least: trading goes on until both counts are reached. */
  kills: number;
  serverRestarts: number;
  /** A kill every this many ms, uniformly at random in [min, max]. */
  killEveryMs: [number, number];
  /** Round trips in flight per venue. */
  lanesPerVenue: number;
  /** The storm stops starting trades after this long, whatever the counts (a hung stack must not hang the run). */
  maxDurationMs: number;
  say(line: string): void;
}

export interface StormTrade {
  workflowId: string;
  venue: Venue;
  order: VenueOrder;
  startedAt: number;
  endedAt?: number;
  outcome?: TradeOutcome;
  /** What went wrong waiting for it (the invariants report it). */
  error?: string;
}

export interface Kill {
  at: number;
  worker: string;
}

export interface LimitBreach {
  at: number;
  guardian: string;
  detail: string;
}

export interface StormRecord {
  trades: StormTrade[];
  kills: Kill[];
  serverRestarts: number;
  limitSamples: number;
  limitBreaches: LimitBreach[];
  startedAt: number;
  endedAt: number;
  /** The server the storm started last (the caller stops it after `nemo up`), if it restarted one. */
  server?: DevServer;
}

const TRADING_WORKER = /^(live|paper)(#\d+)?$/;
/** A worker is killed once it has been up this long (it has started polling; well above NEMO_WORKER_STABLE_AFTER). */
const VICTIM_MIN_UPTIME_MS = 8000;
const GUARDIANS = [
  ['live', 'kalshi'],
  ['live', 'coinbase'],
  ['paper', 'kalshi'],
  ['paper', 'coinbase'],
] as const;
/** The guardians' throttle is 20 orders a minute per account; the storm stays under it so no trade is refused for rate. */
const ORDERS_PER_MINUTE = 18;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const randomIn = ([min, max]: [number, number]) => min + Math.random() * (max - min);

/** The storm's strategy has its paper proof and live approval (as the operator would have given it). */
export async function seedStormEvidence(pool: pg.Pool): Promise<void> {
  await seedPaperProof(pool, STORM_STRATEGY);
  await seedLiveApproval(pool, STORM_STRATEGY, 'storm', 'crash storm drill');
}

/** Retries a call through the server's restarts (connection refused, unavailable) until `deadline`. */
async function throughRestarts<T>(call: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowFailedError || Date.now() > deadline) throw err;
      await sleep(1000);
    }
  }
}

export async function runCrashStorm(stack: ClusterNemo, options: StormOptions): Promise<StormRecord> {
  const { client } = stack;
  const { say } = options;
  const record: StormRecord = {
    trades: [],
    kills: [],
    serverRestarts: 0,
    limitSamples: 0,
    limitBreaches: [],
    startedAt: Date.now(),
    endedAt: 0,
  };
  const stopStartingAt = record.startedAt + options.maxDurationMs;
  const enough = () =>
    (record.trades.length >= options.trades &&
      record.kills.length >= options.kills &&
      record.serverRestarts >= options.serverRestarts) ||
    Date.now() > stopStartingAt;
  const tag = record.startedAt.toString(36);
  const nextStartAt: Record<Venue, number> = { kalshi: 0, coinbase: 0 };

  /** One live trade: started under a fresh id (a lost start answer is found again by that id), awaited to its end. */
  async function trade(venue: Venue, order: VenueOrder): Promise<StormTrade> {
    // Evenly spaced, so the trades (and the kills among them) spread over the whole storm.
    const at = Math.max(Date.now(), nextStartAt[venue]);
    nextStartAt[venue] = at + 60_000 / ORDERS_PER_MINUTE;
    await sleep(at - Date.now());
    const request: TradeRequest = {
      strategyId: STORM_STRATEGY,
      strategyVersion: 'v1',
      order,
      probability: 0.85,
      rationale: 'crash storm',
      referencePrice: order.price,
      timeInForce: 'ioc',
      fillDeadline: '1m',
      approvalTimeout: '10m',
    };
    const entry: StormTrade = {
      workflowId: `live-trade/${STORM_STRATEGY}/${venue}/${tag}-${record.trades.length + 1}`,
      venue,
      order,
      startedAt: Date.now(),
    };
    record.trades.push(entry);
    const deadline = Date.now() + 10 * 60_000;
    try {
      await throughRestarts(async () => {
        try {
          await client.workflow.start('liveTrade', {
            taskQueue: TASK_QUEUES.live,
            workflowId: entry.workflowId,
            args: [request],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }, deadline);
      const handle: WorkflowHandle = client.workflow.getHandle(entry.workflowId);
      entry.outcome = (await throughRestarts(() => handle.result(), deadline)) as TradeOutcome;
    } catch (err) {
      entry.error = (err as Error).message;
    }
    entry.endedAt = Date.now();
    return entry;
  }

  let seq = 0;
  /** A buy worth a dollar or a few, quantities varied so no two orders of a lane look alike (the duplicate check). */
  async function buy(venue: Venue, market: string): Promise<VenueOrder | undefined> {
    const n = ++seq;
    const book = await stack.venues.live[venue].getOrderBook(market, 1);
    const ask = book.asks[0]?.price;
    if (!ask) return undefined;
    return venue === 'kalshi'
      ? { venue, market, action: 'buy', side: 'yes', count: String(1 + (n % 3)), price: ask }
      : { venue, market, side: 'BUY', baseSize: ((3 + (n % 5)) / Number(ask) + n * 1e-8).toFixed(8), price: ask };
  }
  async function sale(bought: VenueOrder, filled: string): Promise<VenueOrder | undefined> {
    const bid = (await stack.venues.live[bought.venue].getOrderBook(bought.market, 1)).bids[0]?.price;
    if (!bid) return undefined;
    return bought.venue === 'kalshi'
      ? { ...bought, action: 'sell', count: filled, price: bid }
      : { ...bought, side: 'SELL', baseSize: filled, price: bid };
  }

  async function lane(venue: Venue, markets: string[]): Promise<void> {
    for (let round = 0; !enough(); round += 1) {
      const market = markets[round % markets.length]!;
      try {
        const order = await buy(venue, market);
        if (!order) continue;
        const bought = await trade(venue, order);
        if (bought.outcome?.outcome !== 'done' || Number(bought.outcome.filledQuantity) <= 0) continue;
        const sell = await sale(order, bought.outcome.filledQuantity);
        if (sell) await trade(venue, sell);
      } catch (err) {
        say(`storm: a ${venue} round in ${market} stopped: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
  }

  async function restartServer(): Promise<void> {
    const binaries = await ensureClusterBinaries();
    const killedAt = Date.now();
    if (record.server) await record.server.stop('SIGKILL');
    else {
      const pid = stackServerPid(stack.home);
      process.kill(pid, 'SIGKILL');
      // Its ports are free once it is gone (`nemo up` reaps it).
      for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) await sleep(100);
    }
    record.server = await startClusterServer({
      binaries,
      persistence: clusterPersistence(stack.databaseUrl),
      frontendPort: stack.config.TEMPORAL_PORT,
      logFile: path.join(stack.home, 'logs', 'temporal-server.log'),
    });
    record.serverRestarts += 1;
    say(
      `storm: Temporal server SIGKILLed and started again in ${((Date.now() - killedAt) / 1000).toFixed(1)} s (${record.serverRestarts} of ${options.serverRestarts}), ${((Date.now() - record.startedAt) / 1000).toFixed(0)} s into the storm, ${record.trades.length} trades started, ${record.kills.length} kills`,
    );
  }

  /** SIGKILLs a random running worker of a trading domain (one up long enough for the crash not to count in a row). */
  async function chaos(): Promise<void> {
    const firstSeen = new Map<number, number>();
    while (!enough()) {
      await sleep(randomIn(options.killEveryMs));
      const due = Math.floor(((record.serverRestarts + 1) * options.trades) / (options.serverRestarts + 1));
      if (record.serverRestarts < options.serverRestarts && record.trades.length >= due) {
        await restartServer();
        continue;
      }
      // A random point of a trade: once a live trade is in flight, a random part of a second into it.
      for (const until = Date.now() + 5000; !record.trades.some((t) => !t.endedAt) && Date.now() < until;)
        await sleep(50);
      await sleep(Math.random() * 1000);
      const now = Date.now();
      let processes: ReturnType<typeof workerProcesses>;
      try {
        processes = workerProcesses(stack.home);
      } catch {
        continue; // read while the supervisor rewrote it
      }
      const running = processes.filter((p) => TRADING_WORKER.test(p.name) && p.state === 'running' && p.pid);
      for (const p of running) if (!firstSeen.has(p.pid!)) firstSeen.set(p.pid!, now);
      const victims = running.filter((p) => now - firstSeen.get(p.pid!)! >= VICTIM_MIN_UPTIME_MS);
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (!victim) continue;
      try {
        process.kill(victim.pid!, 'SIGKILL');
        record.kills.push({ at: now, worker: victim.name });
      } catch {
        // It exited between the report and the signal: not a kill.
      }
    }
  }

  /**
   * Every guardian's book against its limits, as often as the guardians answer. A limit is a fraction of the portfolio
   * at the moment of the reservation: measured here against the highest portfolio value seen so far, a loss after a
   * fill (a lower cap now) is not mistaken for a breach.
   */
  async function sampleLimits(): Promise<void> {
    const highest = new Map<string, number>();
    while (!enough()) {
      for (const [domain, venue] of GUARDIANS) {
        const status = await client.workflow
          .getHandle(guardianWorkflowId(domain, venue))
          .query(guardianStatusQuery)
          .catch(() => undefined);
        if (!status) continue;
        record.limitSamples += 1;
        const guardian = `${domain}:${venue}`;
        const portfolio = Math.max(highest.get(guardian) ?? 0, status.trading.equityCents);
        highest.set(guardian, portfolio);
        const { limits } = status.policy;
        const { committedCents, reservedCents } = exposureTotals(status.exposureBook);
        const breach = (detail: string) => record.limitBreaches.push({ at: Date.now(), guardian, detail });
        if (committedCents + reservedCents > exposureCapCents(limits, portfolio)) {
          breach(
            `exposure ${committedCents + reservedCents} cents above the cap of ${exposureCapCents(limits, portfolio)}`,
          );
        }
        const markets = new Set([
          ...Object.keys(status.exposureBook.committed).map((key) => key.slice(venue.length + 1)),
          ...Object.values(status.exposureBook.reservations).map((r) => r.market),
        ]);
        const positionCap = Math.min(
          positionCapCents(limits, portfolio),
          domain === 'live' ? usdLimitCents(limits.maxPositionUsd) : Infinity,
        );
        for (const market of markets) {
          const held = marketExposureCents(status.exposureBook, venue, market);
          if (held > positionCap) breach(`${market}: ${held} cents above the position cap of ${positionCap}`);
        }
      }
      await sleep(1000);
    }
  }

  const kalshiMarkets = (await stack.venues.live.kalshi.listMarkets({ status: 'open', limit: 300 }))
    .filter((m) => Number(m.bestAsk ?? 1) > 0.2 && Number(m.bestAsk ?? 1) < 0.8)
    .map((m) => m.market);
  if (kalshiMarkets.length < options.lanesPerVenue * 2)
    throw new Error(
      `only ${kalshiMarkets.length} Kalshi markets priced mid-range; the storm wants ${options.lanesPerVenue * 2}`,
    );
  const coinbaseProducts = stack.config.NEMO_COINBASE_PRODUCTS.split(',');
  const lanes = Array.from({ length: options.lanesPerVenue }, (_, i) => [
    lane(
      'kalshi',
      kalshiMarkets.filter((_, m) => m % options.lanesPerVenue === i),
    ),
    lane(
      'coinbase',
      coinbaseProducts.map((_, p) => coinbaseProducts[(p + i) % coinbaseProducts.length]!),
    ),
  ]).flat();
  say(
    `storm: ${options.trades}+ trades on Kalshi and Coinbase (${options.lanesPerVenue} round trips in flight per venue), a worker SIGKILLed every ${options.killEveryMs.map((ms) => (ms / 1000).toFixed(1)).join('-')} s until ${options.kills}+ kills, ${options.serverRestarts} server restarts`,
  );
  await Promise.all([...lanes, chaos(), sampleLimits()]);
  record.endedAt = Date.now();
  return record;
}
