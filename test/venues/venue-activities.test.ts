import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { liveActivities } from '../../activities/live-domain';
import { guardActivities } from '../../activities/domain-guard';
import { createLiveOrderActivities, createVenueActivities } from '../../activities/venues/venue-activities';
import { appendEntry, readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { TASK_QUEUES } from '../../policies/domains';
import { atFileEnd, testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';
import { startTestVenues } from '../support/loopback-venues';

/**
 * The venue activities under real Temporal retries: a test workflow calls them with the production option presets
 * (VENUE_READ, ORDER_PLACEMENT) on a worker running the real activities against the loopback venues.
 */
const PROBE_QUEUE = 'venue-probe';

describe('venue activities on a real Temporal server', () => {
  let venues: Awaited<ReturnType<typeof startTestVenues>>;
  let config: NemoConfig;
  let client: Client;
  let kalshiMarket: string;
  let run = 0;

  const call = (activity: string, request: unknown) =>
    client.workflow.execute('venueCall', {
      taskQueue: PROBE_QUEUE,
      workflowId: `venue-call-${process.pid}-${++run}`,
      args: [PROBE_QUEUE, activity, request],
    });

  /** The attempts Temporal made of the workflow's one activity. */
  async function attempts(workflowId: string): Promise<number> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    return started.at(-1)!.activityTaskStartedEventAttributes!.attempt!;
  }

  before(async () => {
    venues = await startTestVenues();
    config = await testConfig({ ...venues.config });
    client = await testClient(config);
    // The real live domain worker, with production keys, guarded by the domain matrix.
    await startDomainWorkers(config, [
      { domain: 'live', activities: liveActivities, secrets: venues.secretsFor('live') },
    ]);
    // Test-only workflows: the probe worker runs the real venue activities (paper keys, demo venues) unguarded.
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '..', 'fixtures', 'workflows', 'venue-probes.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS! });
    const workers = [
      await Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: PROBE_QUEUE,
        workflowBundle,
        activities: createVenueActivities(venues.portsFor('paper')),
      }),
      await Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: TASK_QUEUES.research,
        workflowBundle,
      }),
    ];
    const running = workers.map((w) => w.run());
    atFileEnd(async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
      await connection.close();
    });
    const [m] = await venues.portsFor('paper').kalshi!.listMarkets({ status: 'open', limit: 1 });
    kalshiMarket = m!.market;
    await venues.control.kalshi.demo.setYesPrice(kalshiMarket, '0.50');
  });

  it('retries a placement whose answer was lost and leaves exactly one order at the venue', async () => {
    const control = venues.control.kalshi.demo;
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    await control.addFault({ kind: 'accept-then-drop', path: '/portfolio/events/orders', method: 'POST', times: 1 });
    const workflowId = `venue-call-${process.pid}-${++run}`;
    const request = {
      venue: 'kalshi',
      market: kalshiMarket,
      clientOrderId: `wf-${workflowId}`,
      side: 'buy',
      type: 'limit',
      timeInForce: 'ioc',
      quantity: '5',
      limitPrice: '0.55',
    };
    const order = (await client.workflow.execute('venueCall', {
      taskQueue: PROBE_QUEUE,
      workflowId,
      args: [PROBE_QUEUE, 'placePaperOrder', request],
    })) as { status: string; clientOrderId: string };
    assert.equal(order.status, 'filled');
    assert.equal(order.clientOrderId, request.clientOrderId);
    assert.equal(await attempts(workflowId), 2, 'the first attempt lost its answer; the second found the order');
    const posts = (await control.requests(since)).filter(
      (r) => r.method === 'POST' && r.path.endsWith('/portfolio/events/orders'),
    );
    assert.equal(posts.length, 1, 'one placement request reached the venue');
    const orders = await venues.portsFor('paper').kalshi!.listOrders({ market: kalshiMarket });
    assert.equal(orders.filter((o) => o.clientOrderId === request.clientOrderId).length, 1);
  });

  it("retries a read after 429 no sooner than the venue's Retry-After", async () => {
    const control = venues.control.coinbase.demo;
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    await control.addFault({ kind: 'rate-limit', path: '/api/v3/brokerage/accounts', retryAfterSeconds: 3, times: 1 });
    const balance = (await call('getBalance', { venue: 'coinbase' })) as { availableCents: number };
    assert.equal(balance.availableCents, 100_000);
    const reads = (await control.requests(since)).filter((r) => r.path.endsWith('/accounts'));
    assert.deepEqual(
      reads.map((r) => r.status),
      [429, 200],
    );
    // ORDER/READ presets start retrying after 1 s; the 3 s gap is the venue's Retry-After honoured.
    assert.ok(Date.parse(reads[1]!.at) - Date.parse(reads[0]!.at) >= 2_900, 'waited for Retry-After');
  });

  it('retries a read through a 5xx; does not retry insufficient funds or a bad request', async () => {
    await venues.control.kalshi.demo.addFault({ kind: 'server-error', path: '/portfolio/positions', times: 2 });
    const positions = (await call('getPositions', { venue: 'kalshi' })) as { market: string; quantity: string }[];
    assert.deepEqual(
      positions.map((p) => [p.market, p.quantity]),
      [[kalshiMarket, '5.00']],
      'the position of the first test',
    );

    const since = (await venues.control.kalshi.demo.requests()).at(-1)?.seq ?? 0;
    const broke = {
      venue: 'kalshi',
      market: kalshiMarket,
      clientOrderId: `broke-${process.pid}`,
      side: 'buy',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '1000000',
      limitPrice: '0.50',
    };
    const failure = await call('placePaperOrder', broke).then(
      () => assert.fail('placed'),
      (err: unknown) => err,
    );
    assert.ok(
      failure instanceof WorkflowFailedError &&
        failure.cause instanceof ActivityFailure &&
        failure.cause.cause instanceof ApplicationFailure,
    );
    assert.equal(failure.cause.cause.type, 'InsufficientFunds');
    const posts = (await venues.control.kalshi.demo.requests(since)).filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1, 'not retried');

    const bad = await call('placePaperOrder', { ...broke, quantity: 'ten' }).then(
      () => assert.fail('placed'),
      (err: unknown) => err,
    );
    assert.ok(bad instanceof WorkflowFailedError && bad.cause?.cause instanceof ApplicationFailure);
    assert.equal(bad.cause.cause.type, 'InvalidVenueRequest');
    assert.match(bad.cause.cause.message, /quantity must be a decimal/);
  });

  it('refuses a research workflow that tries to get placeLiveOrder executed, and records the violation', async () => {
    const since = (await venues.control.kalshi.production.requests()).at(-1)?.seq ?? 0;
    const workflowId = `research-scan-${process.pid}`;
    const order = {
      venue: 'kalshi',
      market: kalshiMarket,
      clientOrderId: `scan-${process.pid}`,
      side: 'buy',
      type: 'limit',
      timeInForce: 'ioc',
      quantity: '1',
      limitPrice: '0.55',
    };
    const failure = await client.workflow
      .execute('researchScan', { taskQueue: TASK_QUEUES.research, workflowId, args: [order] })
      .then(
        () => assert.fail('the live worker placed a research order'),
        (err: unknown) => err,
      );
    assert.ok(failure instanceof WorkflowFailedError && failure.cause?.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.cause.type, 'DomainViolation');
    const requests = await venues.control.kalshi.production.requests(since);
    assert.deepEqual(
      requests.filter((r) => r.path.includes('/portfolio')),
      [],
      'nothing reached the production venue',
    );
    const [entry] = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'security.domain-violation' });
    assert.equal(entry?.payload.workflowType, 'researchScan');
    assert.equal(entry?.payload.activityType, 'placeLiveOrder');
    assert.equal(entry?.domain, 'live');
  });

  it('guards local activities too: a research workflow running placeLiveOrder locally is refused and recorded', async () => {
    // A worker that runs the research workflow with the live order activities behind the same guard every domain uses.
    const pool = testAppPool(config.DATABASE_URL);
    const guarded = guardActivities('live', createLiveOrderActivities(venues.portsFor('live')), async (violation) => {
      await appendEntry(pool, {
        kind: 'security.domain-violation',
        domain: 'live',
        account: 'nemo',
        payload: { ...violation },
        idempotencyKey: `local:${violation.runId}`,
      });
    });
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS! });
    const queue = `local-probe-${process.pid}`;
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: queue,
      activities: guarded,
      workflowsPath: path.resolve(__dirname, '..', 'fixtures', 'workflows', 'local-probes.ts'),
    });
    const since = (await venues.control.kalshi.production.requests()).at(-1)?.seq ?? 0;
    const order = {
      venue: 'kalshi',
      market: kalshiMarket,
      clientOrderId: `local-${process.pid}`,
      side: 'buy',
      type: 'limit',
      timeInForce: 'ioc',
      quantity: '1',
      limitPrice: '0.55',
    };
    const failure = await worker.runUntil(
      client.workflow
        .execute('researchScan', { taskQueue: queue, workflowId: `local-scan-${process.pid}`, args: [order] })
        .then(
          () => assert.fail('placed'),
          (err: unknown) => err,
        ),
    );
    await connection.close();
    // A local activity's failure is the workflow's own: no ActivityFailure around it.
    assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, 'DomainViolation');
    assert.deepEqual(
      (await venues.control.kalshi.production.requests(since)).filter((r) => r.path.includes('/portfolio')),
      [],
      'nothing reached the venue',
    );
    const entries = await readEntries(pool, { kind: 'security.domain-violation' });
    assert.ok(
      entries.some(
        (e) =>
          e.payload.workflowType === 'researchScan' &&
          e.payload.activityType === 'placeLiveOrder' &&
          e.idempotencyKey.startsWith('local:'),
      ),
    );
  });
});
