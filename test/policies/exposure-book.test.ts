/**
 * The exposure book as the portfolio guardian uses it: reserve before the order is entered, commit on fills, release
 * on cancel or expiry. A $1,000 live account: 10% total exposure is $100, a position at most $50.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  commitExposure,
  EMPTY_EXPOSURE_BOOK,
  exposureTotals,
  marketExposureCents,
  releaseExposure,
  releaseSoldExposure,
  reservationRefusals,
  reserveExposure,
  restateCommitted,
  type ExposureBook,
  type ExposureContext,
  type ExposureRequest,
} from '../../policies/exposure-book';
import { DEFAULT_LIMITS } from '../../policies/limits';
import { kalshiOrder } from '../support/builders';

const context: ExposureContext = {
  domain: 'live',
  portfolioValueCents: 100_000,
  cashCents: 100_000,
  limits: DEFAULT_LIMITS,
};
const request = (reservationId: string, amountCents: number, market = 'KXBTCD-A'): ExposureRequest => ({
  reservationId,
  venue: 'kalshi',
  market,
  amountCents,
});
const fill = (
  reservationId: string,
  fillId: string,
  amountCents: number,
  orderComplete = false,
  market = 'KXBTCD-A',
) => ({ reservationId, fillId, venue: 'kalshi' as const, market, amountCents, orderComplete });

function reserved(book: ExposureBook, req: ExposureRequest): ExposureBook {
  const result = reserveExposure(book, req, context);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.refusals));
  return result.book;
}

describe('exposure book', () => {
  it('reserves, commits a partial fill, then releases the rest when the order completes', () => {
    let book = reserved(EMPTY_EXPOSURE_BOOK, request('t1', 4_000));
    assert.deepEqual(exposureTotals(book), { committedCents: 0, reservedCents: 4_000 });

    const partial = commitExposure(book, fill('t1', 'f1', 1_500));
    book = partial.book;
    assert.deepEqual(exposureTotals(book), { committedCents: 1_500, reservedCents: 2_500 });
    assert.equal(partial.unreservedCents, 0);

    const last = commitExposure(book, fill('t1', 'f2', 1_000, true));
    assert.equal(last.releasedCents, 1_500);
    assert.deepEqual(exposureTotals(last.book), { committedCents: 2_500, reservedCents: 0 });
    assert.deepEqual(last.book.reservations, {});
    assert.deepEqual(last.book.closed, ['t1']);
  });

  it('releases a cancelled or expired order in full', () => {
    const book = reserved(EMPTY_EXPOSURE_BOOK, request('t1', 4_000));
    const released = releaseExposure(book, 't1');
    assert.equal(released.releasedCents, 4_000);
    assert.deepEqual(exposureTotals(released.book), { committedCents: 0, reservedCents: 0 });
    assert.equal(releaseExposure(released.book, 't1').releasedCents, 0, 'a second release does nothing');
  });

  it('two trades can never both take the last room under the 10% limit', () => {
    let book = EMPTY_EXPOSURE_BOOK;
    for (const [i, market] of ['KXBTCD-A', 'KXBTCD-B'].entries())
      book = reserved(book, request(`r${i}`, 4_500, market));
    // $10 of room left: each of two $6 trades fits alone, but the guardian applies them one after the other
    const first = reserveExposure(book, request('t1', 600, 'KXBTCD-C'), context);
    assert.ok(first.ok);
    const second = reserveExposure(first.book, request('t2', 600, 'KXBTCD-D'), context);
    assert.equal(second.ok, false);
    assert.deepEqual(!second.ok && second.refusals.map((r) => r.check), ['total-exposure']);
  });

  it('a retried reserve or fill changes nothing; a closed reservation cannot be reopened', () => {
    const book = reserved(EMPTY_EXPOSURE_BOOK, request('t1', 4_000));
    const retry = reserveExposure(book, request('t1', 4_000), context);
    assert.ok(retry.ok && retry.duplicate && retry.book === book);
    const different = reserveExposure(book, request('t1', 3_000), context);
    assert.ok(!different.ok && /already open for a different order/.test(different.refusals[0]?.reason ?? ''));

    const once = commitExposure(book, fill('t1', 'f1', 1_000));
    const twice = commitExposure(once.book, fill('t1', 'f1', 1_000));
    assert.equal(twice.duplicate, true);
    assert.deepEqual(exposureTotals(twice.book), exposureTotals(once.book));

    const closed = commitExposure(once.book, fill('t1', 'f2', 500, true)).book;
    assert.equal(commitExposure(closed, fill('t1', 'f2', 500, true)).duplicate, true);
    const reopen = reserveExposure(closed, request('t1', 4_000), context);
    assert.ok(!reopen.ok && /already closed/.test(reopen.refusals[0]?.reason ?? ''));
  });

  it("the guardian's update validator lets a retried reserve through even when the room is gone", () => {
    const book = reserved(reserved(EMPTY_EXPOSURE_BOOK, request('t1', 4_800)), request('t2', 4_800, 'KXBTCD-B'));
    assert.deepEqual(reservationRefusals(book, request('t1', 4_800), context), []);
    assert.deepEqual(
      reservationRefusals(book, request('t3', 4_800, 'KXBTCD-C'), context).map((r) => r.check),
      ['total-exposure'],
    );
    assert.deepEqual(
      reservationRefusals(book, request('t3', 0, 'KXBTCD-C'), context).map((r) => r.check),
      ['order-form'],
    );
  });

  it('commits a fill beyond its reservation or without one, and says how much was unreserved', () => {
    const book = reserved(EMPTY_EXPOSURE_BOOK, request('t1', 1_000));
    const over = commitExposure(book, fill('t1', 'f1', 1_200));
    assert.equal(over.unreservedCents, 200);
    assert.equal(marketExposureCents(over.book, 'kalshi', 'KXBTCD-A'), 1_200);

    const stray = commitExposure(EMPTY_EXPOSURE_BOOK, fill('unknown', 'f9', 700, true, 'KXBTCD-Z'));
    assert.equal(stray.unreservedCents, 700);
    assert.equal(marketExposureCents(stray.book, 'kalshi', 'KXBTCD-Z'), 700);
    assert.equal(commitExposure(stray.book, fill('unknown', 'f9', 700, true, 'KXBTCD-Z')).duplicate, true);
    assert.throws(() => commitExposure(book, fill('t1', 'f2', -1)), RangeError);
  });

  it('names every limit a reservation would break, with the amounts', () => {
    const held = restateCommitted(EMPTY_EXPOSURE_BOOK, { 'kalshi:KXBTCD-A': 4_000, 'kalshi:KXBTCD-B': 5_000 });
    const result = reserveExposure(held, request('t1', 2_000), { ...context, cashCents: 1_000 });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.refusals.map((r) => r.check),
      ['position-limit', 'live-position-cap', 'total-exposure', 'free-balance'],
    );
    assert.match(
      result.refusals[2]?.reason ?? '',
      /total exposure would be \$110\.00 \(\$90\.00 filled \+ \$0\.00 reserved \+ \$20\.00\)/,
    );
  });

  it('a sale releases its share of the position, rounded so exposure is never understated', () => {
    const book = restateCommitted(EMPTY_EXPOSURE_BOOK, { 'kalshi:KXBTCD-A': 1_000 });
    const positions = [{ venue: 'kalshi' as const, market: 'KXBTCD-A', side: 'yes' as const, count: '3' }];
    const third = releaseSoldExposure(book, kalshiOrder({ market: 'KXBTCD-A', action: 'sell', count: '1' }), positions);
    assert.equal(marketExposureCents(third, 'kalshi', 'KXBTCD-A'), 667);
    const all = releaseSoldExposure(book, kalshiOrder({ market: 'KXBTCD-A', action: 'sell', count: '3' }), positions);
    assert.deepEqual(all.committed, {});
  });
});
