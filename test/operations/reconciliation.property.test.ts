import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kalshiFeeCents } from '../../policies/fees';
import {
  reconcileAccount,
  type LedgerFillRecord,
  type ReconciliationInput,
  type VenueFillRecord,
} from '../../policies/reconciliation';

/**
 * Properties of the reconciliation against an independent oracle of a Kalshi account (whole cents, whole contracts,
 * the venue's own rule: a bid closes NO contracts at $1 less the price before it opens YES, an ask the reverse):
 * a ledger that recorded every fill agrees with the venue exactly, and a ledger that missed one fill is told so
 * with that very order, whatever came before or after it.
 */
interface Trade {
  market: 'KX-A' | 'KX-B' | 'KX-C';
  side: 'buy' | 'sell';
  contracts: number;
  priceCents: number;
}

const trade = fc.record({
  market: fc.constantFrom('KX-A' as const, 'KX-B' as const, 'KX-C' as const),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  contracts: fc.integer({ min: 1, max: 40 }),
  priceCents: fc.integer({ min: 1, max: 99 }),
});

const OPENED = Date.parse('2026-02-12T00:00:00.000Z');
const price = (cents: number) => `0.${String(cents).padStart(2, '0')}`;

/** The venue's records and the complete ledger for a sequence of trades on an account opened with `startCents`. */
function account(trades: Trade[], startCents: number) {
  let cash = startCents;
  const positions = new Map<string, number>();
  const fills: VenueFillRecord[] = [];
  const ledger: LedgerFillRecord[] = [];
  trades.forEach((t, i) => {
    const held = positions.get(t.market) ?? 0;
    const closing =
      t.side === 'buy' ? Math.min(t.contracts, Math.max(0, -held)) : Math.min(t.contracts, Math.max(0, held));
    const fee = kalshiFeeCents(String(t.contracts), price(t.priceCents));
    cash +=
      (t.side === 'buy'
        ? closing * 100 - t.contracts * t.priceCents
        : t.contracts * t.priceCents - (t.contracts - closing) * 100) - fee;
    positions.set(t.market, held + (t.side === 'buy' ? t.contracts : -t.contracts));
    const at = new Date(OPENED + (i + 1) * 1000).toISOString();
    fills.push({
      fillId: `f${i}`,
      orderId: `o${i}`,
      market: t.market,
      side: t.side,
      price: price(t.priceCents),
      quantity: String(t.contracts),
      feeCents: fee,
      at,
    });
    ledger.push({
      seq: 10 + i,
      orderId: `o${i}`,
      clientOrderId: `c${i}`,
      market: t.market,
      signedQuantity: `${t.side === 'buy' ? '' : '-'}${t.contracts}`,
      feesCents: fee,
    });
  });
  const input: ReconciliationInput = {
    venue: 'kalshi',
    baseline: {
      seq: 1,
      at: new Date(OPENED).toISOString(),
      source: 'guardian.opened',
      cashCents: startCents,
      positions: {},
    },
    openedAt: new Date(OPENED).toISOString(),
    ledgerFills: ledger,
    acceptedOrderIds: [],
    venueRecords: {
      fills,
      positions: [...positions].filter(([, q]) => q !== 0).map(([market, q]) => ({ market, quantity: `${q}.00` })),
      availableCents: cash,
      openOrders: 0,
      settlements: [],
    },
  };
  return input;
}

describe('reconciliation properties (10,000 generated accounts each)', () => {
  it('a ledger that recorded every fill agrees with the venue: fills, positions and cash to the cent', () => {
    fc.assert(
      fc.property(
        fc.array(trade, { minLength: 0, maxLength: 30 }),
        fc.integer({ min: 100_000, max: 10_000_000 }),
        (trades, start) => {
          assert.deepEqual(reconcileAccount(account(trades, start)).rows, []);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it("a ledger that missed one fill is told exactly that order, and only its market's position can differ", () => {
    fc.assert(
      fc.property(
        fc.array(trade, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 100_000, max: 10_000_000 }),
        (trades, pick, start) => {
          const input = account(trades, start);
          const missed = input.ledgerFills[pick % input.ledgerFills.length]!;
          const rows = reconcileAccount({ ...input, ledgerFills: input.ledgerFills.filter((f) => f !== missed) }).rows;
          const fillRows = rows.filter((r) => r.kind === 'fill');
          assert.deepEqual(
            fillRows.map((r) => r.kind === 'fill' && `${r.orderId}:${r.problem}`),
            [`${missed.orderId}:not-in-ledger`],
          );
          assert.ok(
            rows.every((r) => r.kind !== 'position' || r.market === missed.market),
            'no other market differs',
          );
          assert.ok(
            rows.some((r) => r.kind === 'position' && r.market === missed.market),
            'the missed fill leaves its market off',
          );
          assert.ok(!rows.some((r) => r.kind === 'balance'), "the venue's cash is explained by its own fills");
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('cash that moved without a fill is reported as the exact difference', () => {
    fc.assert(
      fc.property(
        fc.array(trade, { maxLength: 20 }),
        fc.integer({ min: 2, max: 50_000 }).chain((n) => fc.constantFrom(n, -n)),
        (trades, moved) => {
          const input = account(trades, 1_000_000);
          input.venueRecords = { ...input.venueRecords, availableCents: input.venueRecords.availableCents + moved };
          assert.deepEqual(
            reconcileAccount(input)
              .rows.filter((r) => r.kind === 'balance')
              .map((r) => r.kind === 'balance' && r.differenceCents),
            [moved],
          );
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
