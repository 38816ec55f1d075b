/**
 * The guardian applies each fill it commits to its positions (policies/orders.ts positionsAfterFill), so a sale right
 * after a buy is checked against what the buy filled. Checked on 10,000 generated fill sequences against a plain
 * signed ledger of contracts and coins.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { positionsAfterFill, saleShare, type Position, type VenueOrder } from '../../policies/orders';

const RUNS = { numRuns: 10_000 };
const MARKETS = ['KXRAIN-A', 'KXRAIN-B'];
const PRODUCTS = ['BTC-USD', 'ETH-USD'];

const kalshiFill = fc.record({
  venue: fc.constant('kalshi' as const),
  market: fc.constantFrom(...MARKETS),
  action: fc.constantFrom('buy' as const, 'sell' as const),
  side: fc.constantFrom('yes' as const, 'no' as const),
  count: fc.integer({ min: 1, max: 50_000 }).map((units) => (units / 100).toString()),
  price: fc.constant('0.5'),
});
const coinbaseFill = fc.record({
  venue: fc.constant('coinbase' as const),
  market: fc.constantFrom(...PRODUCTS),
  side: fc.constantFrom('BUY' as const, 'SELL' as const),
  baseSize: fc.integer({ min: 1, max: 10_000_000 }).map((units) => (units / 1e6).toString()),
  price: fc.constant('100'),
});

/** Kalshi: YES held minus NO held, in hundredths of a contract; Coinbase: coins held, in millionths. */
function signedHoldings(positions: readonly Position[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const p of positions) {
    const units =
      p.venue === 'kalshi'
        ? Math.round(Number(p.count) * 100) * (p.side === 'yes' ? 1 : -1)
        : Math.round(Number(p.baseSize) * 1e6);
    held.set(`${p.venue}:${p.market}`, (held.get(`${p.venue}:${p.market}`) ?? 0) + units);
  }
  return held;
}

function traded(fill: VenueOrder): number {
  if (fill.venue === 'kalshi') {
    const units = Math.round(Number(fill.count) * 100);
    return (fill.side === 'yes' ? units : -units) * (fill.action === 'buy' ? 1 : -1);
  }
  return Math.round(Number(fill.baseSize) * 1e6) * (fill.side === 'BUY' ? 1 : -1);
}

describe('positions after a fill', () => {
  it('Kalshi: the position is the signed sum of what filled, one entry per market, none when flat', () => {
    fc.assert(
      fc.property(fc.array(kalshiFill, { maxLength: 30 }), (fills) => {
        let positions: Position[] = [];
        const expected = new Map<string, number>();
        for (const fill of fills) {
          positions = positionsAfterFill(positions, fill);
          const key = `kalshi:${fill.market}`;
          expected.set(key, (expected.get(key) ?? 0) + traded(fill));
        }
        for (const [key, units] of expected) if (units === 0) expected.delete(key);
        assert.deepEqual(signedHoldings(positions), expected);
        assert.equal(new Set(positions.map((p) => p.market)).size, positions.length, 'one entry per market');
        assert.ok(positions.every((p) => p.venue === 'kalshi' && Number(p.count) > 0));
      }),
      RUNS,
    );
  });

  it('Coinbase: a buy adds to what is held and a sale takes from it; nothing is held below zero', () => {
    fc.assert(
      fc.property(fc.array(coinbaseFill, { maxLength: 30 }), (fills) => {
        let positions: Position[] = [];
        const expected = new Map<string, number>();
        for (const fill of fills) {
          positions = positionsAfterFill(positions, fill);
          const key = `coinbase:${fill.market}`;
          const after = (expected.get(key) ?? 0) + traded(fill);
          if (after > 0) expected.set(key, after);
          else expected.delete(key);
        }
        assert.deepEqual(signedHoldings(positions), expected);
      }),
      RUNS,
    );
  });

  it('a sale right after a buy of the same contracts sells what is held (no short), and leaves the account flat', () => {
    fc.assert(
      fc.property(kalshiFill, (fill) => {
        const buy: VenueOrder = { ...fill, action: 'buy' };
        const sale: VenueOrder = { ...fill, action: 'sell' };
        const held = positionsAfterFill([], buy);
        const { sold, held: before } = saleShare(sale, held);
        assert.equal(sold, before);
        assert.deepEqual(positionsAfterFill(held, sale), []);
      }),
      RUNS,
    );
  });

  it('leaves other venues and markets as they were', () => {
    const others: Position[] = [
      { venue: 'coinbase', market: 'KXRAIN-A', baseSize: '2' },
      { venue: 'kalshi', market: 'KXRAIN-B', side: 'no', count: '3' },
    ];
    const after = positionsAfterFill(others, {
      venue: 'kalshi',
      market: 'KXRAIN-A',
      action: 'buy',
      side: 'yes',
      count: '4',
      price: '0.4',
    });
    assert.deepEqual(after, [...others, { venue: 'kalshi', market: 'KXRAIN-A', side: 'yes', count: '4' }]);
  });
});
