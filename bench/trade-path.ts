/**
 * The trade path: from a trade proposal (starting the liveTrade workflow) to the order acknowledged by the venue
 * (the activity that placed it completed, as the history records it: openLiveTrade for NEMO), through a real Temporal dev server, the real
 * live worker (risk checks, the portfolio guardian's reservation, the ledger on PostgreSQL) and the Kalshi adapter
 * against the loopback venue; at 1, 10 and 50 trades at once. In the same run, on the same dev server and with the same
 * worker settings, the floor: a bare workflow that makes exactly one activity call to the same venue adapter (the
 * minimum a durable order needs), at the same concurrency levels, the two taking turns; at one at a time also the
 * decided floor, whose one activity first asks a bare workflow by an update (the design, a workflow deciding
 * every order before it is placed, without NEMO's checks, ledger or book); and the venue call alone (no Temporal). The
 * last line compares NEMO with the floor (targets: ack ratio <= 1.5 at 1, throughput ratio >= 0.7 at 50, and
 * throughput that never falls from 10 to 50).
 *
 *   npx tsx bench/trade-path.ts [trades at concurrency 1 for each side, in two turns; default 30]
 *
 * The loopback venues run in a process of their own (as under `nemo up`), so serving the orders and the guardian's marks
 * does not share the worker's event loop. Every trade buys one YES contract at the ask (immediate-or-cancel) in a market of its own, so no trade is a
 * duplicate of another. The seed's order-rate throttle (20 orders a minute) would make throughput a measure of the
 * throttle, so this bench's guardian runs with the throttle raised; every other check runs as in production.
 */
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createLiveOrderActivities } from '../activities/venues/venue-activities';
import { liveActivities } from '../activities/live-domain';
import { venuePortsFor } from '../activities/venues/credentials';
import type { PlaceOrderActivityRequest } from '../activities/venues/venue-activities';
import type { VenueMarket } from '../activities/venues/venue-port';
import type { temporal } from '@temporalio/proto';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { ledgerPool } from '../platform/ledger-key';
import { riskPolicyFrom } from '../platform/risk-config';
import { connectClient, nemoTemporalTarget } from '../platform/temporal/temporal-connection';
import { TASK_QUEUES } from '../policies/domains';
import type { RiskPolicy } from '../policies/risk-policy';
import { approveStrategyForLive } from '../test/support/live-approval';
import { guardianStatusQuery, guardianWorkflowId, reserveExposureUpdate } from '../contracts/guardian';
import type { TradeRequest } from '../workflows/trading/trade';
import { createDomainWorker, WORKER_TUNING } from '../workers/domain-worker';
import { DECIDER_WORKFLOW_ID, decideUpdate, FLOOR_TASK_QUEUE, type DecidedFloorActivities } from './floor-workflow';
import { startBenchStack, startBenchVenues, withHomeLedgerKey } from './bench-stack';
import { machineLine, percentile } from './machine';
import { CpuMeter, pidsNamed } from './cpu-meter';

const SEQUENTIAL = Number(process.argv[2] ?? 30);
// Each turn of a level keeps `concurrency` trades in flight (a new one starts as one ends) over `perTurn` trades:
// waves that wait for their slowest trade would measure the stragglers, and three waves of ten are too few to say more
// than noise. Each side takes two turns (see level).
const LEVELS = [
  { concurrency: 1, perTurn: Math.ceil(SEQUENTIAL / 2) },
  { concurrency: 10, perTurn: 100 },
  { concurrency: 50, perTurn: 150 },
];
const WARMUP = 5;
const STRATEGY = 'bench-trade-path';

interface TradeTiming {
  /** Proposal to the venue's acknowledgement (the activity that placed the order completed). */
  ackMs: number;
  /** Proposal to the workflow's end (fill committed at the guardian, ledger written). */
  doneMs: number;
  /** Each workflow task and activity in the order they completed: where the time goes. */
  steps: Step[];
}

/** One workflow task or activity: scheduled at ms after the proposal, queued ms, ran ms. */
interface Step {
  name: string;
  at: number;
  queued: number;
  ran: number;
}

function describe(steps: Step[]): string {
  return steps.map((s) => `${s.name} ${s.at}+${s.queued}+${s.ran}`).join(', ');
}

const median = (values: number[]) =>
  percentile(
    values.slice().sort((a, b) => a - b),
    50,
  );

/** The median of each step over orders that took the same steps (the most common sequence of names). */
function medianSteps(timings: TradeTiming[]): string {
  const shape = (t: TradeTiming) => t.steps.map((s) => s.name).join(',');
  const counts = new Map<string, number>();
  for (const t of timings) counts.set(shape(t), (counts.get(shape(t)) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const alike = timings.filter((t) => shape(t) === common);
  const steps = alike[0]!.steps.map((s, i) => ({
    name: s.name,
    at: median(alike.map((t) => t.steps[i]!.at)),
    queued: median(alike.map((t) => t.steps[i]!.queued)),
    ran: median(alike.map((t) => t.steps[i]!.ran)),
  }));
  return `${describe(steps)} (medians of ${alike.length} of ${timings.length})`;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const at = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

/**
 * The guardian's part of a trade's opening, from its own history: each workflow task that took a reservation between
 * two instants (queued ms + ran ms, medians). What the opening spends beyond it is the evidence read and the server's
 * hops between the activity, the frontend, history and matching.
 */
async function reservationTasks(guardian: WorkflowHandle, from: number, until: number): Promise<string> {
  const events = (await guardian.fetchHistory()).events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const tasks = new Set<HistoryEvent>();
  let task: HistoryEvent | undefined;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) task = e;
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    // The updates a workflow task accepted follow its completion in the history.
    if (task && accepted === reserveExposureUpdate.name && at(e) >= from && at(e) <= until) tasks.add(task);
  }
  const queued: number[] = [];
  const ran: number[] = [];
  for (const done of tasks) {
    const { scheduledEventId, startedEventId } = done.workflowTaskCompletedEventAttributes!;
    const started = byId.get(Number(startedEventId))!;
    queued.push(at(started) - at(byId.get(Number(scheduledEventId))!));
    ran.push(at(done) - at(started));
  }
  return `the guardian's workflow tasks that took the reservations: queued ${median(queued)} + ran ${median(ran)} ms (medians of ${tasks.size})`;
}

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${label} p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)} ms`;
}

/** One durable order (a NEMO trade or the floor's): its latency read from the history's own timestamps. */
async function timed(
  start: () => Promise<{ fetchHistory(): Promise<{ events?: HistoryEvent[] | null }>; result(): Promise<unknown> }>,
  seq: number,
): Promise<TradeTiming> {
  const proposedAt = Date.now();
  const handle = await start();
  const outcome = (await handle.result()) as { outcome?: string; status?: string };
  if (outcome.outcome !== undefined && outcome.outcome !== 'done')
    throw new Error(`trade ${seq} ended ${JSON.stringify(outcome)}`);
  const events = (await handle.fetchHistory()).events ?? [];
  // A NEMO trade is reserved and placed in one step (openLiveTrade); the floor places (placeLiveOrder); the decided
  // floor asks the bare decider, then places (decideAndPlaceLiveOrder).
  const placed = events.find((e) =>
    ['openLiveTrade', 'placeLiveOrder', 'decideAndPlaceLiveOrder'].includes(
      e.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
    ),
  );
  const acked = events.find(
    (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(placed?.eventId),
  );
  const last = events[events.length - 1]!;
  if (!acked) throw new Error(`order ${seq}: no completed openLiveTrade or placeLiveOrder in the history`);
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  // Workflow tasks (their local activities run inside them) and activities, in the order they completed.
  const steps = events
    .filter((e) => e.activityTaskCompletedEventAttributes || e.workflowTaskCompletedEventAttributes)
    .map((e) => {
      const done = e.activityTaskCompletedEventAttributes ?? e.workflowTaskCompletedEventAttributes!;
      const scheduled = byId.get(Number(done.scheduledEventId))!;
      const started = byId.get(Number(done.startedEventId))!;
      return {
        name: scheduled.activityTaskScheduledEventAttributes?.activityType?.name ?? 'workflow task',
        at: at(scheduled) - proposedAt,
        queued: at(started) - at(scheduled),
        ran: at(e) - at(started),
      };
    });
  return { ackMs: at(acked) - proposedAt, doneMs: at(last) - proposedAt, steps };
}

/** One NEMO trade: the liveTrade workflow, every check, the guardian, the ledger. */
function trade(client: Client, market: VenueMarket, seq: number): Promise<TradeTiming> {
  const request: TradeRequest = {
    strategyId: STRATEGY,
    strategyVersion: 'v1',
    probability: 0.9,
    rationale: 'bench',
    referencePrice: market.bestAsk!,
    timeInForce: 'ioc',
    fillDeadline: '30s',
    approvalTimeout: '1m',
    order: { venue: 'kalshi', market: market.market, action: 'buy', side: 'yes', count: '1', price: market.bestAsk! },
  };
  return timed(
    () =>
      client.workflow.start('liveTrade', {
        taskQueue: TASK_QUEUES.live,
        workflowId: `live-trade/${STRATEGY}/${market.market}/${seq}`,
        args: [request],
      }),
    seq,
  );
}

/** The floor worker's activities: the live placement, and the decided floor's update to the bare decider before it. */
function floorActivities(
  client: Client,
  orders: ReturnType<typeof createLiveOrderActivities>,
): ReturnType<typeof createLiveOrderActivities> & DecidedFloorActivities {
  return {
    ...orders,
    async decideAndPlaceLiveOrder(request) {
      await client.workflow
        .getHandle(DECIDER_WORKFLOW_ID)
        .executeUpdate(decideUpdate, { args: [request.clientOrderId], updateId: `decide:${request.clientOrderId}` });
      return orders.placeLiveOrder(request);
    },
  };
}

/** The floor: the same order through one bare workflow making one placeLiveOrder call (`decided`: the bare decider first). */
function floor(client: Client, market: VenueMarket, seq: number, decided = false): Promise<TradeTiming> {
  const kind = decided ? 'decided' : 'floor';
  const request: PlaceOrderActivityRequest = {
    venue: 'kalshi',
    market: market.market,
    clientOrderId: `bench-${kind}-${process.pid}-${seq}`,
    side: 'buy',
    type: 'limit',
    timeInForce: 'ioc',
    quantity: '1',
    limitPrice: market.bestAsk!,
  };
  return timed(
    () =>
      client.workflow.start(decided ? 'decidedFloorOrder' : 'floorOrder', {
        taskQueue: FLOOR_TASK_QUEUE,
        workflowId: `bench-${kind}/${process.pid}/${seq}`,
        args: [request],
      }),
    seq,
  );
}

interface LevelFigures {
  concurrency: number;
  ackP50: number;
  perSecond: number;
}

/** One side of the comparison: NEMO's trades or the floor's orders. */
interface Side {
  label: string;
  run: (seq: number) => Promise<TradeTiming>;
  nextSeq: () => number;
}

/** What a side's orders took at one level: each order's timing, the wall time they ran in, the CPU they used. */
interface Run {
  timings: TradeTiming[];
  seconds: number;
  cpu: Record<string, number>;
}

type Measured = LevelFigures & { timings: TradeTiming[]; slowest: TradeTiming };

const emptyRun = (): Run => ({ timings: [], seconds: 0, cpu: {} });

function addTo(total: Run, run: Run): void {
  total.timings.push(...run.timings);
  total.seconds += run.seconds;
  for (const [part, ms] of Object.entries(run.cpu)) total.cpu[part] = (total.cpu[part] ?? 0) + ms;
}

/**
 * A pause after each turn: the next turn starts on a quiet stack, and the work a turn leaves behind (the server's
 * tasks after a workflow closes, the guardian's mark, at most a second after the last fill) is charged to that turn's
 * CPU, not to the next.
 */
const SETTLE_MS = 1_500;

/** Runs `trades` orders of one side, `concurrency` of them in flight at any time, then lets the stack settle. */
async function runOrders(side: Side, concurrency: number, trades: number, meter: CpuMeter): Promise<Run> {
  const timings: TradeTiming[] = [];
  const cpuBefore = meter.read();
  const started = performance.now();
  let begun = 0;
  const inFlight = async () => {
    while (begun < trades) {
      begun += 1;
      timings.push(await side.run(side.nextSeq()));
      process.stderr.write(`\r  ${side.label} ${concurrency} at once: ${timings.length}/${trades}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, inFlight));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuAfter = meter.read();
  process.stderr.write('\r\x1b[K');
  return { timings, seconds, cpu: CpuMeter.used(cpuBefore, cpuAfter) };
}

/**
 * One level, the sides taking turns in order and then back (NEMO, floor, floor, NEMO; `perTurn` orders each): a
 * machine whose speed drifts steadily during the run (other tenants of the host) slows every side alike instead of
 * whichever ran in the slower minute. Each side's figures are summed over its two turns.
 */
async function level(sides: Side[], concurrency: number, perTurn: number, meter: CpuMeter): Promise<Run[]> {
  const runs = sides.map(emptyRun);
  const there = sides.map((_, i) => i);
  const back = [...there].reverse();
  for (const i of [...there, ...back]) addTo(runs[i]!, await runOrders(sides[i]!, concurrency, perTurn, meter));
  return runs;
}

/** Prints a side's line at one level (latencies, throughput, CPU per order) and returns its figures. */
function measured(label: string, concurrency: number, { timings, seconds, cpu }: Run): Measured {
  const perSecond = timings.length / seconds;
  console.log(
    `  ${label} ${String(concurrency).padStart(2)} at once (${timings.length}): ${summary(
      'to ack',
      timings.map((t) => t.ackMs),
    )}  |` +
      ` ${summary(
        'to done',
        timings.map((t) => t.doneMs),
      )}  | ${perSecond.toFixed(2)} /s`,
  );
  console.log(`      ${CpuMeter.perOrder(cpu, timings.length)}`);
  const acks = timings.map((t) => t.ackMs).sort((a, b) => a - b);
  const slowest = timings.reduce((a, b) => (b.doneMs > a.doneMs ? b : a));
  return { concurrency, ackP50: percentile(acks, 50), perSecond, timings, slowest };
}

async function main(): Promise<void> {
  console.log(machineLine());
  const stack = await startBenchStack('trade-path');
  const { home, server, databaseUrl } = stack;
  const venues = await startBenchVenues(stack, {
    seed: 'bench-trade-path',
    kalshiMarkets: 1000,
    kalshiTier: 'prime',
    startingBalanceCents: 1_000_000_000,
  });
  const { cleanups } = stack;
  try {
    const config = loadConfig({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: server.address,
      NEMO_LOG_LEVEL: 'warn',
      ...venues.config,
    });
    const live = venuePortsFor('live', venues.secretsFor('live'), config).kalshi!;
    const needed = WARMUP + LEVELS.reduce((n, l) => n + 2 * l.perTurn, 0) + SEQUENTIAL;
    const markets = (await live.listMarkets({ status: 'open' }))
      .filter((m) => Number(m.bestAsk ?? 1) >= 0.2 && Number(m.bestAsk ?? 1) <= 0.75)
      .slice(0, needed);
    if (markets.length < needed)
      throw new Error(`only ${markets.length} open markets priced 0.20-0.75; the bench needs ${needed}`);

    const approvedMarkets = markets.map((m) => `kalshi:${m.market}`).join(',');
    const logger = createLogger({
      name: 'bench-live-worker',
      level: 'warn',
      logDir: path.join(home, 'logs'),
      stdout: false,
    });
    console.log('starting the live worker (bundling its workflows)...');
    const { worker, close } = await createDomainWorker({ domain: 'live', activities: liveActivities }, config, {
      logger,
      secrets: withHomeLedgerKey(stack, venues.secretsFor('live')),
    });
    const running = worker.run();
    cleanups.unshift(async () => {
      worker.shutdown();
      await running;
      await close();
    });
    const client = await connectClient(nemoTemporalTarget(config, {}));
    cleanups.unshift(() => client.connection.close());

    const policy: RiskPolicy = {
      ...riskPolicyFrom({ ...config, NEMO_APPROVED_MARKETS: approvedMarkets }),
      throttle: { maxOrders: 100_000, windowMs: 60_000 },
    };
    const guardian = client.workflow.getHandle(guardianWorkflowId('live', 'kalshi'));
    await client.workflow.start('livePortfolioGuardian', {
      taskQueue: TASK_QUEUES.live,
      workflowId: guardian.workflowId,
      args: [{ domain: 'live', venue: 'kalshi', policy, markEvery: '5m' }],
    });
    while (!(await guardian.query(guardianStatusQuery).catch(() => undefined))?.lastMarkAt)
      await new Promise((r) => setTimeout(r, 200));
    const pool = ledgerPool({ NEMO_HOME: home, DATABASE_URL: databaseUrl });
    await approveStrategyForLive(pool, STRATEGY);
    await pool.end();

    // The floor's worker: the same settings as every domain worker, the same venue adapter, no NEMO around it.
    const floorConnection = await NativeConnection.connect({ address: server.address });
    const floorWorker = await Worker.create({
      connection: floorConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: FLOOR_TASK_QUEUE,
      workflowsPath: path.join(__dirname, 'floor-workflow.ts'),
      activities: floorActivities(
        client,
        createLiveOrderActivities(venuePortsFor('live', venues.secretsFor('live'), config)),
      ),
      ...WORKER_TUNING,
    });
    const floorRunning = floorWorker.run();
    await client.workflow.start('floorDecider', { taskQueue: FLOOR_TASK_QUEUE, workflowId: DECIDER_WORKFLOW_ID });
    cleanups.unshift(async () => {
      floorWorker.shutdown();
      await floorRunning;
      await floorConnection.close();
    });

    // The bench process runs the live worker, the floor's worker and the client; the venues have a process of their own.
    const meter = new CpuMeter({
      server: () => [server.process.pid!],
      venues: () => [venues.pid],
      postgres: () => pidsNamed('postgres'),
    });
    let next = 0;
    const take = () => markets[next++]!;
    let floorSeq = 0;
    const ourSide: Side = { label: 'NEMO   ', run: (seq) => trade(client, take(), seq), nextSeq: () => next };
    const floorSide: Side = {
      label: 'floor  ',
      run: (seq) => floor(client, markets[seq % markets.length]!, seq),
      nextSeq: () => floorSeq++,
    };
    let decidedSeq = 0;
    const decidedSide: Side = {
      label: 'decided',
      run: (seq) => floor(client, markets[seq % markets.length]!, seq, true),
      nextSeq: () => decidedSeq++,
    };
    for (let i = 0; i < WARMUP; i++)
      for (const side of [ourSide, floorSide, decidedSide]) await side.run(side.nextSeq());

    console.log(
      `\nproposal -> order acknowledged by the venue (Kalshi loopback, 1 YES contract IOC per order, a market per NEMO trade):`,
    );
    const nemo: LevelFigures[] = [];
    const floors: LevelFigures[] = [];
    for (const { concurrency, perTurn } of LEVELS) {
      // The decided floor runs at one at a time only: what the decision alone adds to an order's latency.
      const sides = concurrency === 1 ? [ourSide, floorSide, decidedSide] : [ourSide, floorSide];
      const from = Date.now();
      const runs = await level(sides, concurrency, perTurn, meter);
      const until = Date.now();
      const [ours, bare, decided] = sides.map((side, i) => measured(side.label, concurrency, runs[i]!));
      if (decided)
        console.log(
          `  where a trade's time goes (workflow task or activity: scheduled at ms after the proposal + queued ms + ran ms; local activities run inside their workflow task): ${medianSteps(ours!.timings)}\n` +
            `  in a trade's opening, ${await reservationTasks(guardian, from, until)}\n` +
            `  where a floor order's time goes: ${medianSteps(bare!.timings)}\n` +
            `  where a decided floor order's time goes (the floor's activity first asks a bare workflow by an update: the issue's design without NEMO's checks, ledger or book): ${medianSteps(decided.timings)}\n` +
            `  ack p50 at 1: NEMO / decided floor ${(ours!.ackP50 / decided.ackP50).toFixed(2)}, decided floor / floor ${(decided.ackP50 / bare!.ackP50).toFixed(2)}`,
        );
      else
        console.log(
          `  the slowest trade at ${concurrency} at once (done in ${ours!.slowest.doneMs} ms): ${describe(ours!.slowest.steps)}`,
        );
      nemo.push(ours!);
      floors.push(bare!);
    }
    // The guardian decides every order: how large its history grew, and how often it continued as new meanwhile.
    let guardianRuns = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${guardian.workflowId}'` })) guardianRuns++;
    const guardianEvents = (await guardian.fetchHistory()).events?.length ?? 0;
    console.log(`  guardian: ${guardianRuns} run(s), ${guardianEvents} events in the current run's history`);
    const alone: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const m = take();
      const t = performance.now();
      await live.placeOrder({
        market: m.market,
        clientOrderId: `bench-raw-${process.pid}-${i}`,
        side: 'buy',
        type: 'limit',
        timeInForce: 'ioc',
        quantity: '1',
        limitPrice: m.bestAsk!,
      });
      alone.push(performance.now() - t);
    }
    console.log(
      `  venue call alone (Kalshi adapter placeOrder, no Temporal, ${SEQUENTIAL} orders): ${summary('', alone)}`,
    );
    console.log(
      `\nguardian throttle raised to ${policy.throttle.maxOrders} orders/min for this bench (seed default: 20); all other checks as in production`,
    );
    const atLevel = (figures: LevelFigures[], concurrency: number) =>
      figures.find((f) => f.concurrency === concurrency)!;
    const r = atLevel(nemo, 1).ackP50 / atLevel(floors, 1).ackP50;
    const q = atLevel(nemo, 50).perSecond / atLevel(floors, 50).perSecond;
    const g = atLevel(nemo, 50).perSecond / atLevel(nemo, 10).perSecond;
    console.log(
      `targets: ack ratio <= 1.5 (${r <= 1.5 ? 'met' : 'missed'}), throughput ratio at 50 >= 0.7 (${q >= 0.7 ? 'met' : 'missed'}), 10->50 >= 1.0 (${g >= 1 ? 'met' : 'missed'})`,
    );
    console.log(
      `trade-path summary: ack p50 ${atLevel(nemo, 1).ackP50.toFixed(0)} ms vs floor ${atLevel(floors, 1).ackP50.toFixed(0)} ms (ratio ${r.toFixed(2)}); ` +
        `at 50: ${atLevel(nemo, 50).perSecond.toFixed(2)} trades/s vs floor ${atLevel(floors, 50).perSecond.toFixed(2)}/s (ratio ${q.toFixed(2)}); 10->50 throughput x${g.toFixed(2)}`,
    );
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
