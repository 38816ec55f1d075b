/**
 * decideOrder: the guardian's one decision per order (every check once, then the reservation and the order entered).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposureTotals } from '../../policies/exposure-book';
import { decideOrder } from '../../policies/order-decision';
import { evidence, kalshiOrder, policy, proposal, snapshot } from '../support/builders';

describe('decideOrder', () => {
  it('reserves what the order may cost and enters it for the checks that follow', () => {
    const decision = decideOrder(snapshot(), 'kalshi', proposal(), policy(), evidence());
    assert.equal(decision.accepted, true);
    if (!decision.accepted) return;
    assert.equal(decision.intent, 'buy');
    assert.equal(exposureTotals(decision.exposure).reservedCents, decision.costCents);
    assert.deepEqual(
      decision.recentOrders.map((o) => o.clientOrderId),
      [proposal().clientOrderId],
    );
    // The same order again, on the book the first left: refused as a duplicate, naming the check.
    const again = decideOrder(
      snapshot({ recentOrders: decision.recentOrders }),
      'kalshi',
      { ...proposal(), clientOrderId: 'another' },
      policy(),
      evidence(),
    );
    assert.equal(again.accepted, false);
    if (!again.accepted)
      assert.deepEqual(
        again.failures.map((f) => f.check),
        ['duplicate-order'],
      );
  });

  it('refuses with every failed check and changes nothing', () => {
    const decision = decideOrder(
      snapshot(),
      'kalshi',
      proposal({ probability: 0.5, order: kalshiOrder({ market: 'KXOTHER-1' }) }),
      policy(),
      evidence(),
    );
    assert.equal(decision.accepted, false);
    if (!decision.accepted)
      assert.deepEqual(decision.failures.map((f) => f.check).sort(), ['approved-market', 'probability']);
  });

  it('a retried reservation finds its own, unchanged', () => {
    const first = decideOrder(snapshot(), 'kalshi', proposal(), policy(), evidence());
    assert.ok(first.accepted);
    const retried = decideOrder(
      snapshot({ exposure: first.exposure, recentOrders: first.recentOrders }),
      'kalshi',
      proposal(),
      policy(),
      evidence(),
    );
    assert.ok(retried.accepted);
    assert.equal(retried.exposure, first.exposure);
    assert.equal(retried.costCents, first.costCents);
  });
});
