import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import axios, { type AxiosInstance } from 'axios';
import { Configuration, MarketApi, OrdersApi, PortfolioApi } from 'kalshi-typescript';
import { KALSHI_MAKER_RATE, kalshiFeeCents } from '../../policies/fees';
import { generateKalshiKey } from '../../simulators/kalshi/auth';
import { generateKalshiMarkets } from '../../simulators/kalshi/markets';
import { startLoopbackVenues } from '../../simulators/start-venues';
import { SIMULATED_HEADER } from '../../simulators/venue-kit/venue-server';
import { startTestVenues } from '../support/loopback-venues';
import { until } from '../support/until';

type Venues = Awaited<ReturnType<typeof startTestVenues>>;
const key = (venues: Venues, entry: string) =>
  JSON.parse(venues.credentials[entry]!) as { keyId: string; privateKeyPem: string };

/** The official SDK's API objects for one key, each on its own axios instance (optionally pre-wired by `tamper`). */
function sdk(
  baseUrl: string,
  credentials?: { keyId: string; privateKeyPem: string },
  tamper?: (ax: AxiosInstance) => void,
) {
  const config = new Configuration({
    basePath: baseUrl,
    apiKey: credentials?.keyId,
    privateKeyPem: credentials?.privateKeyPem,
  });
  const ax = () => {
    const instance = axios.create();
    tamper?.(instance);
    return instance;
  };
  return {
    market: new MarketApi(config, baseUrl, ax()),
    orders: new OrdersApi(config, baseUrl, ax()),
    portfolio: new PortfolioApi(config, baseUrl, ax()),
  };
}

async function status(
  promise: Promise<unknown>,
): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }> {
  try {
    await promise;
    return { status: 200, data: undefined, headers: {} };
  } catch (err) {
    if (!axios.isAxiosError(err) || !err.response) throw err;
    return { status: err.response.status, data: err.response.data, headers: { ...err.response.headers } };
  }
}

const order = (
  ticker: string,
  clientOrderId: string,
  side: 'bid' | 'ask',
  count: string,
  price: string,
  tif: 'good_till_canceled' | 'immediate_or_cancel' | 'fill_or_kill',
) => ({
  ticker,
  client_order_id: clientOrderId,
  side,
  count,
  price,
  time_in_force: tif,
  self_trade_prevention_type: 'taker_at_cross' as const,
});

describe('loopback Kalshi venue, through the official kalshi-typescript SDK', () => {
  let venues: Venues;
  let api: ReturnType<typeof sdk>;
  let tickers: string[];
  before(async () => {
    venues = await startTestVenues({ kalshiMarkets: 5_000, expectedViolations: 10 });
    api = sdk(venues.config.NEMO_KALSHI_PRODUCTION_URL, key(venues, 'kalshi.production'));
    tickers = (
      await api.market.getMarkets(
        50,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'open',
      )
    ).data.markets.map((m) => m.ticker);
  });

  it('pages through 5,000 open markets, 1,000 per request, without auth', async () => {
    const anonymous = sdk(venues.config.NEMO_KALSHI_PRODUCTION_URL);
    const since = (await venues.control.kalshi.production.requests()).at(-1)?.seq ?? 0;
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await anonymous.market.getMarkets(1000, cursor);
      for (const m of page.data.markets) seen.add(m.ticker);
      cursor = page.data.cursor || undefined;
    } while (cursor);
    assert.equal(seen.size, 5_000);
    const calls = (await venues.control.kalshi.production.requests(since)).filter((r) => r.path.endsWith('/markets'));
    assert.equal(calls.length, 5);
  });

  it('matches a GTC bid against the best ask, rests the remainder, and fills it as maker when the price moves through it', async () => {
    const ticker = tickers[0]!;
    await venues.control.kalshi.production.setYesPrice(ticker, '0.50');
    const book = (await api.market.getMarketOrderbook(ticker)).data.orderbook_fp;
    // The best YES ask is the highest NO bid at 1 - 0.51.
    const [noPrice, topSize] = book.no_dollars.at(-1)!;
    assert.equal(noPrice, '0.4900');
    const top = Number(topSize);
    const before = (await api.portfolio.getBalance()).data.balance;
    const placed = (
      await api.orders.createOrderV2(order(ticker, 'gtc-1', 'bid', `${top + 5}.00`, '0.5100', 'good_till_canceled'))
    ).data;
    assert.equal(placed.fill_count, `${top}.00`);
    assert.equal(placed.remaining_count, '5.00');
    const takerFee = kalshiFeeCents(`${top}.00`, '0.5100');
    const held = 5 * 51;
    assert.equal((await api.portfolio.getBalance()).data.balance, before - top * 51 - takerFee - held);

    await venues.control.kalshi.production.setYesPrice(ticker, '0.45');
    const resting = (await api.orders.getOrder(placed.order_id)).data.order;
    assert.equal(resting.status, 'executed');
    assert.equal(resting.fill_count_fp, `${top + 5}.00`);
    const fills = (await api.portfolio.getFills(ticker)).data.fills;
    assert.equal(fills.length, 2);
    const maker = fills.find((f) => !f.is_taker)!;
    assert.equal(maker.count_fp, '5.00');
    assert.equal(maker.yes_price_dollars, '0.5100', 'a resting order fills at its own price');
    assert.equal(maker.fee_cost, `0.${String(kalshiFeeCents('5.00', '0.5100', KALSHI_MAKER_RATE)).padStart(2, '0')}00`);
    const position = (await api.portfolio.getPositions(undefined, undefined, undefined, ticker)).data
      .market_positions[0]!;
    assert.equal(position.position_fp, `${top + 5}.00`);
  });

  it('fills what an IOC can and cancels the rest; a FOK that cannot fill completely fills nothing', async () => {
    const ticker = tickers[1]!;
    await venues.control.kalshi.production.setYesPrice(ticker, '0.30');
    const asks = (await api.market.getMarketOrderbook(ticker)).data.orderbook_fp.no_dollars;
    const total = asks.reduce((sum, [, size]) => sum + Number(size), 0);
    const ioc = (
      await api.orders.createOrderV2(order(ticker, 'ioc-1', 'bid', `${total + 10}.00`, '0.3500', 'immediate_or_cancel'))
    ).data;
    assert.equal(ioc.fill_count, `${total}.00`);
    assert.equal(ioc.remaining_count, '0.00');
    assert.equal((await api.orders.getOrder(ioc.order_id)).data.order.status, 'canceled');

    await venues.control.kalshi.production.setYesPrice(ticker, '0.60');
    const fok = (await api.orders.createOrderV2(order(ticker, 'fok-1', 'ask', '100000.00', '0.5500', 'fill_or_kill')))
      .data;
    assert.equal(fok.fill_count, '0.00');
    assert.equal((await api.orders.getOrder(fok.order_id)).data.order.status, 'canceled');
  });

  it('refuses an order the balance cannot pay for, a duplicate client order id, and a price off the cent grid', async () => {
    const ticker = tickers[2]!;
    await venues.control.kalshi.production.setYesPrice(ticker, '0.50');
    const broke = await status(
      api.orders.createOrderV2(order(ticker, 'big-1', 'bid', '100000.00', '0.5000', 'good_till_canceled')),
    );
    assert.equal(broke.status, 400);
    assert.deepEqual((broke.data as { error: { code: string } }).error.code, 'insufficient_balance');

    await api.orders.createOrderV2(order(ticker, 'dup-1', 'bid', '1.00', '0.4000', 'good_till_canceled'));
    const dup = await status(
      api.orders.createOrderV2(order(ticker, 'dup-1', 'bid', '1.00', '0.4000', 'good_till_canceled')),
    );
    assert.equal(dup.status, 409);
    const orders = (await api.orders.getOrders(ticker)).data.orders.filter((o) => o.client_order_id === 'dup-1');
    assert.equal(orders.length, 1, 'the duplicate did not create a second order');

    assert.equal(
      (await status(api.orders.createOrderV2(order(ticker, 'odd-1', 'bid', '1.00', '0.4050', 'good_till_canceled'))))
        .status,
      400,
    );
  });

  it('accepts an order and holds its answer (accept-then-hold): the order exists and the log shows the answer while the caller waits', async () => {
    const control = venues.control.kalshi.production;
    const ticker = tickers[10]!;
    await control.setYesPrice(ticker, '0.50');
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    await control.addFault({
      kind: 'accept-then-hold',
      path: '/portfolio/events/orders',
      method: 'POST',
      times: 1,
      latencyMs: 8_000,
    });
    let answered = false;
    const placing = api.orders
      .createOrderV2(order(ticker, 'held-1', 'bid', '1.00', '0.4000', 'good_till_canceled'))
      .finally(() => (answered = true));
    const held = await until(
      async () =>
        (await control.requests(since)).find((r) => r.faults.includes('accept-then-hold') && r.status !== 'dropped'),
      'the held order in the log',
    );
    assert.equal(held.status, 201);
    const orders = (await api.orders.getOrders(ticker)).data.orders.filter((o) => o.client_order_id === 'held-1');
    assert.equal(orders.length, 1, 'the venue has the order');
    assert.equal(answered, false, 'the caller has not heard yet');
    assert.equal((await placing).data.client_order_id, 'held-1');
  });

  it('pays $1 per winning contract at settlement and nothing for losing ones', async () => {
    const [yesTicker, noTicker] = [tickers[3]!, tickers[4]!];
    await venues.control.kalshi.production.setYesPrice(yesTicker, '0.40');
    await venues.control.kalshi.production.setYesPrice(noTicker, '0.40');
    await api.orders.createOrderV2(order(yesTicker, 'win-1', 'bid', '10.00', '0.4100', 'immediate_or_cancel'));
    // An ask buys NO (pays 1 - 0.39 = 0.61 per contract).
    await api.orders.createOrderV2(order(noTicker, 'lose-1', 'ask', '10.00', '0.3900', 'immediate_or_cancel'));
    const before = (await api.portfolio.getBalance()).data.balance;
    await venues.control.kalshi.production.resolve(yesTicker, 'yes');
    await venues.control.kalshi.production.resolve(noTicker, 'yes');
    assert.equal((await api.portfolio.getBalance()).data.balance, before + 1_000);
    const settlements = (await api.portfolio.getSettlements()).data.settlements;
    assert.equal(settlements.find((s) => s.ticker === yesTicker)!.revenue, 1_000);
    assert.equal(settlements.find((s) => s.ticker === noTicker)!.revenue, 0);
    assert.equal(settlements.find((s) => s.ticker === noTicker)!.no_count_fp, '10.00');
    assert.equal((await api.market.getMarket(yesTicker)).data.market.status, 'finalized');
  });

  it('settles a market by its hidden outcome once the simulated clock passes its close', async () => {
    const markets = (
      await api.market.getMarkets(
        1000,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'open',
      )
    ).data.markets;
    const first = markets.reduce((a, b) => (Date.parse(a.close_time) < Date.parse(b.close_time) ? a : b));
    await venues.control.kalshi.production.advanceClock(Date.parse(first.close_time) - Date.now() + 60_000);
    const settled = (await api.market.getMarket(first.ticker)).data.market;
    assert.equal(settled.status, 'finalized');
    assert.equal(settled.result, (await venues.control.kalshi.production.market(first.ticker)).outcome);
  });

  it('refuses a wrong key, a wrong signature, a stale timestamp, a demo key, a tampered path; a read-only key cannot trade', async () => {
    const base = venues.config.NEMO_KALSHI_PRODUCTION_URL;
    const real = key(venues, 'kalshi.production');
    const other = generateKalshiKey();
    const refused = async (call: Promise<unknown>, reason: RegExp) => {
      const answer = await status(call);
      assert.equal(answer.status, 401);
      assert.match((answer.data as { error: { message: string } }).error.message, reason);
    };
    await refused(sdk(base).portfolio.getBalance(), /missing KALSHI-ACCESS/);
    await refused(
      sdk(base, { keyId: other.keyId, privateKeyPem: other.privateKeyPem }).portfolio.getBalance(),
      /unknown API key/,
    );
    await refused(
      sdk(base, { keyId: real.keyId, privateKeyPem: other.privateKeyPem }).portfolio.getBalance(),
      /invalid signature/,
    );
    await refused(sdk(base, key(venues, 'kalshi.demo')).portfolio.getBalance(), /unknown API key/);
    await refused(sdk(venues.config.NEMO_KALSHI_DEMO_URL, real).portfolio.getBalance(), /unknown API key/);

    // Stale: the SDK signs while the process clock reads two minutes ago (an interceptor registered after the API
    // object runs before the SDK's signer; one registered before runs after it and restores the clock).
    const realNow = Date.now;
    const stale = sdk(base, real, (ax) => ax.interceptors.request.use((c) => ((Date.now = realNow), c)));
    (stale.portfolio as unknown as { axios: AxiosInstance }).axios.interceptors.request.use(
      (c) => ((Date.now = () => realNow() - 120_000), c),
    );
    try {
      await refused(stale.portfolio.getBalance(), /timestamp outside the allowed window/);
    } finally {
      Date.now = realNow;
    }

    // Tampered: signed by the SDK for /portfolio/balance, sent to /portfolio/positions.
    const tampered = sdk(base, real, (ax) =>
      ax.interceptors.request.use((c) => ({ ...c, url: c.url!.replace('/portfolio/balance', '/portfolio/positions') })),
    );
    await refused(tampered.portfolio.getBalance(), /invalid signature/);

    const readonly = sdk(base, key(venues, 'kalshi.readonly'));
    assert.equal((await readonly.portfolio.getBalance()).status, 200, 'a read-only key reads');
    assert.equal(
      (
        await status(
          readonly.orders.createOrderV2(order(tickers[5]!, 'ro-1', 'bid', '1.00', '0.1000', 'good_till_canceled')),
        )
      ).status,
      403,
    );
  });

  it('answers 429 with Retry-After when a key exceeds its tier', async () => {
    await venues.control.kalshi.production.setTier(key(venues, 'kalshi.production').keyId, 'basic');
    try {
      // Basic tier: 10 writes per second.
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => status(api.orders.cancelOrderV2(`no-such-order-${i}`))),
      );
      const limited = answers.filter((a) => a.status === 429);
      assert.ok(limited.length >= 2, `expected 429s, got ${answers.map((a) => a.status).join(',')}`);
      assert.match(String(limited[0]!.headers['retry-after']), /^\d+$/);
    } finally {
      await venues.control.kalshi.production.setTier(key(venues, 'kalshi.production').keyId, 'prime');
    }
  });

  it('refuses and counts every call to a fund-moving endpoint, labels every answer SIMULATED', async () => {
    const before = (await venues.control.kalshi.production.violations()).count;
    const p = api.portfolio;
    assert.equal((await status(p.intraExchangeInstanceTransfer({} as never))).status, 403);
    assert.equal((await status(p.applySubaccountTransfer({} as never))).status, 403);
    assert.equal((await status(p.setTargetBalanceAllocation({} as never))).status, 403);
    // Routes the loopback does not serve at all, case and escape variants among them: refused by pattern.
    const base = venues.config.NEMO_KALSHI_PRODUCTION_URL;
    const raw = [
      'POST /portfolio/withdrawals',
      'GET /portfolio/withdrawals',
      'POST /portfolio/transfer',
      'POST /Portfolio/Withdrawals',
      'POST //portfolio//TRANSFER/',
      'POST /portfolio/%74ransfer',
      'POST /portfolio/deposits',
    ];
    for (const call of raw) {
      const [method, route] = call.split(' ') as [string, string];
      assert.equal((await fetch(`${base}${route}`, { method })).status, 403, call);
    }
    assert.equal((await venues.control.kalshi.production.violations()).count, before + 3 + raw.length);
    // A market whose ticker reads like a fund word is an ordinary read, not a violation.
    assert.equal((await fetch(`${base}/markets/KXSENDTRANSFER-1`)).status, 404);
    assert.equal((await fetch(`${base}/portfolio/unknown-route`)).status, 404);
    assert.equal((await venues.control.kalshi.production.violations()).count, before + 3 + raw.length);
    const answer = await fetch(`${venues.config.NEMO_KALSHI_PRODUCTION_URL}/exchange/status`);
    assert.equal(answer.headers.get(SIMULATED_HEADER), 'SIMULATED kalshi-production');
  });

  it('generates the same markets, hidden probabilities and outcomes from the same seed', () => {
    const a = generateKalshiMarkets('seed-a', 300, 1_800_000_000_000);
    assert.deepEqual(generateKalshiMarkets('seed-a', 300, 1_800_000_000_000), a);
    assert.notDeepEqual(
      generateKalshiMarkets('seed-b', 300, 1_800_000_000_000).map((m) => m.trueProbability),
      a.map((m) => m.trueProbability),
    );
    // Outcomes follow the hidden probabilities: over 300 markets the YES share tracks the mean probability.
    const yesShare = a.filter((m) => m.outcome === 'yes').length / a.length;
    const meanProbability = a.reduce((s, m) => s + m.trueProbability, 0) / a.length;
    assert.ok(Math.abs(yesShare - meanProbability) < 0.1, `${yesShare} vs ${meanProbability}`);
  });

  it('keeps balances, positions and resting orders across a restart with a state directory', async () => {
    const stateDir = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'venues-'));
    const first = await startLoopbackVenues({ seed: 'persist', stateDir, kalshiMarkets: 50 });
    const firstApi = sdk(first.config.NEMO_KALSHI_DEMO_URL, JSON.parse(first.credentials['kalshi.demo']!));
    const ticker = (await firstApi.market.getMarkets(1)).data.markets[0]!.ticker;
    const resting = (
      await firstApi.orders.createOrderV2(order(ticker, 'keep-1', 'bid', '2.00', '0.0100', 'good_till_canceled'))
    ).data;
    const balance = (await firstApi.portfolio.getBalance()).data.balance;
    await first.stop();

    const second = await startLoopbackVenues({ seed: 'persist', stateDir, kalshiMarkets: 50 });
    try {
      assert.equal(second.credentials['kalshi.demo'], first.credentials['kalshi.demo'], 'the same keys');
      const secondApi = sdk(second.config.NEMO_KALSHI_DEMO_URL, JSON.parse(second.credentials['kalshi.demo']!));
      assert.equal((await secondApi.portfolio.getBalance()).data.balance, balance);
      assert.equal((await secondApi.orders.getOrder(resting.order_id)).data.order.status, 'resting');
    } finally {
      await second.stop();
    }
  });
});
