import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcileAccount, type ReconciliationInput, type VenueFillRecord } from '../../policies/reconciliation';

const OPENED = '2026-02-12T09:00:00.000Z';

function fill(
  orderId: string,
  side: 'buy' | 'sell',
  quantity: string,
  price: string,
  feeCents: number,
  at = '2026-02-12T10:00:00.000Z',
  market = 'KX-A',
): VenueFillRecord {
  return { fillId: `f-${orderId}-${quantity}-${at}`, orderId, market, side, price, quantity, feeCents, at };
}

/** An account opened with $1,000 that bought 10 YES of KX-A at 0.40 (fee 17 cents), both sides agreeing. */
function agreed(): ReconciliationInput {
  return {
    venue: 'kalshi',
    baseline: { seq: 1, at: OPENED, source: 'guardian.opened', cashCents: 100_000, positions: {} },
    openedAt: OPENED,
    ledgerFills: [
      { seq: 5, orderId: 'o1', clientOrderId: 'c1', market: 'KX-A', signedQuantity: '10.00', feesCents: 17 },
    ],
    acceptedOrderIds: [],
    venueRecords: {
      fills: [fill('o1', 'buy', '6', '0.40', 11), fill('o1', 'buy', '4', '0.40', 6)],
      positions: [{ market: 'KX-A', quantity: '10.00' }],
      availableCents: 100_000 - 400 - 17,
      openOrders: 0,
      settlements: [],
    },
  };
}

describe('reconciliation: the ledger against the venue', () => {
  it('finds nothing when both agree (fills summed per order, positions, balance)', () => {
    const result = reconcileAccount(agreed());
    assert.deepEqual(result.rows, []);
    assert.deepEqual(result.compared, { fills: 1, positions: 1, balance: 'compared' });
    assert.deepEqual(result.snapshot, { cashCents: 99_583, positions: { 'KX-A': '10' } });
  });

  it('names a fill the ledger never saw, and the position it left', () => {
    const input = agreed();
    input.venueRecords = {
      ...input.venueRecords,
      fills: [...input.venueRecords.fills, fill('o2', 'buy', '3', '0.50', 6, '2026-02-12T11:00:00.000Z', 'KX-B')],
      positions: [...input.venueRecords.positions, { market: 'KX-B', quantity: '3.00' }],
      availableCents: input.venueRecords.availableCents - 150 - 6,
    };
    const { rows } = reconcileAccount(input);
    assert.deepEqual(rows, [
      {
        kind: 'fill',
        orderId: 'o2',
        market: 'KX-B',
        problem: 'not-in-ledger',
        ledger: null,
        venue: { market: 'KX-B', quantity: '3', feesCents: 6, fills: 1, firstAt: '2026-02-12T11:00:00.000Z' },
      },
      { kind: 'position', market: 'KX-B', ledgerQuantity: '0', venueQuantity: '3' },
    ]);
  });

  it('names a ledger fill the venue does not know, a quantity that differs and fees that differ', () => {
    const input = agreed();
    input.ledgerFills = [
      { ...input.ledgerFills[0]!, signedQuantity: '12.00' },
      { seq: 6, orderId: 'ghost', clientOrderId: 'c2', market: 'KX-A', signedQuantity: '-2', feesCents: 1 },
    ];
    const rows = reconcileAccount(input).rows;
    assert.deepEqual(
      rows.filter((r) => r.kind === 'fill').map((r) => r.kind === 'fill' && `${r.orderId}:${r.problem}`),
      ['o1:quantity-differs', 'ghost:not-at-venue'],
    );
    const fees = agreed();
    fees.ledgerFills = [{ ...fees.ledgerFills[0]!, feesCents: 16 }];
    assert.equal(
      reconcileAccount(fees).rows[0]!.kind === 'fill' &&
        (reconcileAccount(fees).rows[0] as { problem: string }).problem,
      'fees-differ',
    );
  });

  it('names money that moved without a fill (a withdrawal), beyond a cent of rounding', () => {
    const input = agreed();
    input.venueRecords = { ...input.venueRecords, availableCents: input.venueRecords.availableCents - 5_000 };
    assert.deepEqual(reconcileAccount(input).rows, [
      { kind: 'balance', expectedCents: 99_583, venueCents: 94_583, differenceCents: -5_000 },
    ]);
    const rounding = agreed();
    rounding.venueRecords = { ...rounding.venueRecords, availableCents: rounding.venueRecords.availableCents - 1 };
    assert.deepEqual(reconcileAccount(rounding).rows, []);
  });

  it('replays Kalshi cash as the venue does: a sale of YES held pays the price, a settlement pays $1 per winning contract', () => {
    const input = agreed();
    input.ledgerFills = [
      ...input.ledgerFills,
      { seq: 8, orderId: 'o3', clientOrderId: 'c3', market: 'KX-A', signedQuantity: '-4', feesCents: 8 },
    ];
    input.venueRecords = {
      ...input.venueRecords,
      fills: [...input.venueRecords.fills, fill('o3', 'sell', '4', '0.55', 8, '2026-02-12T12:00:00.000Z')],
      positions: [{ market: 'KX-A', quantity: '6.00' }],
      availableCents: 99_583 + 220 - 8,
    };
    assert.deepEqual(reconcileAccount(input).rows, []);
    // The market then settles YES: the 6 contracts pay $6 and the position is gone on both sides.
    input.venueRecords = {
      ...input.venueRecords,
      positions: [],
      availableCents: 99_583 + 220 - 8 + 600,
      settlements: [{ market: 'KX-A', revenueCents: 600, feeCents: 0, settledAt: '2026-02-12T13:00:00.000Z' }],
    };
    assert.deepEqual(reconcileAccount(input).rows, []);
  });

  it('skips the balance while orders rest, and never reports accepted orders or fills before the ledger began', () => {
    const resting = agreed();
    resting.venueRecords = { ...resting.venueRecords, openOrders: 2, availableCents: 0 };
    const result = reconcileAccount(resting);
    assert.deepEqual(result.rows, []);
    assert.match(result.compared.balance, /not compared: 2 order\(s\) rest/);

    const old = agreed();
    old.venueRecords = {
      ...old.venueRecords,
      fills: [...old.venueRecords.fills, fill('before', 'buy', '1', '0.5', 1, '2026-02-11T10:00:00.000Z')],
    };
    old.acceptedOrderIds = [];
    assert.deepEqual(reconcileAccount(old).rows, [], 'a fill before the ledger began is in the opening figures');

    const accepted = agreed();
    accepted.venueRecords = {
      ...accepted.venueRecords,
      fills: [...accepted.venueRecords.fills, fill('o9', 'buy', '1', '0.5', 1)],
    };
    accepted.acceptedOrderIds = ['o9'];
    assert.equal(reconcileAccount(accepted).rows.filter((r) => r.kind === 'fill').length, 0);
  });

  it('measures positions and balance from a later baseline, counting only the ledger fills after it', () => {
    const input = agreed();
    input.baseline = {
      seq: 5,
      at: '2026-02-12T10:30:00.000Z',
      source: 'reconciliation.completed',
      cashCents: 99_583,
      positions: { 'KX-A': '10' },
    };
    assert.deepEqual(reconcileAccount(input).rows, []);
  });
});
