import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_LIMITS } from '../../policies/limits';
import { orderCostCents } from '../../policies/orders';
import { positionBudgetCents, sizeCoinbaseBuy, sizeKalshiOrder } from '../../policies/position-sizing';

describe('position sizing', () => {
  it('budgets below the 5% position limit and the $50 live cap, less what is held', () => {
    const room = Number.POSITIVE_INFINITY;
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'live', 100_000, 0, room), 4500); // $1,000: 5% = $50, x0.9
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'live', 1_000_000, 0, room), 4500); // $10,000: capped at $50
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'paper', 1_000_000, 0, room), 45_000); // paper: 5% only
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'live', 100_000, 3000, room), 1800);
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'live', 100_000, 9000, room), 0);
  });

  it('never budgets past the total exposure room left (seed: 10% across positions)', () => {
    // The desk: $99 of exposure room, $88 of it used, a 5% cap that alone would allow ~$44.
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'paper', 99_000, 0, 9_900 - 8_800), 990);
    assert.equal(
      positionBudgetCents(DEFAULT_LIMITS, 'paper', 99_000, 0, 9_900),
      4455,
      'with the room free, the position cap binds',
    );
    assert.equal(positionBudgetCents(DEFAULT_LIMITS, 'paper', 99_000, 0, -50), 0, 'over the limit already: nothing');
    const order = sizeKalshiOrder(
      { market: 'KX-1', side: 'yes', yesPrice: '0.4000' },
      positionBudgetCents(DEFAULT_LIMITS, 'paper', 99_000, 0, 1_100),
    );
    assert.ok(order && orderCostCents(order) <= 1_100, 'the sized order fits the room');
  });

  it('sizes Kalshi orders whose cost with the fee fits the budget, YES and NO', () => {
    const yes = sizeKalshiOrder({ market: 'KX-1', side: 'yes', yesPrice: '0.4000' }, 4500);
    assert.deepEqual(yes, {
      venue: 'kalshi',
      market: 'KX-1',
      action: 'buy',
      side: 'yes',
      count: '107',
      price: '0.4000',
    }); // 107 x $0.40 + $1.80 fee = $44.60; 108 would cost $45.02
    assert.ok(orderCostCents(yes!) <= 4500);
    const no = sizeKalshiOrder({ market: 'KX-1', side: 'no', yesPrice: '0.9000' }, 1000); // NO costs $0.10
    assert.equal(no?.count, '94'); // 94 x $0.10 + $0.60 fee = $10.00 exactly
    assert.equal(sizeKalshiOrder({ market: 'KX-1', side: 'yes', yesPrice: '0.9900' }, 50), undefined);
  });

  it('sizes Coinbase buys by base units, rounded down', () => {
    assert.deepEqual(sizeCoinbaseBuy('BTC-USD', '50000.00', 10_060, 0.006), {
      venue: 'coinbase',
      market: 'BTC-USD',
      side: 'BUY',
      baseSize: '0.00200000',
      price: '50000.00',
    });
  });

  it('never sizes an order costing more than its budget (generated cases)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9_999 }),
        fc.constantFrom<'yes' | 'no'>('yes', 'no'),
        fc.integer({ min: 0, max: 100_000 }),
        (bp, side, budget) => {
          const order = sizeKalshiOrder({ market: 'KX-1', side, yesPrice: (bp / 10_000).toFixed(4) }, budget);
          if (order)
            assert.ok(orderCostCents(order) <= budget, `${order.count} x ${order.side} at ${order.price} > ${budget}`);
        },
      ),
      { numRuns: 10_000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (priceCents, budget) => {
          const order = sizeCoinbaseBuy('ETH-USD', (priceCents / 100).toFixed(2), budget, 0.006);
          if (order) assert.ok(orderCostCents(order) <= budget + 1, `${order.baseSize} at ${order.price} > ${budget}`);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
