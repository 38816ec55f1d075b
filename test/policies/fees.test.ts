import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { coinbaseFeeCents, kalshiFeeCents } from '../../policies/fees';

describe('venue fee formulas', () => {
  it('Kalshi taker fee is ceil(0.07 x C x P x (1-P)) to the cent', () => {
    // 100 contracts at $0.50: 0.07 * 100 * 0.25 = $1.75
    assert.equal(kalshiFeeCents('100', '0.5000'), 175);
    // 1 contract at $0.50: $0.0175 -> rounds up to 2 cents
    assert.equal(kalshiFeeCents('1', '0.50'), 2);
    // 10 contracts at $0.56: 0.07 * 10 * 0.56 * 0.44 = 0.17248 -> 18 cents
    assert.equal(kalshiFeeCents('10.00', '0.5600'), 18);
    assert.equal(kalshiFeeCents('0', '0.50'), 0);
    assert.equal(kalshiFeeCents('100', '1.0000'), 0);
  });

  it('Kalshi fee matches the formula computed in exact rationals for generated orders', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 9_999 }), (hundredths, priceBp) => {
        const contracts = (hundredths / 100).toFixed(2);
        const price = (priceBp / 10_000).toFixed(4);
        // 0.07 * (h/100) * (b/1e4) * (1 - b/1e4) dollars = 7 * h * b * (1e4 - b) / 1e12 dollars = ... / 1e10 cents
        const numerator = 7n * BigInt(hundredths) * BigInt(priceBp) * BigInt(10_000 - priceBp);
        const expected = numerator / 10n ** 10n + (numerator % 10n ** 10n > 0n ? 1n : 0n);
        assert.equal(kalshiFeeCents(contracts, price), Number(expected));
      }),
      { numRuns: 10_000 },
    );
  });

  it('Coinbase fee is the rate times the notional, rounded up to the cent', () => {
    assert.equal(coinbaseFeeCents(10_000), 60); // $100 at 0.6% = $0.60
    assert.equal(coinbaseFeeCents(1), 1);
    assert.equal(coinbaseFeeCents(0), 0);
    assert.equal(coinbaseFeeCents(10_000, 0.004), 40);
  });
});
