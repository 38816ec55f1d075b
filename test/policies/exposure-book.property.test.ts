/**
 * The exposure book under generated interleavings of many trades' reserve, fill and release calls (10,000 sequences
 * per invariant), applied one at a time as the guardian applies its updates. Limits are drawn in basis points and
 * checked with exact integer arithmetic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  commitExposure,
  EMPTY_EXPOSURE_BOOK,
  exposureRefusals,
  exposureTotals,
  marketExposureCents,
  releaseExposure,
  reserveExposure,
  type ExposureBook,
  type ExposureContext,
} from '../../policies/exposure-book';
import type { Limits, TradingDomain } from '../../policies/limits';

const RUNS = { numRuns: 10_000 };
const MARKETS = ['KXBTCD-A', 'KXBTCD-B', 'KXBTCD-C'];
const TRADES = 6;

type Op =
  | { op: 'reserve'; trade: number; market: number; amount: number }
  | { op: 'fill'; trade: number; fill: number; sharePct: number; complete: boolean }
  | { op: 'release'; trade: number };

/** Usually the seed's defaults on a $1,000 account, sometimes any tighter limits and any size. */
const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: usual }, { weight: 1, arbitrary: other });
const accountArb = fc.record({
  domain: fc.constantFrom<TradingDomain>('live', 'paper'),
  equity: mostly(fc.constant(100_000), fc.integer({ min: 0, max: 300_000 })),
  cash: mostly(fc.integer({ min: 5_000, max: 40_000 }), fc.integer({ min: 0, max: 5_000 })),
  positionBp: mostly(fc.constant(500), fc.integer({ min: 0, max: 500 })),
  exposureBp: mostly(fc.constant(1_000), fc.integer({ min: 0, max: 1_000 })),
  usd: mostly(fc.constant(50), fc.integer({ min: 0, max: 50 })),
});
type Account = typeof accountArb extends fc.Arbitrary<infer A> ? A : never;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('reserve' as const),
      trade: fc.nat(TRADES - 1),
      market: fc.nat(MARKETS.length - 1),
      amount: mostly(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: -5, max: 6_000 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('fill' as const),
      trade: fc.nat(TRADES - 1),
      fill: fc.nat(2),
      sharePct: fc.integer({ min: 0, max: 100 }),
      complete: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), trade: fc.nat(TRADES - 1) }) },
);

function limitsOf(a: Account): Limits {
  return {
    maxPositionFraction: a.positionBp / 10_000,
    maxPositionUsd: a.usd,
    maxExposureFraction: a.exposureBp / 10_000,
    maxDailyLossFraction: 0.05,
    maxTotalLossFraction: 0.65,
    minProbability: 0.8,
    hotWalletMaxUsd: 1_500,
  };
}

/** The caps in exact integers from the basis points. */
function capsOf(a: Account) {
  return {
    position: Math.floor((a.equity * a.positionBp) / 10_000),
    live: a.domain === 'live' ? a.usd * 100 : Infinity,
    exposure: Math.floor((a.equity * a.exposureBp) / 10_000),
  };
}

describe('exposure book properties', () => {
  it('exposure never exceeds 10% of the portfolio (nor a position its caps, nor cash) under interleaved reservations, fills and releases', () => {
    let reservedOk = 0;
    let refused = 0;
    fc.assert(
      fc.property(accountArb, fc.array(opArb, { minLength: 5, maxLength: 50, size: 'max' }), (account, ops) => {
        const caps = capsOf(account);
        const limits = limitsOf(account);
        let book: ExposureBook = EMPTY_EXPOSURE_BOOK;
        const applied = new Map<string, number>(); // fill id -> amount (the model of what was committed)
        const everReserved = new Set<string>();

        for (const op of ops) {
          const id = `t${op.trade}`;
          const { committedCents, reservedCents } = exposureTotals(book);
          const cash = account.cash - committedCents; // fills spend cash
          const context: ExposureContext = {
            domain: account.domain,
            portfolioValueCents: account.equity,
            cashCents: cash,
            limits,
          };
          if (op.op === 'reserve') {
            const market = MARKETS[op.market]!;
            const result = reserveExposure(
              book,
              { reservationId: id, venue: 'kalshi', market, amountCents: op.amount },
              context,
            );
            const open = book.reservations[id];
            const fits =
              op.amount > 0 &&
              marketExposureCents(book, 'kalshi', market) + op.amount <= Math.min(caps.position, caps.live) &&
              committedCents + reservedCents + op.amount <= caps.exposure &&
              op.amount <= cash - reservedCents;
            const expected = open
              ? open.market === market && open.amountCents === op.amount
              : !book.closed.includes(id) && fits;
            assert.equal(result.ok, expected, `reserve ${id} ${market} ${op.amount}`);
            if (result.ok && !open) everReserved.add(id);
            if (result.ok) reservedOk++;
            else refused++;
            book = result.book;
          } else if (op.op === 'fill') {
            if (!everReserved.has(id)) continue; // a fill with no reservation at all is the separate "unreserved" case
            const open = book.reservations[id];
            const fillId = `${id}-f${op.fill}`;
            const amount = open ? Math.floor((open.reservedCents * op.sharePct) / 100) : 1;
            const result = commitExposure(book, {
              reservationId: id,
              fillId,
              venue: 'kalshi',
              market: open?.market ?? MARKETS[0]!,
              amountCents: amount,
              orderComplete: op.complete,
            });
            const duplicate = !open || applied.has(fillId);
            assert.equal(result.duplicate, duplicate);
            assert.equal(result.unreservedCents, 0);
            if (!duplicate) applied.set(fillId, amount);
            if (op.complete)
              assert.equal(result.book.reservations[id], undefined, 'a completed order closes its reservation');
            book = result.book;
          } else {
            book = releaseExposure(book, id).book;
            assert.equal(book.reservations[id], undefined);
          }

          // the invariants, after every call
          const totals = exposureTotals(book);
          assert.ok(totals.committedCents + totals.reservedCents <= caps.exposure, 'seed: max 10% exposure');
          assert.ok(
            totals.committedCents + totals.reservedCents <= account.cash,
            'no leverage: all exposure is paid from cash',
          );
          for (const market of MARKETS) {
            assert.ok(
              marketExposureCents(book, 'kalshi', market) <= Math.min(caps.position, caps.live),
              'seed: position caps',
            );
          }
          for (const r of Object.values(book.reservations)) {
            assert.ok(r.reservedCents >= 0 && r.reservedCents + r.committedCents <= r.amountCents);
          }
          let model = 0;
          for (const amount of applied.values()) model += amount;
          assert.equal(totals.committedCents, model, 'every fill committed exactly once');
        }
      }),
      RUNS,
    );
    assert.ok(
      reservedOk > 10_000 && refused > 10_000,
      `both outcomes exercised (${reservedOk} reserved, ${refused} refused)`,
    );
  });

  it('two reservations that each fit alone can never both take the last room', () => {
    let raced = 0;
    const raceArb = fc.record({
      account: accountArb,
      held: fc.array(fc.tuple(fc.nat(MARKETS.length - 1), fc.integer({ min: 1, max: 4_000 })), { maxLength: 5 }),
      // each trade asks for a share (percent) of the room left, so together they often want more than there is
      first: fc.tuple(fc.nat(MARKETS.length - 1), fc.integer({ min: 1, max: 100 })),
      second: fc.tuple(fc.nat(MARKETS.length - 1), fc.integer({ min: 1, max: 100 })),
    });
    fc.assert(
      fc.property(raceArb, ({ account, held, first, second }) => {
        const context: ExposureContext = {
          domain: account.domain,
          portfolioValueCents: account.equity,
          cashCents: account.cash,
          limits: limitsOf(account),
        };
        let book: ExposureBook = EMPTY_EXPOSURE_BOOK;
        held.forEach(([m, amount], i) => {
          const result = reserveExposure(
            book,
            { reservationId: `h${i}`, venue: 'kalshi', market: MARKETS[m]!, amountCents: amount },
            context,
          );
          book = result.book;
        });
        const caps = capsOf(account);
        const { reservedCents, committedCents } = exposureTotals(book);
        const room = Math.min(caps.exposure - committedCents - reservedCents, account.cash - reservedCents);
        const share = (pct: number) => Math.max(1, Math.floor((room * pct) / 100));
        const a = {
          reservationId: 'a',
          venue: 'kalshi' as const,
          market: MARKETS[first[0]]!,
          amountCents: share(first[1]),
        };
        const b = {
          reservationId: 'b',
          venue: 'kalshi' as const,
          market: MARKETS[second[0]]!,
          amountCents: share(second[1]),
        };
        // both trades were validated against the same book, as two concurrent workflows would be
        if (exposureRefusals(book, a, context).length > 0 || exposureRefusals(book, b, context).length > 0) return;
        const afterA = reserveExposure(book, a, context);
        assert.ok(afterA.ok);
        const afterB = reserveExposure(afterA.book, b, context);
        const bothFit =
          reservedCents + committedCents + a.amountCents + b.amountCents <= caps.exposure &&
          a.amountCents + b.amountCents <= account.cash - reservedCents &&
          (a.market !== b.market ||
            marketExposureCents(book, 'kalshi', a.market) + a.amountCents + b.amountCents <=
              Math.min(caps.position, caps.live));
        if (!bothFit) raced++;
        assert.equal(afterB.ok, bothFit);
      }),
      RUNS,
    );
    assert.ok(raced > 700, `races for the last room happened (${raced})`);
  });
});
