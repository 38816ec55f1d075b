import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { CoinbasePort } from '../../activities/venues/coinbase/coinbase-port';
import { KalshiPort } from '../../activities/venues/kalshi/kalshi-port';
import {
  createMarketDataActivities,
  createPaperOrderActivities,
  placeIdempotently,
} from '../../activities/venues/venue-activities';
import { VenueError, retryAfterMs, toActivityFailure } from '../../activities/venues/venue-errors';
import { VENUE_FAILURE_TYPES, isRetryableKind, type VenueFailureKind } from '../../policies/venue-failures';
import type { OrderRequest, VenuePort } from '../../activities/venues/venue-port';
import { generateCoinbaseKey } from '../../simulators/coinbase/auth';
import { generateKalshiKey } from '../../simulators/kalshi/auth';
import type { FaultRule } from '../../simulators/venue-kit/faults';
import type { VenueControlClient } from '../../simulators/venue-kit/control-client';
import { NON_RETRYABLE_ERRORS } from '../../workflows/activity-options';
import { startTestVenues } from '../support/loopback-venues';
import type { Venue } from '../../policies/orders';

type Venues = Awaited<ReturnType<typeof startTestVenues>>;

async function failure(call: Promise<unknown>): Promise<VenueError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof VenueError) return err;
    throw err;
  }
  assert.fail('the call succeeded');
}

/** What the activity throws for the error: its type, whether Temporal retries it, and the delay it asks for. */
function asActivityFailure(err: VenueError): ApplicationFailure {
  const failure = toActivityFailure(err);
  assert.ok(failure instanceof ApplicationFailure);
  return failure;
}

describe('every failure class ends in the right retry or no-retry classification', () => {
  let venues: Venues;
  const setups: Record<
    Venue,
    {
      port: VenuePort;
      control: VenueControlClient;
      market: string;
      order: (id: string) => OrderRequest;
      apiPath: string;
    }
  > = {} as never;
  before(async () => {
    venues = await startTestVenues();
    const live = venues.portsFor('live', { timeoutMs: 400, throttle: false });
    const [kalshiMarket] = await live.kalshi!.listMarkets({ status: 'open', limit: 1 });
    await venues.control.kalshi.production.setYesPrice(kalshiMarket!.market, '0.50');
    await venues.control.coinbase.production.setPrice('BTC-USD', '40000.00');
    setups.kalshi = {
      port: live.kalshi!,
      control: venues.control.kalshi.production,
      market: kalshiMarket!.market,
      apiPath: '/trade-api/v2/portfolio',
      order: (id) => ({
        market: kalshiMarket!.market,
        clientOrderId: id,
        side: 'buy',
        type: 'limit',
        timeInForce: 'ioc',
        quantity: '10',
        limitPrice: '0.55',
      }),
    };
    setups.coinbase = {
      port: live.coinbase!,
      control: venues.control.coinbase.production,
      market: 'BTC-USD',
      apiPath: '/api/v3/brokerage',
      order: (id) => ({
        market: 'BTC-USD',
        clientOrderId: id,
        side: 'buy',
        type: 'limit',
        timeInForce: 'ioc',
        quantity: '0.01',
        limitPrice: '40100.00',
      }),
    };
  });

  const fault = (venue: Venue, rule: FaultRule) => setups[venue].control.addFault({ times: 1, ...rule });

  for (const venue of ['kalshi', 'coinbase'] as const) {
    describe(venue, () => {
      const retryable: [string, FaultRule, VenueFailureKind][] = [
        ['a 5xx answer', { kind: 'server-error', path: 'accounts', status: 502 }, 'unavailable'],
        ['no answer before the timeout', { kind: 'latency', path: 'accounts', latencyMs: 1_000 }, 'timeout'],
        ['a reset connection', { kind: 'reset', path: 'accounts' }, 'connection'],
      ];
      for (const [what, rule, kind] of retryable) {
        it(`${what} is retryable (${VENUE_FAILURE_TYPES[kind]})`, async () => {
          const { port } = setups[venue];
          await fault(venue, { ...rule, path: venue === 'kalshi' ? '/portfolio/balance' : '/accounts' });
          const err = await failure(port.getBalance());
          assert.equal(err.kind, kind);
          const activityFailure = asActivityFailure(err);
          assert.equal(activityFailure.type, VENUE_FAILURE_TYPES[kind]);
          assert.equal(activityFailure.nonRetryable, false);
          assert.ok((await port.getBalance()).availableCents >= 0, 'the next attempt succeeds');
        });
      }

      it("429 is retryable after the venue's Retry-After", async () => {
        await fault(venue, {
          kind: 'rate-limit',
          path: venue === 'kalshi' ? '/portfolio/balance' : '/accounts',
          retryAfterSeconds: 3,
        });
        const err = await failure(setups[venue].port.getBalance());
        assert.equal(err.kind, 'rate-limited');
        const activityFailure = asActivityFailure(err);
        assert.equal(activityFailure.type, 'VenueRateLimited');
        assert.equal(activityFailure.nonRetryable, false);
        assert.equal(activityFailure.nextRetryDelay, 3_000);
      });

      it('a malformed answer is a non-retryable MalformedVenueResponse', async () => {
        await fault(venue, { kind: 'malformed-json', path: venue === 'kalshi' ? '/portfolio/balance' : '/accounts' });
        const err = await failure(setups[venue].port.getBalance());
        assert.equal(err.kind, 'malformed-response');
        assert.equal(err.details.field, '(body)');
        assert.equal(asActivityFailure(err).nonRetryable, true);
      });

      it('a rejected order is a non-retryable InvalidOrder; insufficient funds is InsufficientFunds', async () => {
        const { port, order } = setups[venue];
        await fault(venue, {
          kind: 'reject',
          path: venue === 'kalshi' ? '/portfolio/events/orders' : '/orders',
          method: 'POST',
        });
        const rejected = await failure(port.placeOrder(order(`${venue}-rejected`)));
        assert.equal(asActivityFailure(rejected).type, 'InvalidOrder');
        assert.equal(asActivityFailure(rejected).nonRetryable, true);
        const huge = {
          ...order(`${venue}-huge`),
          quantity: venue === 'kalshi' ? '1000000' : '1000',
          timeInForce: 'gtc' as const,
        };
        const broke = await failure(port.placeOrder(huge));
        assert.equal(asActivityFailure(broke).type, 'InsufficientFunds');
        assert.equal(asActivityFailure(broke).nonRetryable, true);
        const offGrid = { ...order(`${venue}-grid`), limitPrice: venue === 'kalshi' ? '0.555' : '40100.005' };
        assert.equal((await failure(port.placeOrder(offGrid))).kind, 'invalid-order');
      });

      it('a partial fill reports what filled', async () => {
        const { port, order } = setups[venue];
        await fault(venue, {
          kind: 'partial-fill',
          path: venue === 'kalshi' ? '/portfolio/events/orders' : '/orders',
          method: 'POST',
          fillFraction: '0.5',
        });
        const placed = await port.placeOrder(order(`${venue}-partial`));
        assert.equal(placed.status, 'canceled', 'the IOC remainder is cancelled');
        assert.equal(Number(placed.filledQuantity), Number(order('x').quantity) / 2);
      });

      it('accept-then-drop during placement leaves exactly one order, found again by its client order id', async () => {
        const { port, order, control, apiPath } = setups[venue];
        const since = (await control.requests()).at(-1)?.seq ?? 0;
        await fault(venue, {
          kind: 'accept-then-drop',
          path: venue === 'kalshi' ? '/portfolio/events/orders' : '/orders',
          method: 'POST',
        });
        const request = order(`${venue}-dropped`);
        const lost = await failure(port.placeOrder(request));
        assert.equal(lost.kind, 'connection');
        assert.equal(asActivityFailure(lost).nonRetryable, false, 'the activity retries');
        const again = await placeIdempotently(port, request, 2);
        assert.equal(again.clientOrderId, request.clientOrderId);
        assert.equal(again.status, 'filled');
        const posts = (await control.requests(since)).filter((r) => r.method === 'POST' && r.path.startsWith(apiPath));
        assert.equal(posts.length, 1, 'the retry looked the order up instead of placing it again');
        const all = await port.listOrders({ market: request.market });
        assert.equal(all.filter((o) => o.clientOrderId === request.clientOrderId).length, 1);
      });

      it('a placement repeated with the same client order id returns the first order (duplicate / 409 answered by a look-up)', async () => {
        const { port, order } = setups[venue];
        const request = {
          ...order(`${venue}-twice`),
          limitPrice: venue === 'kalshi' ? '0.10' : '30000.00',
          timeInForce: 'gtc' as const,
          quantity: venue === 'kalshi' ? '1' : '0.001',
        };
        const first = await placeIdempotently(port, request, 1);
        const second = await placeIdempotently(port, request, 1);
        assert.equal(second.orderId, first.orderId);
        if (venue === 'kalshi')
          assert.equal((await failure(port.placeOrder(request))).kind, 'conflict', 'Kalshi itself answers 409');
      });

      it('wrong key (401), read-only key placing (403), unknown order (404) are non-retryable', async () => {
        const { order } = setups[venue];
        const base =
          venue === 'kalshi' ? venues.config.NEMO_KALSHI_PRODUCTION_URL : venues.config.NEMO_COINBASE_PRODUCTION_URL;
        const stranger =
          venue === 'kalshi'
            ? new KalshiPort({
                baseUrl: base,
                credentials: (({ keyId, privateKeyPem }) => ({ keyId, privateKeyPem }))(generateKalshiKey()),
              })
            : new CoinbasePort({
                baseUrl: base,
                credentials: (({ keyName, privateKey }) => ({ keyName, privateKey }))(generateCoinbaseKey('ES256')),
                throttle: false,
              });
        const unauthorized = await failure(stranger.getBalance());
        assert.equal(asActivityFailure(unauthorized).type, 'VenueUnauthorized');
        assert.equal(asActivityFailure(unauthorized).nonRetryable, true);
        const readOnly = venues.portsFor('research')[venue]!;
        const forbidden = await failure(readOnly.placeOrder(order(`${venue}-readonly`)));
        assert.equal(asActivityFailure(forbidden).type, 'VenueForbidden');
        const missing = await failure(setups[venue].port.getOrder('00000000-0000-0000-0000-000000000000'));
        assert.equal(asActivityFailure(missing).type, 'VenueNotFound');
        assert.equal(asActivityFailure(missing).nonRetryable, true);
      });
    });
  }

  it('lists every non-retryable venue failure type in NON_RETRYABLE_ERRORS, and no retryable one', () => {
    for (const [kind, type] of Object.entries(VENUE_FAILURE_TYPES) as [VenueFailureKind, string][]) {
      assert.equal(NON_RETRYABLE_ERRORS.includes(type), !isRetryableKind(kind), type);
    }
  });

  it('a venue the domain holds no key for, and a malformed request, fail before any call, naming what is wrong', async () => {
    const named = (type: string, message: RegExp) => (err: unknown) =>
      err instanceof ApplicationFailure && err.type === type && err.nonRetryable && message.test(err.message);
    await assert.rejects(
      createMarketDataActivities({}).getMarket({ venue: 'kalshi', market: 'X' }),
      named('VenueNotConfigured', /holds no kalshi credentials/),
    );
    const paper = createPaperOrderActivities({ kalshi: setups.kalshi.port });
    const order = {
      venue: 'kalshi' as const,
      market: 'X',
      clientOrderId: 'c-1',
      side: 'buy' as const,
      type: 'limit' as const,
      timeInForce: 'gtc' as const,
      quantity: '1',
    };
    await assert.rejects(
      paper.placePaperOrder(order),
      named('InvalidVenueRequest', /limitPrice is required for a limit order/),
    );
    await assert.rejects(
      paper.placePaperOrder({ ...order, limitPrice: '0.5', clientOrderId: 'has spaces' }),
      named('InvalidVenueRequest', /clientOrderId may contain only/),
    );
    await assert.rejects(
      paper.placePaperOrder({ ...order, venue: 'binance' as never, limitPrice: '0.5' }),
      named('InvalidVenueRequest', /venue/),
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs({ 'Retry-After': '2' }), 2_000);
    assert.equal(
      retryAfterMs({ 'retry-after': new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() }, Date.UTC(2030, 0, 1)),
      10_000,
    );
    assert.equal(retryAfterMs({}), undefined);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
  });
});
