import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { listPending } from '../../platform/approvals/approvals-store';
import { controlActivities } from '../../activities/control-domain';
import { liveActivities } from '../../activities/live-domain';
import type { VenuePort } from '../../activities/venues/venue-port';
import { runCli } from '../../cli/nemo';
import { appendEntry, readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { riskPolicyFrom } from '../../platform/risk-config';
import type { KalshiOrder } from '../../policies/orders';
import type { ProofSummary } from '../../policies/proof';
import { TASK_QUEUES } from '../../policies/domains';
import {
  commitFillUpdate,
  confirmReservationUpdate,
  guardianStatusQuery,
  guardianWorkflowId,
  reserveExposureUpdate,
  type GuardianStatus,
} from '../../contracts/guardian';
import type { TradeOutcome, TradeRequest } from '../../workflows/trading/trade';
import { startTestVenues } from '../support/loopback-venues';
import { saveHistoryFixture } from '../support/histories';
import { testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';
import { until } from '../support/until';

const SERIES = ['KXSIMRAIN', 'KXSIMHIGH', 'KXSIMCPI'];

function paperProof(strategyId: string, strategyVersion: string): ProofSummary {
  return {
    proofId: `proof:${strategyId}:${strategyVersion}:paper`,
    strategyId,
    strategyVersion,
    dataHash: 'paper-record',
    source: 'paper',
    periodStart: '2026-10-01T00:00:00.000Z',
    periodEnd: '2026-11-01T00:00:00.000Z',
    trades: 140,
    wins: 120,
    netPnlCents: 21_000,
    maxDrawdown: 0.06,
    winRate: 0.857,
    sharpe: 2.1,
    expectancyCents: 150,
  };
}

describe('live trading: guardian, approvals, breakers (real Temporal, PostgreSQL and loopback Kalshi)', () => {
  let config: NemoConfig;
  let client: Client;
  let venues: Awaited<ReturnType<typeof startTestVenues>>;
  let kalshi: VenuePort;
  let cliEnv: NodeJS.ProcessEnv;
  let markets: string[];
  let trades = 0;
  const io = {
    lines: [] as string[],
    out(line: string) {
      this.lines.push(line);
    },
    err(line: string) {
      this.lines.push(line);
    },
  };
  const cli = (...argv: string[]) => runCli(argv, io, cliEnv);
  const guardian = () => client.workflow.getHandle(guardianWorkflowId('live', 'kalshi'));
  const status = (): Promise<GuardianStatus> => guardian().query(guardianStatusQuery);

  /** A buy of YES at the best ask, for about `dollars`, immediate-or-cancel. */
  async function buyYes(market: string, dollars: number): Promise<KalshiOrder> {
    const book = await kalshi.getOrderBook(market, 1);
    const ask = book.asks[0]!.price;
    const count = Math.max(1, Math.floor(dollars / Number(ask)));
    return { venue: 'kalshi', market, action: 'buy', side: 'yes', count: String(count), price: ask };
  }

  /** A sale of `count` YES at the best bid, traded (the bid is its reference price); its outcome. */
  async function sellYes(market: string, count: number): Promise<TradeOutcome> {
    const bid = (await kalshi.getOrderBook(market, 1)).bids[0]!.price;
    const sale: KalshiOrder = {
      venue: 'kalshi',
      market,
      action: 'sell',
      side: 'yes',
      count: String(count),
      price: bid,
    };
    return (await (await trade('rain-edge', sale, { referencePrice: bid })).result()) as TradeOutcome;
  }

  function trade(strategyId: string, order: KalshiOrder, extra: Partial<TradeRequest> = {}) {
    const request: TradeRequest = {
      strategyId,
      strategyVersion: 'v1',
      order,
      probability: 0.86,
      rationale: 'test: model probability above the price',
      referencePrice: order.price,
      timeInForce: 'ioc',
      fillDeadline: '30s',
      approvalTimeout: '2m',
      ...extra,
    };
    return client.workflow.start('liveTrade', {
      taskQueue: TASK_QUEUES.live,
      workflowId: `live-trade/${strategyId}/${order.market}/${++trades}`,
      args: [request],
    });
  }

  before(async () => {
    venues = await startTestVenues({ kalshiMarkets: 60 });
    config = await testConfig({
      ...venues.config,
      NEMO_APPROVED_MARKETS: SERIES.map((s) => `kalshi:${s}-*`).join(','),
      NEMO_OPERATOR: 'alice',
    });
    client = await testClient(config);
    cliEnv = {
      ...process.env,
      NEMO_HOME: config.NEMO_HOME,
      DATABASE_URL: config.DATABASE_URL,
      NEMO_OPERATOR: 'alice',
      NEMO_APPROVED_MARKETS: config.NEMO_APPROVED_MARKETS,
    };
    await startDomainWorkers(config, [
      { domain: 'control', activities: controlActivities },
      { domain: 'live', activities: liveActivities, secrets: venues.secretsFor('live') },
    ]);
    kalshi = venues.portsFor('live').kalshi!;
    const open = await kalshi.listMarkets({ status: 'open', limit: 60 });
    markets = open
      .filter(
        (m) =>
          SERIES.some((s) => m.market.startsWith(`${s}-`)) &&
          Number(m.bestAsk ?? 1) > 0.3 &&
          Number(m.bestAsk ?? 1) < 0.7,
      )
      .map((m) => m.market);
    assert.ok(markets.length >= 3, 'enough approved markets priced mid-range');
    const pool = testAppPool(config.DATABASE_URL);
    for (const strategyId of ['rain-edge', 'second-edge']) {
      await appendEntry(pool, {
        kind: 'paper.proof',
        domain: 'paper',
        account: 'paper:kalshi',
        payload: { summary: { ...paperProof(strategyId, 'v1') } },
        idempotencyKey: `paper.proof:${strategyId}`,
      });
    }
    await client.workflow.start('livePortfolioGuardian', {
      taskQueue: TASK_QUEUES.live,
      workflowId: guardianWorkflowId('live', 'kalshi'),
      args: [{ domain: 'live', venue: 'kalshi', policy: riskPolicyFrom(config), markEvery: '1s' }],
    });
    await until(
      async () => ((await status().catch(() => undefined))?.lastMarkAt ? true : undefined),
      'the guardian to mark the account',
    );
  });

  it('refuses a trade above the $50 live position cap before asking anyone, naming the check', async () => {
    const handle = await trade('rain-edge', await buyYes(markets[0]!, 80));
    const outcome = (await handle.result()) as TradeOutcome;
    assert.equal(outcome.outcome, 'refused');
    const checks = outcome.outcome === 'refused' ? outcome.failures.map((f) => f.check) : [];
    assert.ok(checks.includes('live-position-cap'), `named: ${checks.join(', ')}`);
    assert.equal((await listPending(testAppPool(config.DATABASE_URL))).length, 0, 'no approval was requested');
    const [refusal] = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'trade.refused' });
    assert.match(JSON.stringify(refusal?.payload.failures), /\$50/);
  });

  it('asks the operator before the first live trade of a strategy, and trades once `nemo approve` is given', async () => {
    const handle = await trade('rain-edge', await buyYes(markets[0]!, 30));
    const pool = testAppPool(config.DATABASE_URL);
    const [request] = await until(async () => {
      const pending = await listPending(pool);
      return pending.length ? pending : undefined;
    }, 'the approval request');
    assert.equal(request!.kind, 'live-trade');
    assert.equal(await cli('approve', String(request!.id)), 0, io.lines.join('\n'));
    const outcome = (await handle.result()) as TradeOutcome;
    assert.equal(outcome.outcome, 'done');
    if (outcome.outcome !== 'done') return;
    assert.equal(outcome.status, 'filled');
    const atVenue = await kalshi.findOrderByClientOrderId(outcome.clientOrderId, markets[0]);
    assert.equal(atVenue?.orderId, outcome.orderId, 'the venue holds the order under its client order id');
    const approvals = await readEntries(pool, { kind: 'strategy.live-approved' });
    assert.equal(approvals[0]?.payload.by, 'alice');
    assert.equal((await readEntries(pool, { kind: 'trade.fill' })).length, 1);
    const [report] = await readEntries(pool, { kind: 'trade.report' });
    assert.equal((report?.payload.intended as unknown as KalshiOrder).market, markets[0]);
    const guardianView = await status();
    assert.ok(guardianView.exposure.committedCents > 2000, 'the fill is committed exposure');
    assert.equal(guardianView.exposure.reservedCents, 0, 'nothing left reserved');
    await saveHistoryFixture(client, handle.workflowId, 'live');
  });

  it('trades an approved strategy without asking again, reserved and placed in one step', async () => {
    const handle = await trade('rain-edge', await buyYes(markets[1]!, 20));
    const outcome = (await handle.result()) as TradeOutcome;
    assert.equal(outcome.outcome, 'done');
    assert.equal((await listPending(testAppPool(config.DATABASE_URL))).length, 0);
    // One activity took the guardian's reservation and then placed the order: no second hop to the venue.
    const activities = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    assert.deepEqual(activities, ['openLiveTrade']);
    assert.equal((await status()).exposure.reservedCents, 0, 'the fill was committed, nothing left reserved');
    await saveHistoryFixture(client, handle.workflowId, 'live', 'one-step');
  });

  it('asks the venue, never places again, when the one-step opening fails at the venue', async () => {
    const venue = venues.control.kalshi.production;
    const since = (await venue.requests()).length;
    await venue.addFault({ kind: 'reject', path: '/portfolio/events/orders', method: 'POST', times: 1 });
    try {
      const handle = await trade('rain-edge', await buyYes(markets[1]!, 10));
      const outcome = (await handle.result()) as TradeOutcome;
      assert.equal(outcome.outcome, 'venue-rejected', JSON.stringify(outcome));
      await saveHistoryFixture(client, handle.workflowId, 'live', 'venue-rejected');
    } finally {
      await venue.clearFaults();
    }
    const posts = (await venue.requests(since)).filter(
      (r) => r.method === 'POST' && r.path.endsWith('/portfolio/events/orders'),
    );
    assert.equal(posts.length, 1, 'the order was sent once');
    const view = await status();
    assert.equal(view.exposure.reservedCents, 0, 'the reservation was released');
    assert.equal(view.openReservations, 0);
    const rejected = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'trade.venue-rejected' });
    assert.equal(rejected.length, 1);
  });

  it('answers every guardian update it cannot apply with a typed failure, never a failed workflow task', async () => {
    const handle = guardian();
    // A handler that threw a plain Error would fail the workflow task: the update would never be answered.
    const answer = <T>(update: Promise<T>) =>
      Promise.race([
        update,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the guardian never answered')), 20_000)),
      ]);
    const failureOf = async (update: Promise<unknown>) => {
      const err = await answer(update).then(
        () => assert.fail('the update was applied'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowUpdateFailedError, `an update failure, not ${String(err)}`);
      assert.ok(err.cause instanceof ApplicationFailure, 'a typed failure');
      return err.cause;
    };
    const order = await buyYes(markets[0]!, 5);
    const refused = await failureOf(
      handle.executeUpdate(reserveExposureUpdate, {
        args: [
          {
            proposal: {
              clientOrderId: 'typed-refusal-1',
              strategyId: 'rain-edge',
              strategyVersion: 'v1',
              order: { ...order, market: 'KXNOTAPPROVED-1' },
              probability: 0.9,
            },
            evidence: { proof: undefined, referencePrice: order.price },
          },
        ],
      }),
    );
    assert.equal(refused.type, 'TradeRefused');
    assert.deepEqual((refused.details?.[0] as { check: string }[]).map((f) => f.check).sort(), [
      'approved-market',
      'backtest-proof',
    ]);
    const gone = await failureOf(
      handle.executeUpdate(confirmReservationUpdate, { args: [{ reservationId: 'never-reserved', intent: 'buy' }] }),
    );
    assert.equal(gone.type, 'TradeRefused');
    const filled = {
      reservationId: 'never-reserved',
      orderId: 'o-1',
      filled: order,
      intent: 'buy' as const,
      costCents: -5,
      feesCents: 0,
    };
    const badFill = await failureOf(handle.executeUpdate(commitFillUpdate, { args: [filled] }));
    assert.equal(badFill.type, 'GuardianInputError');
    assert.match(badFill.message, /cannot cost -5 cents/);
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0, 'no workflow task failed');
    assert.equal((await status()).trading.status, 'ACTIVE');
  });

  it('places nothing when the operator rejects, and records who and why', async () => {
    const handle = await trade('second-edge', await buyYes(markets[2]!, 10));
    const pool = testAppPool(config.DATABASE_URL);
    const [request] = await until(
      async () => ((await listPending(pool)).length ? listPending(pool) : undefined),
      'the approval request',
    );
    assert.equal(await cli('reject', String(request!.id), '--reason', 'not this week'), 0, io.lines.join('\n'));
    const outcome = (await handle.result()) as TradeOutcome;
    assert.deepEqual(outcome, { outcome: 'not-approved', decision: 'rejected', by: 'alice', reason: 'not this week' });
    const account = await venues.control.kalshi.production.account();
    assert.equal(account.orders, 2, 'only the two approved trades reached the venue');
  });

  it('asks the operator to endorse outside text that would raise the probability; only an approval promotes it', async () => {
    const pool = testAppPool(config.DATABASE_URL);
    const endorsement = {
      trustedProbability: 0.55,
      outsideProbability: 0.91,
      documentIds: ['d'.repeat(64)],
      excerpt: 'Locals say the storm is a sure thing.',
    };
    const ordersBefore = (await venues.control.kalshi.production.account()).orders;

    // Rejected: nothing is placed, and the ledger says which outside text was refused.
    const rejected = await trade('rain-edge', await buyYes(markets[3]!, 10), { probability: 0.55, endorsement });
    const ask = await until(
      async () => (await listPending(pool)).find((p) => p.kind === 'outside-text'),
      'the endorsement request',
    );
    assert.match(ask.summary, /from 0\.550 to 0\.910/);
    assert.match(
      ask.details.why,
      /Quoted outside text \(untrusted, screened and accepted\): "Locals say the storm is a sure thing\."/,
    );
    assert.deepEqual(ask.details.limits, {
      trustedProbability: 0.55,
      outsideProbability: 0.91,
      documentIds: ['d'.repeat(64)],
    });
    assert.equal(await cli('reject', String(ask.id), '--reason', 'rumour'), 0, io.lines.join('\n'));
    assert.deepEqual(await rejected.result(), {
      outcome: 'not-approved',
      decision: 'rejected',
      by: 'alice',
      reason: 'rumour',
    });
    assert.equal((await venues.control.kalshi.production.account()).orders, ordersBefore);

    // Approved: the trade goes ahead at the outside probability, and the ledger records the endorsement.
    const approved = await trade('rain-edge', await buyYes(markets[4]!, 10), { probability: 0.55, endorsement });
    const second = await until(
      async () => (await listPending(pool)).find((p) => p.kind === 'outside-text'),
      'the second endorsement request',
    );
    assert.equal(await cli('approve', String(second.id)), 0, io.lines.join('\n'));
    const outcome = (await approved.result()) as TradeOutcome;
    assert.equal(outcome.outcome, 'done');
    const endorsed = (await readEntries(pool, { kind: 'trade.endorsed' })).at(-1)!;
    assert.equal(endorsed.payload.by, 'alice');
    const report = (await readEntries(pool, { kind: 'trade.report' })).at(-1)!;
    assert.equal(report.payload.probability, 0.91);

    // Outside text that would not even reach the 80% floor is refused before the operator is asked.
    const low = (await (
      await trade('rain-edge', await buyYes(markets[4]!, 10), {
        probability: 0.55,
        endorsement: { ...endorsement, outsideProbability: 0.7 },
      })
    ).result()) as TradeOutcome;
    assert.equal(low.outcome, 'refused');
    assert.deepEqual(
      (await listPending(pool)).filter((p) => p.kind === 'outside-text'),
      [],
    );
  });

  it('applies each fill at once: cash, fees and positions move before the venue is read again, so a sale right after its buy is no short', async () => {
    const market = markets[2]!;
    const venue = venues.control.kalshi.production;
    const pool = testAppPool(config.DATABASE_URL);
    // The venue's positions cannot be read: every mark fails and the guardian keeps what it knows.
    await venue.addFault({ kind: 'server-error', path: '/portfolio/positions', method: 'GET' });
    try {
      // A mark already under way when the fault came may still land: wait until the guardian stops marking.
      const before = await until(async () => {
        const first = await status();
        await new Promise((r) => setTimeout(r, 1200));
        const second = await status();
        return second.lastMarkAt === first.lastMarkAt ? second : undefined;
      }, 'the marks to stop');
      const lanes = await Promise.all(
        [1, 2, 3].map(async (count) => {
          const order: KalshiOrder = { ...(await buyYes(market, 1)), count: String(count) };
          return (await (await trade('rain-edge', order)).result()) as TradeOutcome;
        }),
      );
      const bought = lanes.map((lane) => (lane.outcome === 'done' ? Number(lane.filledQuantity) : 0));
      assert.ok(
        bought.every((count) => count > 0),
        JSON.stringify(lanes),
      );
      const fills = (await readEntries(pool, { kind: 'trade.fill' })).filter((fill) =>
        lanes.some((lane) => lane.outcome === 'done' && lane.clientOrderId === fill.payload.clientOrderId),
      );
      assert.equal(fills.length, 3);
      const sum = (field: string) => fills.reduce((total, fill) => total + Number(fill.payload[field]), 0);
      const after = await status();
      const held = after.positions.find((p) => p.market === market);
      assert.deepEqual(held, {
        venue: 'kalshi',
        market,
        side: 'yes',
        count: String(bought.reduce((a, b) => a + b, 0)),
      });
      assert.equal(after.cashCents, before.cashCents - sum('costCents'), 'cash less what the fills cost');
      assert.equal(after.trading.equityCents, before.trading.equityCents - sum('feesCents'), 'the fees are a loss');

      // Before this, the sale was checked against the last mark (which had not seen the buys): refused no-short.
      const sold = await sellYes(
        market,
        bought.reduce((a, b) => a + b, 0),
      );
      assert.equal(sold.outcome, 'done', JSON.stringify(sold));
    } finally {
      await venue.clearFaults();
    }
    // Once the venue answers again, the guardian's positions are the venue's.
    await until(async () => {
      const atVenue = (await kalshi.getPositions()).find((p) => p.market === market);
      const guardianHolds = (await status()).positions.find((p) => p.market === market);
      const count = guardianHolds?.venue === 'kalshi' ? guardianHolds.count : '0';
      return Number(atVenue?.quantity ?? 0) === Number(count) ? true : undefined;
    }, 'the guardian to hold what the venue holds');
  });

  it('keeps what a fill left when the mark read during it predates it', async () => {
    const market = markets[2]!;
    const venue = venues.control.kalshi.production;
    const heldBefore = (await status()).positions.find((p) => p.market === market);
    const before = heldBefore?.venue === 'kalshi' && heldBefore.side === 'yes' ? Number(heldBefore.count) : 0;
    const since = (await venue.requests()).length;
    let count: number;
    // The next mark's positions are read now and answered 3 s later: a read from before the buy below.
    await venue.addFault({
      kind: 'accept-then-hold',
      path: '/portfolio/positions',
      method: 'GET',
      latencyMs: 3_000,
      times: 1,
    });
    try {
      await until(
        async () =>
          (await venue.requests(since)).some((r) => r.method === 'GET' && r.path.includes('/portfolio/positions'))
            ? true
            : undefined,
        'a mark to read the positions',
      );
      // No later mark may bring the venue's truth before the held one lands.
      await venue.addFault({ kind: 'server-error', path: '/portfolio/positions', method: 'GET' });
      const markedBefore = (await status()).lastMarkAt;
      const bought = (await (
        await trade('rain-edge', { ...(await buyYes(market, 1)), count: '8' })
      ).result()) as TradeOutcome;
      assert.ok(bought.outcome === 'done' && Number(bought.filledQuantity) > 0, JSON.stringify(bought));
      count = before + Number(bought.filledQuantity);
      const landed = await until(async () => {
        const now = await status();
        return now.lastMarkAt !== markedBefore ? now : undefined;
      }, 'the held mark to land');
      const held = landed.positions.find((p) => p.market === market);
      assert.deepEqual(
        held,
        { venue: 'kalshi', market, side: 'yes', count: String(count) },
        'the stale read did not undo the buy',
      );
    } finally {
      await venue.clearFaults();
    }
    // The marks the fault failed are retried with backoff: the next test needs the guardian marking again.
    const lastMark = (await status()).lastMarkAt;
    await until(
      async () => ((await status()).lastMarkAt !== lastMark ? true : undefined),
      'a mark after the faults',
      60_000,
    );
    assert.equal((await sellYes(market, count)).outcome, 'done');
  });

  it('marks a stream of fills together: marks at least a second apart however fast the fills come', async () => {
    const market = markets[2]!;
    const since = Date.now();
    // One trade after another: each fill used to be marked at once (a mark per fill).
    const lanes: TradeOutcome[] = [];
    for (const count of [4, 5, 6, 7]) {
      const order: KalshiOrder = { ...(await buyYes(market, 1)), count: String(count) };
      lanes.push((await (await trade('rain-edge', order)).result()) as TradeOutcome);
    }
    assert.ok(
      lanes.every((lane) => lane.outcome === 'done'),
      JSON.stringify(lanes),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const events = (await guardian().fetchHistory()).events ?? [];
    const marks = events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'markAccount')
      .map((e) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6))
      .filter((at) => at >= since);
    assert.ok(marks.length >= 1, 'the fills were marked');
    // Spacing is counted from the start of the workflow task that scheduled the mark before: allow its length.
    const gaps = marks.slice(1).map((at, i) => at - marks[i]!);
    assert.ok(
      gaps.every((gap) => gap >= 900),
      `marks ${gaps.join(', ')} ms apart`,
    );
    // Sell what the lanes bought, so the tests after this one hold only what they bought themselves.
    const held = (await status()).positions.find((p) => p.market === market);
    if (held?.venue === 'kalshi') {
      const bid = (await kalshi.getOrderBook(market, 1)).bids[0]!.price;
      const sale: KalshiOrder = { venue: 'kalshi', market, action: 'sell', side: 'yes', count: held.count, price: bid };
      assert.equal(
        ((await (await trade('rain-edge', sale, { referencePrice: bid })).result()) as TradeOutcome).outcome,
        'done',
      );
    }
  });

  it('pauses on a 5% daily loss driven by prices, refuses new trades with the reason, and only `nemo resume` lifts it', async () => {
    const pool = testAppPool(config.DATABASE_URL);
    // Both held markets fall to a cent: the positions (about $50) are nearly all lost, over 5% of about $1,000.
    for (const market of markets.slice(0, 2)) await venues.control.kalshi.production.setYesPrice(market, '0.01');
    const paused = await until(
      async () => ((await status()).trading.status === 'PAUSED' ? status() : undefined),
      'PAUSED',
    );
    assert.ok(paused.dayPnlCents < -0.05 * paused.trading.dayBaselineCents);
    const transitions = await readEntries(pool, { kind: 'guardian.transition' });
    assert.equal((transitions.at(-1)?.payload.transition as { to: string }).to, 'PAUSED');
    const alerts = await until(async () => {
      const entries = await readEntries(pool, { kind: 'alert' });
      return entries.some((e) => String(e.payload.title).includes('PAUSED')) ? entries : undefined;
    }, 'the operator alert');
    assert.ok(alerts.length > 0);

    const refused = (await (await trade('rain-edge', await buyYes(markets[2]!, 10))).result()) as TradeOutcome;
    assert.equal(refused.outcome, 'refused');
    if (refused.outcome === 'refused')
      assert.match(
        refused.failures.map((f) => `${f.check}: ${f.reason}`).join('\n'),
        /trading-state: trading is PAUSED/,
      );

    // Time alone does not lift it: marks keep coming and it stays PAUSED.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await status()).trading.status, 'PAUSED');
    assert.notEqual(await cli('resume'), 0, 'resume without a reason is refused');
    assert.equal(await cli('resume', '--reason', 'reviewed the rain markets; accept the loss'), 0, io.lines.join('\n'));
    assert.equal((await status()).trading.status, 'ACTIVE');
    const [resume] = await readEntries(pool, { kind: 'operator.resume' });
    assert.equal(resume?.payload.by, 'alice');
  });

  it('shuts down for good on a 65% total loss: resume is refused, only a reset with a reason lifts it', async () => {
    await venues.control.kalshi.production.setBalance(25_000);
    const shut = await until(
      async () => ((await status()).trading.status === 'SHUTDOWN' ? status() : undefined),
      'SHUTDOWN',
    );
    assert.ok(shut.totalPnlCents < -0.65 * shut.trading.startingValueCents);
    assert.equal(await cli('resume', '--reason', 'please'), 1);
    assert.match(io.lines.at(-1)!, /refused: SHUTDOWN is lifted only by an operator reset/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await status()).trading.status, 'SHUTDOWN', 'it stays shut');
    assert.equal(
      await cli('reset', '--reason', 'operator accepts the loss and restarts with what is left'),
      0,
      io.lines.join('\n'),
    );
    assert.equal((await status()).trading.status, 'ACTIVE');
    await saveHistoryFixture(client, guardianWorkflowId('live', 'kalshi'), 'live');
  });
});
