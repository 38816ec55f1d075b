import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CoinbasePort } from '../../activities/venues/coinbase/coinbase-port';
import { coinbaseDecoders } from '../../activities/venues/coinbase/coinbase-decoders';
import { KalshiPort } from '../../activities/venues/kalshi/kalshi-port';
import { kalshiDecoders } from '../../activities/venues/kalshi/kalshi-decoders';
import type { Decoder } from '../../activities/venues/parse';
import { VenueError } from '../../activities/venues/venue-errors';
import type { VenuePort } from '../../activities/venues/venue-port';
import { generateCoinbaseKey } from '../../simulators/coinbase/auth';
import { generateKalshiKey } from '../../simulators/kalshi/auth';
import { corruptedFrom, validFrom } from '../support/zod-arbitrary';

/** Decoding must end in a result or a named MalformedVenueResponse: nothing else may escape. */
function decodesOrNamesTheField(decoder: Decoder<unknown>, body: unknown): void {
  try {
    decoder.decode(body);
  } catch (err) {
    if (!(err instanceof VenueError) || err.kind !== 'malformed-response') throw err;
    assert.equal(err.name, 'MalformedVenueResponse');
    assert.ok(err.details.field, 'the failure names the field');
  }
}

const decoders = [
  ...Object.entries(kalshiDecoders).map(([name, d]) => [`kalshi ${name}`, d] as const),
  ...Object.entries(coinbaseDecoders).map(([name, d]) => [`coinbase ${name}`, d] as const),
] as [string, Decoder<unknown>][];

describe('venue answers generated from the zod schemas never crash the adapters', () => {
  for (const [name, decoder] of decoders) {
    it(`${name}: valid, corrupted and arbitrary bodies decode or fail as MalformedVenueResponse`, () => {
      fc.assert(
        fc.property(validFrom(decoder.schema), (body) => decodesOrNamesTheField(decoder, body)),
        { numRuns: 1_000 },
      );
      fc.assert(
        fc.property(corruptedFrom(decoder.schema), (body) => decodesOrNamesTheField(decoder, body)),
        { numRuns: 2_000 },
      );
      fc.assert(
        fc.property(fc.jsonValue(), (body) => decodesOrNamesTheField(decoder, body)),
        { numRuns: 500 },
      );
    });
  }

  it('a wrong field is named: a Kalshi balance that is not a number of cents', () => {
    assert.throws(
      () => kalshiDecoders.getBalance.decode({ balance: '12.50' }),
      (err: VenueError) => err.kind === 'malformed-response' && err.details.field === 'balance',
    );
    assert.throws(
      () => coinbaseDecoders.getOrder.decode({ order: { order_id: 'x' } }),
      /malformed response: order\.product_id/,
    );
    assert.throws(() => kalshiDecoders.listMarkets.decode('{"markets": [{"tick'), /malformed response: \(body\)/);
  });
});

describe('malformed answers over real HTTP through the real clients', () => {
  let body: unknown = {};
  let server: http.Server;
  let base = '';
  before(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const kalshiKey = generateKalshiKey();
  const coinbaseKey = generateCoinbaseKey('EdDSA');
  const ports = (): [VenuePort, Decoder<unknown>, (p: VenuePort) => Promise<unknown>][] => {
    const kalshi = new KalshiPort({
      baseUrl: `${base}/trade-api/v2`,
      credentials: { keyId: kalshiKey.keyId, privateKeyPem: kalshiKey.privateKeyPem },
    });
    const coinbase = new CoinbasePort({
      baseUrl: base,
      credentials: { keyName: coinbaseKey.keyName, privateKey: coinbaseKey.privateKey },
      throttle: false,
    });
    const order = {
      market: 'M',
      clientOrderId: 'c-1',
      side: 'buy',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '1',
      limitPrice: '0.5',
    } as const;
    return [
      [kalshi, kalshiDecoders.listMarkets, (p) => p.listMarkets()],
      [kalshi, kalshiDecoders.getBalance, (p) => p.getBalance()],
      [kalshi, kalshiDecoders.placeOrder, (p) => p.placeOrder(order)],
      [coinbase, coinbaseDecoders.getOrderBook, (p) => p.getOrderBook('BTC-USD')],
      [coinbase, coinbaseDecoders.accounts, (p) => p.getBalance()],
      [coinbase, coinbaseDecoders.placeOrder, (p) => p.placeOrder({ ...order, limitPrice: '100.00' })],
    ];
  };

  it('every answer ends in a result or a named venue error', async () => {
    for (const [port, decoder, call] of ports()) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(corruptedFrom(decoder.schema), fc.jsonValue(), fc.string()), async (generated) => {
          body = generated;
          try {
            await call(port);
          } catch (err) {
            assert.ok(err instanceof VenueError, `${port.venue}: ${String(err)}`);
          }
        }),
        { numRuns: 40 },
      );
    }
  });
});
