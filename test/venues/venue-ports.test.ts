import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { VenueCredentialError, venuePortsFor } from '../../activities/venues/credentials';
import type { VenuePort } from '../../activities/venues/venue-port';
import { NO_SECRETS } from '../../platform/secrets';
import { startTestVenues } from '../support/loopback-venues';

type Venues = Awaited<ReturnType<typeof startTestVenues>>;

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe('venue ports: every operation over real HTTP through the real clients', () => {
  let venues: Venues;
  let kalshi: VenuePort;
  let coinbase: VenuePort;
  before(async () => {
    venues = await startTestVenues({ kalshiMarkets: 2_500 });
    const live = venues.portsFor('live');
    kalshi = live.kalshi!;
    coinbase = live.coinbase!;
  });

  it('gives each domain the keys of its own scope: research read-only, paper demo, live production, upgrade none', () => {
    assert.deepEqual(venues.secretsFor('research').names().sort(), ['coinbase.readonly', 'kalshi.readonly']);
    assert.deepEqual(venues.secretsFor('paper').names().sort(), ['coinbase.demo', 'kalshi.demo']);
    assert.deepEqual(venues.secretsFor('live').names().sort(), ['coinbase.production', 'kalshi.production']);
    assert.deepEqual(venues.secretsFor('upgrade').names(), []);
    assert.deepEqual(Object.keys(venues.portsFor('upgrade')), []);
    // A domain that trades but holds no keys offers no venue; research still reads public market data.
    assert.deepEqual(Object.keys(venuePortsFor('paper', NO_SECRETS, venues.venueConfig)), []);
    const research = venuePortsFor('research', NO_SECRETS, venues.venueConfig);
    assert.deepEqual(Object.keys(research).sort(), ['coinbase', 'kalshi']);
    assert.equal(research.kalshi!.authenticated, false);
    const broken = {
      get: (e: string) => (e === 'kalshi.demo' ? '{"keyId": "k"}' : undefined),
      names: () => ['kalshi.demo'],
    };
    assert.throws(
      () => venuePortsFor('paper', broken, venues.venueConfig),
      (err: Error) => err instanceof VenueCredentialError && /kalshi\.demo: privateKeyPem/.test(err.message),
    );
  });

  it('kalshi: markets (all pages), market, book, history, with no key at all', async () => {
    const anonymous = venuePortsFor('research', NO_SECRETS, venues.venueConfig).kalshi!;
    const markets = await anonymous.listMarkets({ status: 'open' });
    assert.equal(markets.length, 2_500, 'three pages of up to 1,000');
    assert.equal((await anonymous.listMarkets({ limit: 1_200 })).length, 1_200);
    const m = markets[0]!;
    assert.match(m.bestBid!, /^0\.\d{4}$/);
    assert.equal((await anonymous.getMarket(m.market)).market, m.market);
    const book = await anonymous.getOrderBook(m.market, 3);
    assert.equal(book.bids.length, 3);
    assert.ok(Number(book.bids[0]!.price) < Number(book.asks[0]!.price), 'bids below asks');
    assert.ok(Number(book.bids[0]!.price) > Number(book.bids[1]!.price), 'best first');
    const bars = await anonymous.getPriceHistory({
      market: m.market,
      from: hoursAgo(5),
      to: new Date().toISOString(),
      interval: '1h',
    });
    assert.ok(bars.length >= 4 && bars.every((b, i) => i === 0 || b.start > bars[i - 1]!.start));
  });

  it('kalshi: many price histories in batches of 100 (GET /markets/candlesticks), the same bars as one market at a time', async () => {
    const tickers = (await kalshi.listMarkets({ status: 'open', limit: 250 })).map((m) => m.market);
    const control = venues.control.kalshi.production;
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    const window = { from: hoursAgo(6), to: new Date().toISOString(), interval: '1h' as const };
    const histories = await kalshi.getPriceHistories(tickers, window);
    assert.equal((await control.requests(since)).length, 3, 'three requests for 250 markets');
    assert.deepEqual([...histories.keys()], tickers, 'every market once, in order');
    for (const i of [0, 120, 249]) {
      assert.deepEqual(histories.get(tickers[i]!), await kalshi.getPriceHistory({ market: tickers[i]!, ...window }));
    }
    assert.ok(histories.get(tickers[0]!)!.length >= 5);
  });

  it('kalshi: many books in batches of 100 (GET /markets/orderbooks), the same levels as one book at a time', async () => {
    const tickers = (await kalshi.listMarkets({ status: 'open', limit: 250 })).map((m) => m.market);
    const books = await kalshi.getOrderBooks(tickers);
    assert.deepEqual(
      books.map((b) => b.market),
      tickers,
      'every market once, in order, across three requests',
    );
    for (const i of [0, 120, 249]) {
      const one = await kalshi.getOrderBook(tickers[i]!);
      assert.deepEqual(books[i], one);
    }
    await assert.rejects(kalshi.getOrderBooks([tickers[0]!, 'KXNOPE-1']), /not_found|KXNOPE-1/);
  });

  it('kalshi: balance, order placement, cancel, look-ups, positions, fills and settlements', async () => {
    const [m] = await kalshi.listMarkets({ status: 'open', limit: 1 });
    await venues.control.kalshi.production.setYesPrice(m!.market, '0.50');
    const start = await kalshi.getBalance();
    assert.equal(start.availableCents, 100_000);
    const bought = await kalshi.placeOrder({
      market: m!.market,
      clientOrderId: 'k-buy-1',
      side: 'buy',
      type: 'limit',
      timeInForce: 'ioc',
      quantity: '4',
      limitPrice: '0.51',
    });
    assert.equal(bought.status, 'filled');
    assert.equal(bought.filledQuantity, '4.00');
    assert.equal(bought.averageFillPrice, '0.5100');
    assert.equal(bought.feesCents, 7); // ceil(0.07 x 4 x 0.51 x 0.49 dollars) = 7 cents
    assert.equal((await kalshi.getBalance()).availableCents, 100_000 - 204 - 7);

    const resting = await kalshi.placeOrder({
      market: m!.market,
      clientOrderId: 'k-rest-1',
      side: 'sell',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '2',
      limitPrice: '0.90',
    });
    assert.equal(resting.status, 'open');
    assert.equal((await kalshi.listOrders({ status: 'open' })).map((o) => o.orderId).join(), resting.orderId);
    assert.equal((await kalshi.cancelOrder(resting.orderId, m!.market)).status, 'canceled');
    assert.equal((await kalshi.cancelOrder(resting.orderId)).status, 'canceled', 'cancelling twice answers the same');
    assert.equal((await kalshi.getOrder(bought.orderId)).clientOrderId, 'k-buy-1');
    assert.equal((await kalshi.findOrderByClientOrderId('k-rest-1', m!.market))!.orderId, resting.orderId);
    assert.equal(await kalshi.findOrderByClientOrderId('never-placed', m!.market), null);
    assert.deepEqual((await kalshi.listOrders({ status: 'closed' })).map((o) => o.clientOrderId).sort(), [
      'k-buy-1',
      'k-rest-1',
    ]);

    assert.deepEqual(
      (await kalshi.getPositions()).map((p) => [p.market, p.quantity, p.costCents]),
      [[m!.market, '4.00', 204]],
    );
    const fills = await kalshi.listFills({ orderId: bought.orderId });
    assert.deepEqual(
      fills.map((f) => [f.side, f.price, f.quantity, f.liquidity]),
      [['buy', '0.5100', '4.00', 'taker']],
    );

    await venues.control.kalshi.production.resolve(m!.market, 'yes');
    const [settlement] = await kalshi.listSettlements();
    assert.equal(settlement!.revenueCents, 400);
    assert.equal((await kalshi.getBalance()).availableCents, 100_000 - 204 - 7 + 400);
    assert.deepEqual(await kalshi.getPositions(), []);
  });

  it('coinbase: configured products, market, book, history, with public endpoints when no key is held', async () => {
    const anonymous = venuePortsFor('research', NO_SECRETS, venues.venueConfig).coinbase!;
    assert.deepEqual(
      (await anonymous.listMarkets()).map((m) => m.market),
      ['BTC-USD', 'ETH-USD'],
      'NEMO_COINBASE_PRODUCTS',
    );
    const btc = await anonymous.getMarket('BTC-USD');
    assert.equal(btc.status, 'open');
    const book = await anonymous.getOrderBook('BTC-USD', 2);
    assert.equal(book.asks.length, 2);
    assert.ok(Number(book.bids[0]!.price) < Number(book.asks[0]!.price));
    const bars = await coinbase.getPriceHistory({
      market: 'BTC-USD',
      from: hoursAgo(30),
      to: new Date().toISOString(),
      interval: '1m',
    });
    assert.ok(bars.length > 1_700, 'several 300-candle requests joined');
    assert.ok(
      bars.every((b, i) => i === 0 || b.start > bars[i - 1]!.start),
      'oldest first, no duplicates',
    );
  });

  it('coinbase: balance, orders, cancel, look-ups, positions and fills; no settlements on spot', async () => {
    await venues.control.coinbase.production.setPrice('ETH-USD', '2000.00');
    const bought = await coinbase.placeOrder({
      market: 'ETH-USD',
      clientOrderId: 'c-buy-1',
      side: 'buy',
      type: 'market',
      timeInForce: 'ioc',
      quantity: '0.1',
    });
    assert.equal(bought.status, 'filled');
    assert.equal(bought.filledQuantity, '0.1');
    assert.equal(bought.averageFillPrice, '2000.8', 'one step (0.04%) above the price');
    assert.equal(bought.feesCents, 121); // 0.6% of $200.08, rounded up
    assert.equal((await coinbase.getBalance()).availableCents, 100_000 - 20_008 - 121);
    assert.deepEqual(await coinbase.getPositions(), [{ venue: 'coinbase', market: 'ETH-USD', quantity: '0.1' }]);

    const resting = await coinbase.placeOrder({
      market: 'ETH-USD',
      clientOrderId: 'c-rest-1',
      side: 'sell',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '0.05',
      limitPrice: '2500.00',
    });
    assert.equal(resting.status, 'open');
    assert.equal(resting.remainingQuantity, '0.05');
    assert.deepEqual(
      (await coinbase.listOrders({ status: 'open' })).map((o) => o.orderId),
      [resting.orderId],
    );
    assert.equal((await coinbase.cancelOrder(resting.orderId)).status, 'canceled');
    assert.equal((await coinbase.cancelOrder(resting.orderId)).status, 'canceled', 'cancelling twice answers the same');
    assert.equal((await coinbase.findOrderByClientOrderId('c-buy-1', 'ETH-USD'))!.orderId, bought.orderId);
    assert.equal(await coinbase.findOrderByClientOrderId('never-placed'), null);
    assert.equal((await coinbase.getOrder(bought.orderId)).status, 'filled');
    assert.deepEqual(
      (await coinbase.listOrders({ status: 'closed', market: 'ETH-USD' })).map((o) => o.clientOrderId).sort(),
      ['c-buy-1', 'c-rest-1'],
    );
    const fills = await coinbase.listFills({ market: 'ETH-USD' });
    assert.deepEqual(
      fills.map((f) => [f.orderId, f.side, f.quantity, f.feeCents]),
      [[bought.orderId, 'buy', '0.1', 121]],
    );
    assert.deepEqual(await coinbase.listSettlements(), []);
  });

  it('a paper (demo) order never reaches production, and the reverse', async () => {
    const paper = venues.portsFor('paper');
    const [m] = await paper.kalshi!.listMarkets({ status: 'open', limit: 1 });
    await paper.kalshi!.placeOrder({
      market: m!.market,
      clientOrderId: 'demo-1',
      side: 'buy',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '1',
      limitPrice: '0.01',
    });
    assert.equal((await venues.control.kalshi.demo.account()).orders, 1);
    assert.equal(await kalshi.findOrderByClientOrderId('demo-1'), null, 'production does not know the demo order');
    assert.equal(
      await paper.kalshi!.findOrderByClientOrderId('k-buy-1'),
      null,
      'demo does not know the production order',
    );
  });

  it('markets one page at a time (a scan snapshots each page as it arrives): the same markets as listing them all', async () => {
    // Market data is limited to 20 reads in any second per address: a fresh second for the seven reads below.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const research = venues.portsFor('research');
    const pages: number[] = [];
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await research.kalshi!.listMarketPage({ status: 'open' }, cursor);
      pages.push(page.markets.length);
      paged.push(...page.markets.map((m) => m.market));
      cursor = page.cursor;
    } while (cursor);
    // 2,500 markets, less those the tests above settled.
    assert.deepEqual(pages.slice(0, 2), [1_000, 1_000]);
    assert.equal(pages.length, 3);
    assert.deepEqual(
      paged,
      (await research.kalshi!.listMarkets({ status: 'open' })).map((m) => m.market),
    );
    const spot = await research.coinbase!.listMarketPage({});
    assert.deepEqual(
      { markets: spot.markets.map((m) => m.market), cursor: spot.cursor },
      { markets: ['BTC-USD', 'ETH-USD'], cursor: undefined },
    );
    await assert.rejects(
      research.coinbase!.listMarketPage({}, 'page-two'),
      (err: Error) => err.name === 'InvalidVenueRequest' && /cursor is not a page offset/.test(err.message),
    );
  });
});
