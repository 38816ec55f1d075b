/**
 * Place-order round trip through each venue adapter, next to the same request as a bare signed HTTP call, against
 * the SIMULATED loopback venues in this process (so the figures are client-side cost plus loopback HTTP, not the
 * venues' internet latency).
 *
 *   npx tsx bench/exchange.ts [orders per case, default 300]
 *
 * Orders rest far from the market (GTC), so every placement is one POST, except the Coinbase adapter, which reads
 * the order back after placing it (its create answer holds only the id).
 */
import { constants, randomBytes, sign } from 'node:crypto';
import axios from 'axios';
import { Configuration, OrdersApi } from 'kalshi-typescript';
import { coinbaseClient } from '../activities/venues/coinbase/coinbase-client';
import { venuePortsFor } from '../activities/venues/credentials';
import { loadConfig } from '../platform/config';
import { startLoopbackVenues } from '../simulators/start-venues';
import { machineLine, percentile } from './machine';

const N = Number(process.argv[2] ?? 200);
const WARMUP = 20;
/** Calls are paced (the pause is not measured) to stay under the venues' rate limits, which the loopback venues
 * enforce: Kalshi's top tier allows 400 writes per second, Coinbase 30 private requests per second per key. */
const KALSHI_PACE_MS = 3;
const COINBASE_PACE_MS = 35;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(label: string, paceMs: number, once: (i: number) => Promise<unknown>): Promise<void> {
  await pause(1_100); // a fresh rate-limit window per case
  for (let i = 0; i < WARMUP; i++) {
    await once(-1 - i);
    await pause(paceMs);
  }
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const started = performance.now();
    await once(i);
    const elapsed = performance.now() - started;
    ms.push(elapsed);
    if (elapsed < paceMs) await pause(paceMs - elapsed);
  }
  ms.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(64)} p50 ${percentile(ms, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(ms, 99).toFixed(2).padStart(7)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(machineLine());
  const venues = await startLoopbackVenues({
    seed: 'bench',
    kalshiMarkets: 50,
    kalshiTier: 'prime',
    startingBalanceCents: 100_000_000,
  });
  try {
    const config = loadConfig({ NEMO_HOME: '/nonexistent-nemo-home', ...venues.config });
    const live = venuePortsFor('live', venues.secretsFor('live'), config);
    const kalshiKey = JSON.parse(venues.credentials['kalshi.production']!) as { keyId: string; privateKeyPem: string };
    const coinbaseKey = JSON.parse(venues.credentials['coinbase.production']!) as {
      keyName: string;
      privateKey: string;
    };
    const [market] = await live.kalshi!.listMarkets({ status: 'open', limit: 1 });
    const ticker = market!.market;
    const run = `${process.pid}`;

    console.log(`Kalshi: POST /portfolio/events/orders (GTC bid 1 @ 0.01, rests), ${N} orders per case`);
    const kalshiBody = (id: string) => ({
      ticker,
      client_order_id: id,
      side: 'bid' as const,
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled' as const,
      self_trade_prevention_type: 'taker_at_cross' as const,
    });
    const kalshiUrl = `${config.NEMO_KALSHI_PRODUCTION_URL}/portfolio/events/orders`;
    const kalshiPath = new URL(kalshiUrl).pathname;
    await measure('raw HTTP (fetch, RSA-PSS signed by node:crypto)', KALSHI_PACE_MS, async (i) => {
      const timestamp = String(Date.now());
      const signature = sign('sha256', Buffer.from(`${timestamp}POST${kalshiPath}`), {
        key: kalshiKey.privateKeyPem,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }).toString('base64');
      const answer = await fetch(kalshiUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'KALSHI-ACCESS-KEY': kalshiKey.keyId,
          'KALSHI-ACCESS-TIMESTAMP': timestamp,
          'KALSHI-ACCESS-SIGNATURE': signature,
        },
        body: JSON.stringify(kalshiBody(`raw-${run}-${i}`)),
      });
      if (answer.status !== 201) throw new Error(`raw Kalshi placement answered ${answer.status}`);
      await answer.json();
    });
    const orders = new OrdersApi(
      new Configuration({
        basePath: config.NEMO_KALSHI_PRODUCTION_URL,
        apiKey: kalshiKey.keyId,
        privateKeyPem: kalshiKey.privateKeyPem,
      }),
      undefined,
      axios.create(),
    );
    await measure('kalshi-typescript SDK createOrderV2', KALSHI_PACE_MS, (i) =>
      orders.createOrderV2(kalshiBody(`sdk-${run}-${i}`)),
    );
    await measure('NEMO Kalshi adapter placeOrder (SDK + zod + normalising)', KALSHI_PACE_MS, (i) =>
      live.kalshi!.placeOrder({
        market: ticker,
        clientOrderId: `port-${run}-${i}`,
        side: 'buy',
        type: 'limit',
        timeInForce: 'gtc',
        quantity: '1',
        limitPrice: '0.01',
      }),
    );

    console.log(`Coinbase: POST /api/v3/brokerage/orders (GTC buy 0.0001 BTC @ 1000.00, rests), ${N} orders per case`);
    const coinbaseBody = (id: string) => ({
      client_order_id: id,
      product_id: 'BTC-USD',
      side: 'BUY',
      order_configuration: { limit_limit_gtc: { base_size: '0.0001', limit_price: '1000.00', post_only: false } },
    });
    const coinbaseUrl = `${config.NEMO_COINBASE_PRODUCTION_URL}/api/v3/brokerage/orders`;
    const authority = new URL(coinbaseUrl).host;
    await measure('raw HTTP (fetch, ES256 JWT signed by node:crypto)', COINBASE_PACE_MS, async (i) => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'ES256', kid: coinbaseKey.keyName, nonce: randomBytes(16).toString('hex'), typ: 'JWT' })}.${b64({ sub: coinbaseKey.keyName, iss: 'cdp', nbf: now, exp: now + 120, uri: `POST ${authority}/api/v3/brokerage/orders` })}`;
      const jwt = `${input}.${sign('sha256', Buffer.from(input), { key: coinbaseKey.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
      const answer = await fetch(coinbaseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
        body: JSON.stringify(coinbaseBody(`raw-${run}-${i}`)),
      });
      const body = (await answer.json()) as { success?: boolean };
      if (!body.success) throw new Error(`raw Coinbase placement failed: ${JSON.stringify(body)}`);
    });
    const ccxt = coinbaseClient({
      baseUrl: config.NEMO_COINBASE_PRODUCTION_URL,
      credentials: coinbaseKey,
      throttle: false,
    });
    await measure('ccxt coinbase v3PrivatePostBrokerageOrders (throttle off)', COINBASE_PACE_MS, (i) =>
      ccxt.v3PrivatePostBrokerageOrders(coinbaseBody(`ccxt-${run}-${i}`)),
    );
    const unthrottled = venuePortsFor('live', venues.secretsFor('live'), config, { throttle: false }).coinbase!;
    const order = (id: string) => ({
      market: 'BTC-USD',
      clientOrderId: id,
      side: 'buy' as const,
      type: 'limit' as const,
      timeInForce: 'gtc' as const,
      quantity: '0.0001',
      limitPrice: '1000.00',
    });
    await measure('NEMO Coinbase adapter placeOrder, POST + GET (throttle off)', 2 * COINBASE_PACE_MS, (i) =>
      unthrottled.placeOrder(order(`port-${run}-${i}`)),
    );
    await measure('NEMO Coinbase adapter placeOrder, POST + GET (ccxt throttle on)', 0, (i) =>
      live.coinbase!.placeOrder(order(`thr-${run}-${i}`)),
    );

    const handled = (await venues.control.coinbase.production.requests())
      .concat(await venues.control.kalshi.production.requests())
      .filter((r) => r.method === 'POST')
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    console.log(
      `Loopback venues' own handling time of those POSTs: p50 ${percentile(handled, 50).toFixed(2)} ms, p99 ${percentile(handled, 99).toFixed(2)} ms`,
    );
  } finally {
    await venues.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
