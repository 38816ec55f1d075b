import assert from 'node:assert/strict';
import { randomBytes, sign } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { CoinbaseClient, CoinbaseHttpFailure } from '../../activities/venues/coinbase/coinbase-client';
import { COINBASE_MAKER_RATE, coinbaseFeeCents } from '../../policies/fees';
import { dollarsToCents, notionalCents } from '../../policies/money';
import { generateCoinbaseKey } from '../../simulators/coinbase/auth';
import { PricePath, generateCoinbaseProducts } from '../../simulators/coinbase/products';
import { startTestVenues } from '../support/loopback-venues';

type Venues = Awaited<ReturnType<typeof startTestVenues>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ccxt's implicit API methods answer untyped JSON
type Raw = CoinbaseClient & Record<string, (params?: object) => Promise<any>>;
const key = (venues: Venues, entry: string) =>
  JSON.parse(venues.credentials[entry]!) as { keyName: string; privateKey: string };

/** ccxt's coinbase class (as the adapter uses it: HTTP errors keep their status), signing with the key;
 * `tamperUrl` rewrites the URL after signing. */
function client(
  baseUrl: string,
  credentials: { keyName: string; privateKey: string },
  tamperUrl?: (url: string) => string,
): Raw {
  class Tampered extends CoinbaseClient {
    override async fetch(url: string, method?: string, headers?: unknown, body?: unknown) {
      return super.fetch(tamperUrl ? tamperUrl(url) : url, method, headers, body);
    }
  }
  return new Tampered({
    apiKey: credentials.keyName,
    secret: credentials.privateKey,
    urls: { api: { rest: baseUrl } },
    enableRateLimit: false,
  }) as unknown as Raw;
}

/** Why the venue refused a request (the SIMULATED venue's header; Coinbase's own body is a bare "Unauthorized"). */
async function unauthorized(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CoinbaseHttpFailure && err.status === 401) return String(err.headers['X-Nemo-Sim-Auth-Failure']);
    throw err;
  }
  assert.fail('the request was accepted');
}

async function httpStatus(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    if (err instanceof CoinbaseHttpFailure) return err.status;
    throw err;
  }
}

/** A JWT as Coinbase's sample SDK makes it: ES256, uri "METHOD host:port/path" without scheme. */
function sampleSdkToken(
  keyName: string,
  privateKeyPem: string,
  uri: string,
  nbf = Math.floor(Date.now() / 1000),
): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'ES256', kid: keyName, nonce: randomBytes(16).toString('hex'), typ: 'JWT' })}.${b64({ sub: keyName, iss: 'cdp', nbf, exp: nbf + 120, uri })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKeyPem, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const wallets = async (ex: Raw) => {
  const accounts = (await ex.v3PrivateGetBrokerageAccounts()).accounts as {
    currency: string;
    available_balance: { value: string };
    hold: { value: string };
  }[];
  return Object.fromEntries(
    accounts.map((a) => [a.currency, { available: a.available_balance.value, hold: a.hold.value }]),
  );
};

describe('loopback Coinbase Advanced Trade venue, through ccxt', () => {
  let venues: Venues;
  let ex: Raw;
  before(async () => {
    venues = await startTestVenues({ expectedViolations: 9 });
    ex = client(venues.config.NEMO_COINBASE_PRODUCTION_URL, key(venues, 'coinbase.production'));
  });

  it("accepts ES256 and Ed25519 keys as ccxt signs them, and the sample SDK's uri form", async () => {
    assert.ok((await ex.v3PrivateGetBrokerageKeyPermissions()).can_trade, 'ES256 production key');
    const demo = client(venues.config.NEMO_COINBASE_DEMO_URL, key(venues, 'coinbase.demo'));
    assert.ok(Array.isArray((await demo.v3PrivateGetBrokerageAccounts()).accounts), 'Ed25519 demo key');
    const authority = new URL(venues.config.NEMO_COINBASE_PRODUCTION_URL).host;
    const { keyName, privateKey } = key(venues, 'coinbase.production');
    for (const uri of [
      `GET ${authority}/api/v3/brokerage/accounts`,
      `GET ${authority.replace(/:\d+$/, '')}/api/v3/brokerage/accounts`,
    ]) {
      const answer = await fetch(`${venues.config.NEMO_COINBASE_PRODUCTION_URL}/api/v3/brokerage/accounts`, {
        headers: { authorization: `Bearer ${sampleSdkToken(keyName, privateKey, uri)}` },
      });
      assert.equal(answer.status, 200, uri);
    }
  });

  it('refuses a wrong key, a wrong signature, an expired token, a demo key, a tampered path; a view-only key cannot trade', async () => {
    const base = venues.config.NEMO_COINBASE_PRODUCTION_URL;
    const real = key(venues, 'coinbase.production');
    const other = generateCoinbaseKey('ES256');
    const accounts = (c: Raw) => c.v3PrivateGetBrokerageAccounts();
    assert.equal(
      await unauthorized(accounts(client(base, { keyName: other.keyName, privateKey: other.privateKey }))),
      'unknown key',
    );
    assert.equal(
      await unauthorized(accounts(client(base, { keyName: real.keyName, privateKey: other.privateKey }))),
      'invalid signature',
    );
    assert.equal(
      await unauthorized(accounts(client(base, key(venues, 'coinbase.demo')))),
      'unknown key',
      'demo key on production',
    );
    assert.equal(
      await unauthorized(accounts(client(venues.config.NEMO_COINBASE_DEMO_URL, real))),
      'unknown key',
      'production key on demo',
    );
    const tampered = client(base, real, (url) => url.replace('/brokerage/accounts', '/brokerage/portfolios'));
    assert.equal(
      await unauthorized(accounts(tampered)),
      'uri claim does not match the request',
      'signed for /accounts, sent to /portfolios',
    );
    // ccxt's own token builder, with the clock five minutes back: expired.
    const expired = (ex as unknown as { createAuthToken(s: number, m: string, u: string): string }).createAuthToken(
      Math.floor(Date.now() / 1000) - 300,
      'GET',
      `${base}/api/v3/brokerage/accounts`,
    );
    const answer = await fetch(`${base}/api/v3/brokerage/accounts`, {
      headers: { authorization: `Bearer ${expired}` },
    });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('x-nemo-sim-auth-failure'), 'token expired');
    assert.equal(await answer.text(), 'Unauthorized', 'Coinbase answers 401 in plain text');
    const viewOnly = client(base, key(venues, 'coinbase.readonly'));
    assert.equal((await viewOnly.v3PrivateGetBrokerageKeyPermissions()).can_trade, false);
    const refused = viewOnly.v3PrivatePostBrokerageOrders({
      client_order_id: 'ro-1',
      product_id: 'BTC-USD',
      side: 'BUY',
      order_configuration: { market_market_ioc: { quote_size: '10' } },
    });
    assert.equal(await httpStatus(refused), 403);
  });

  it('fills a market buy at the best ask, charging the taker fee and moving both wallets', async () => {
    await venues.control.coinbase.production.setPrice('BTC-USD', '50000.00');
    const before = await wallets(ex);
    const book = (await ex.v3PrivateGetBrokerageBestBidAsk({ product_ids: ['BTC-USD'] })).pricebooks[0];
    assert.equal(book.asks[0].price, '50020.00', 'the best ask is one step ($20 at 0.04%) above the price');
    const placed = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'mkt-1',
      product_id: 'BTC-USD',
      side: 'BUY',
      order_configuration: { market_market_ioc: { base_size: '0.01' } },
    });
    assert.equal(placed.success, true);
    const order = (await ex.v3PrivateGetBrokerageOrdersHistoricalOrderId({ order_id: placed.order_id })).order;
    assert.equal(order.status, 'FILLED');
    assert.equal(order.filled_size, '0.01000000');
    const fee = coinbaseFeeCents(notionalCents('50020.00', '0.01'));
    assert.equal(dollarsToCents(order.total_fees, 'total_fees', 'ceil'), fee);
    const after = await wallets(ex);
    assert.equal(
      dollarsToCents(before.USD!.available, 'usd', 'floor') - dollarsToCents(after.USD!.available, 'usd', 'floor'),
      50_020 + fee,
    );
    assert.equal(after.BTC!.available, '0.01000000');
  });

  it('rests a GTC limit with a hold, releases it on cancel, and fills a resting order as maker when the price moves through it', async () => {
    await venues.control.coinbase.production.setPrice('ETH-USD', '3000.00');
    const rest = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'gtc-1',
      product_id: 'ETH-USD',
      side: 'BUY',
      order_configuration: { limit_limit_gtc: { base_size: '0.1', limit_price: '2900.00', post_only: false } },
    });
    const hold = coinbaseFeeCents(29_000) + 29_000;
    assert.equal(dollarsToCents((await wallets(ex)).USD!.hold, 'hold', 'ceil'), hold);
    const cancelled = await ex.v3PrivatePostBrokerageOrdersBatchCancel({ order_ids: [rest.order_id] });
    assert.equal(cancelled.results[0].success, true);
    assert.equal((await wallets(ex)).USD!.hold, '0.00000000');
    const again = await ex.v3PrivatePostBrokerageOrdersBatchCancel({ order_ids: [rest.order_id] });
    assert.equal(again.results[0].success, false, 'an order no longer open cannot be cancelled');

    const maker = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'gtc-2',
      product_id: 'ETH-USD',
      side: 'BUY',
      order_configuration: { limit_limit_gtc: { base_size: '0.1', limit_price: '2990.00', post_only: true } },
    });
    await venues.control.coinbase.production.setPrice('ETH-USD', '2900.00');
    const filled = (await ex.v3PrivateGetBrokerageOrdersHistoricalOrderId({ order_id: maker.order_id })).order;
    assert.equal(filled.status, 'FILLED');
    const [fill] = (await ex.v3PrivateGetBrokerageOrdersHistoricalFills({ order_ids: [maker.order_id] })).fills;
    assert.equal(fill.liquidity_indicator, 'MAKER');
    assert.equal(fill.price, '2990.00', 'a resting order fills at its own price');
    assert.equal(dollarsToCents(fill.commission, 'commission', 'ceil'), coinbaseFeeCents(29_900, COINBASE_MAKER_RATE));
  });

  it('kills a FOK it cannot fill, partially fills an IOC, refuses what the wallet cannot pay, and returns the existing order for a duplicate client order id', async () => {
    await venues.control.coinbase.production.setPrice('SOL-USD', '100.00');
    const fok = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'fok-1',
      product_id: 'SOL-USD',
      side: 'SELL',
      order_configuration: { limit_limit_fok: { base_size: '1000000', limit_price: '90.00' } },
    });
    assert.equal(
      (await ex.v3PrivateGetBrokerageOrdersHistoricalOrderId({ order_id: fok.order_id })).order.status,
      'CANCELLED',
    );

    const book = (await ex.v3PrivateGetBrokerageProductBook({ product_id: 'SOL-USD', limit: 1 })).pricebook;
    const top = book.asks[0] as { price: string; size: string };
    await venues.control.coinbase.production.setBalance('USD', '1000000');
    const ioc = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'ioc-1',
      product_id: 'SOL-USD',
      side: 'BUY',
      order_configuration: { sor_limit_ioc: { base_size: String(Number(top.size) + 1), limit_price: top.price } },
    });
    const partial = (await ex.v3PrivateGetBrokerageOrdersHistoricalOrderId({ order_id: ioc.order_id })).order;
    assert.equal(partial.status, 'CANCELLED');
    assert.equal(partial.filled_size, top.size, 'only the level at the limit price filled');

    const broke = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'big-1',
      product_id: 'SOL-USD',
      side: 'BUY',
      order_configuration: { limit_limit_gtc: { base_size: '100000', limit_price: '99.00' } },
    });
    assert.equal(broke.success, false);
    assert.equal(broke.error_response.error, 'INSUFFICIENT_FUND');
    const noCoins = await ex.v3PrivatePostBrokerageOrders({
      client_order_id: 'sell-1',
      product_id: 'LINK-USD',
      side: 'SELL',
      order_configuration: { market_market_ioc: { base_size: '1' } },
    });
    assert.equal(noCoins.error_response.error, 'INSUFFICIENT_FUND');

    const body = {
      client_order_id: 'dup-1',
      product_id: 'SOL-USD',
      side: 'BUY',
      order_configuration: { limit_limit_gtc: { base_size: '1', limit_price: '50.00' } },
    };
    const first = await ex.v3PrivatePostBrokerageOrders(body);
    const second = await ex.v3PrivatePostBrokerageOrders(body);
    assert.equal(second.success, true);
    assert.equal(second.order_id, first.order_id);
    const listed = (await ex.v3PrivateGetBrokerageOrdersHistoricalBatch({ product_ids: ['SOL-USD'] })).orders.filter(
      (o: { client_order_id: string }) => o.client_order_id === 'dup-1',
    );
    assert.equal(listed.length, 1);
  });

  it('refuses and counts every call to a fund-moving endpoint', async () => {
    const before = (await venues.control.coinbase.production.violations()).count;
    assert.equal(
      await httpStatus(ex.v3PrivatePostBrokeragePortfoliosMoveFunds({ funds: { value: '1', currency: 'USD' } })),
      403,
    );
    assert.equal(
      await httpStatus(ex.v3PrivatePostBrokerageConvertQuote({ from_account: 'USD', to_account: 'USDC', amount: '1' })),
      403,
    );
    assert.equal(
      await httpStatus(
        ex.v2PrivatePostAccountsAccountIdTransactions({
          account_id: 'x',
          type: 'send',
          to: 'someone',
          amount: '1',
          currency: 'BTC',
        }),
      ),
      403,
    );
    assert.equal(
      await httpStatus(ex.v2PrivatePostAccountsAccountIdWithdrawals({ account_id: 'x', amount: '1', currency: 'USD' })),
      403,
    );
    // Routes the loopback does not serve at all, case and escape variants among them: refused by pattern.
    const base = venues.config.NEMO_COINBASE_PRODUCTION_URL;
    const raw = [
      'POST /v2/accounts/x/deposits',
      'POST /v2/withdrawals/crypto',
      'POST /V2/Accounts/x/Transactions',
      'POST /api/v3/brokerage/Portfolios/Move_Funds',
      'POST /api/v3/brokerage//convert/%71uote',
    ];
    for (const call of raw) {
      const [method, route] = call.split(' ') as [string, string];
      assert.equal((await fetch(`${base}${route}`, { method })).status, 403, call);
    }
    assert.equal((await venues.control.coinbase.production.violations()).count, before + 4 + raw.length);
    assert.notEqual(
      (await fetch(`${base}/api/v3/brokerage/market/products/SEND-USD`)).status,
      403,
      'an ordinary read of an unknown product',
    );
    assert.equal((await venues.control.coinbase.production.violations()).count, before + 4 + raw.length);
  });

  it('answers 429 with Retry-After past 10 public requests per second; refuses more than 350 candles', async () => {
    const url = `${venues.config.NEMO_COINBASE_DEMO_URL}/api/v3/brokerage/market/products`;
    const answers = await Promise.all(Array.from({ length: 14 }, () => fetch(url)));
    const limited = answers.filter((a) => a.status === 429);
    assert.ok(limited.length >= 3, answers.map((a) => a.status).join(','));
    assert.match(limited[0]!.headers.get('retry-after') ?? '', /^\d+$/);
    await new Promise((r) => setTimeout(r, 1_000));
    const now = Math.floor(Date.now() / 1000);
    assert.equal(
      await httpStatus(
        ex.v3PrivateGetBrokerageProductsProductIdCandles({
          product_id: 'BTC-USD',
          start: now - 400 * 60,
          end: now,
          granularity: 'ONE_MINUTE',
        }),
      ),
      400,
    );
  });

  it('prices products by a seeded jump-diffusion: the same seed gives the same path', () => {
    const [btc] = generateCoinbaseProducts('s');
    const a = new PricePath(btc!, 's', 0);
    const b = new PricePath(btc!, 's', 0);
    const minutes = Array.from({ length: 2_000 }, (_, i) => i * 60_000);
    assert.deepEqual(
      minutes.map((t) => a.centsAt(t)),
      minutes.map((t) => b.centsAt(t)),
    );
    const other = new PricePath(generateCoinbaseProducts('t')[0]!, 't', 0);
    assert.notDeepEqual(
      minutes.map((t) => other.centsAt(t)),
      minutes.map((t) => a.centsAt(t)),
    );
    assert.ok(minutes.every((t) => a.centsAt(t) > 0));
  });

  it('holds a price set through the control API for two minutes, then moves on along its path', async () => {
    const control = venues.control.coinbase.production;
    await control.setPrice('BTC-USD', '42000.00');
    // 90 s always crosses one of the path's minutes: the set price must not move with it.
    await control.advanceClock(90_000);
    assert.equal(await control.priceCents('BTC-USD'), 4_200_000);
    await control.advanceClock(2 * 3600_000);
    assert.notEqual(await control.priceCents('BTC-USD'), 4_200_000, 'two hours on, the path has moved');
  });
});
