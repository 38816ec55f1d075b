import { dollars, percent } from './format';
import { exposureCapCents, positionCapCents, usdLimitCents, type Limits, type TradingDomain } from './limits';
import { assertCents, type Cents } from './money';
import { marketKey, saleShare, type Position, type Venue, type VenueOrder } from './orders';
import type { FailedCheck } from './verdict';

/**
 * The portfolio guardian's exposure book. Exposure is counted on orders entered, not only on fills (SEC 15c3-5
 * (c)(1)(i)): a trade reserves its most-possible cost before its order is placed, its fills commit the reservation,
 * and a cancel or expiry releases what is left. The guardian applies these calls one at a time (Temporal updates
 * whose validators call `reservationRefusals`), so two trades can never both take the last room under a limit: the
 * second is checked against a book that already holds the first.
 *
 * The book is plain JSON (it is carried across continue-as-new) and every function returns a new book.
 */
export interface ExposureBook {
  /** Exposure of filled positions (what was paid for them), by marketKey. */
  committed: Readonly<Record<string, Cents>>;
  /** Open reservations by id. */
  reservations: Readonly<Record<string, Reservation>>;
  /** The most recently closed reservation ids, oldest first, so a retried commit or release does nothing twice. */
  closed: readonly string[];
}

export interface Reservation {
  id: string;
  venue: Venue;
  market: string;
  /** What was reserved at first (the order's most-possible cost). */
  amountCents: Cents;
  /** Exposure still held for the working order. */
  reservedCents: Cents;
  /** Exposure its fills have committed so far. */
  committedCents: Cents;
  /** Fills already applied, so a fill delivered twice commits once. */
  fillIds: readonly string[];
}

export interface ExposureRequest {
  /** Deterministic (from the trade workflow's id), so a retried reserve finds its own reservation. */
  reservationId: string;
  venue: Venue;
  market: string;
  /** The order's most-possible cost: `orderCostCents`. */
  amountCents: Cents;
}

/** What the limits are measured against at the moment of the call. */
export interface ExposureContext {
  domain: TradingDomain;
  portfolioValueCents: Cents;
  /** Cash the venue reports available; open reservations are deducted from it here. */
  cashCents: Cents;
  limits: Limits;
}

export interface FillToCommit {
  reservationId: string;
  /** The venue's fill (trade) id. */
  fillId: string;
  venue: Venue;
  market: string;
  /** What the fill cost, fee included. */
  amountCents: Cents;
  /** The order is done (filled, cancelled or expired): what is still reserved is released. */
  orderComplete: boolean;
}

/** How many closed reservation ids are remembered; retries arrive within seconds, not thousands of trades later. */
export const CLOSED_RESERVATIONS_KEPT = 1_000;

export const EMPTY_EXPOSURE_BOOK: ExposureBook = Object.freeze({ committed: {}, reservations: {}, closed: [] });

export function exposureTotals(book: ExposureBook): { committedCents: Cents; reservedCents: Cents } {
  let committedCents = 0;
  for (const cents of Object.values(book.committed)) committedCents += cents;
  let reservedCents = 0;
  for (const r of Object.values(book.reservations)) reservedCents += r.reservedCents;
  return { committedCents, reservedCents };
}

/** Filled plus reserved exposure in one market. */
export function marketExposureCents(book: ExposureBook, venue: Venue, market: string): Cents {
  const key = marketKey(venue, market);
  let cents = book.committed[key] ?? 0;
  for (const r of Object.values(book.reservations)) if (marketKey(r.venue, r.market) === key) cents += r.reservedCents;
  return cents;
}

/**
 * Every limit the new exposure would break, given what is already filled and reserved: the position limits
 * (counting what is held in that market), the total exposure limit, and the free balance (no leverage or margin).
 */
export function exposureRefusals(
  book: ExposureBook,
  request: ExposureRequest,
  context: ExposureContext,
): FailedCheck[] {
  assertCents(request.amountCents, 'amountCents');
  const { limits, portfolioValueCents: portfolio } = context;
  const refusals: FailedCheck[] = [];
  const held = marketExposureCents(book, request.venue, request.market);
  const position = held + request.amountCents;

  const positionCap = positionCapCents(limits, portfolio);
  if (position > positionCap) {
    // seed: MAX_POSITION_SIZE = 5% of portfolio
    refusals.push({
      check: 'position-limit',
      reason: `${positionText(request, held)}, above ${percent(limits.maxPositionFraction)} of the ${dollars(portfolio)} portfolio (${dollars(positionCap)})`,
    });
  }
  const liveCap = usdLimitCents(limits.maxPositionUsd);
  if (context.domain === 'live' && position > liveCap) {
    // seed: "HARD LIMITS: Max $50/position" in the Live Trading domain
    refusals.push({
      check: 'live-position-cap',
      reason: `${positionText(request, held)}, above the ${dollars(liveCap)} cap per live position`,
    });
  }

  const { committedCents, reservedCents } = exposureTotals(book);
  const exposure = committedCents + reservedCents + request.amountCents;
  const exposureCap = exposureCapCents(limits, portfolio);
  if (exposure > exposureCap) {
    // seed: MAX_PORTFOLIO_EXPOSURE = 10%, counted on orders entered and reserved, not only fills
    refusals.push({
      check: 'total-exposure',
      reason: `total exposure would be ${dollars(exposure)} (${dollars(committedCents)} filled + ${dollars(reservedCents)} reserved + ${dollars(request.amountCents)}), above ${percent(limits.maxExposureFraction)} of the ${dollars(portfolio)} portfolio (${dollars(exposureCap)})`,
    });
  }

  const free = context.cashCents - reservedCents;
  if (request.amountCents > free) {
    // seed: no leverage or margin: an order is paid from cash no other order has claimed
    refusals.push({
      check: 'free-balance',
      reason: `the order may cost ${dollars(request.amountCents)} but only ${dollars(free)} is free (${dollars(context.cashCents)} cash less ${dollars(reservedCents)} reserved): no leverage or margin`,
    });
  }
  return refusals;
}

/** The position an order would make, in words; written only for a refusal (orders that pass are the many). */
function positionText(request: ExposureRequest, heldCents: Cents): string {
  const position = heldCents + request.amountCents;
  return `the position in ${request.market} would be ${dollars(position)} (${dollars(heldCents)} held or reserved + ${dollars(request.amountCents)} for this order)`;
}

export type ReserveResult =
  | { ok: true; book: ExposureBook; reservation: Reservation; duplicate: boolean }
  | { ok: false; book: ExposureBook; refusals: FailedCheck[] };

/**
 * Why `reserveExposure` would refuse the request (empty when it would reserve, or already has): what the guardian's
 * update validator calls, so a refused reservation never enters the workflow's history.
 */
export function reservationRefusals(
  book: ExposureBook,
  request: ExposureRequest,
  context: ExposureContext,
): FailedCheck[] {
  const existing = book.reservations[request.reservationId];
  if (existing) {
    const same =
      existing.venue === request.venue &&
      existing.market === request.market &&
      existing.amountCents === request.amountCents;
    return same
      ? []
      : [
          {
            check: 'duplicate-order',
            reason: `reservation ${request.reservationId} is already open for a different order`,
          },
        ];
  }
  if (book.closed.includes(request.reservationId)) {
    return [
      {
        check: 'duplicate-order',
        reason: `reservation ${request.reservationId} was already closed; a new order needs a new id`,
      },
    ];
  }
  if (request.amountCents <= 0) return [{ check: 'order-form', reason: 'a reservation must be for a positive amount' }];
  return exposureRefusals(book, request, context);
}

/** Reserves exposure for an order about to be entered, or says every limit it would break. Idempotent by id. */
export function reserveExposure(book: ExposureBook, request: ExposureRequest, context: ExposureContext): ReserveResult {
  const refusals = reservationRefusals(book, request, context);
  if (refusals.length > 0) return { ok: false, book, refusals };
  const existing = book.reservations[request.reservationId];
  if (existing) return { ok: true, book, reservation: existing, duplicate: true };

  const reservation: Reservation = {
    id: request.reservationId,
    venue: request.venue,
    market: request.market,
    amountCents: request.amountCents,
    reservedCents: request.amountCents,
    committedCents: 0,
    fillIds: [],
  };
  return {
    ok: true,
    book: { ...book, reservations: { ...book.reservations, [reservation.id]: reservation } },
    reservation,
    duplicate: false,
  };
}

export interface CommitResult {
  book: ExposureBook;
  /** Exposure this fill added to the market's position. */
  committedCents: Cents;
  /** Reserved exposure returned to the room (the rest of a completed order). */
  releasedCents: Cents;
  /** Fill cost beyond what was reserved, or a fill with no reservation: committed anyway, and worth an alert. */
  unreservedCents: Cents;
  /** The fill (or the reservation) was already applied; nothing changed. */
  duplicate: boolean;
}

/**
 * Commits a fill: its cost becomes position exposure and leaves the reservation; a partial fill leaves the rest
 * reserved until the order completes. A fill is a fact, so it is committed even beyond (or without) a reservation.
 */
export function commitExposure(book: ExposureBook, fill: FillToCommit): CommitResult {
  assertCents(fill.amountCents, 'amountCents');
  if (fill.amountCents < 0) throw new RangeError(`fill ${fill.fillId}: a fill cannot cost ${fill.amountCents} cents`);
  if (book.closed.includes(fill.reservationId)) {
    return { book, committedCents: 0, releasedCents: 0, unreservedCents: 0, duplicate: true };
  }
  // A fill without a reservation opens an empty one, so its fill id is remembered like any other.
  const reservation: Reservation = book.reservations[fill.reservationId] ?? {
    id: fill.reservationId,
    venue: fill.venue,
    market: fill.market,
    amountCents: 0,
    reservedCents: 0,
    committedCents: 0,
    fillIds: [],
  };
  const duplicate = reservation.fillIds.includes(fill.fillId);
  const committedCents = duplicate ? 0 : fill.amountCents;
  const fromReservation = Math.min(committedCents, reservation.reservedCents);
  const key = marketKey(reservation.venue, reservation.market);
  const updated: Reservation = {
    ...reservation,
    reservedCents: reservation.reservedCents - fromReservation,
    committedCents: reservation.committedCents + committedCents,
    fillIds: duplicate ? reservation.fillIds : [...reservation.fillIds, fill.fillId],
  };
  const next: ExposureBook = {
    ...book,
    committed:
      committedCents > 0 ? { ...book.committed, [key]: (book.committed[key] ?? 0) + committedCents } : book.committed,
    reservations: { ...book.reservations, [updated.id]: updated },
  };
  const released = fill.orderComplete ? releaseExposure(next, updated.id) : { book: next, releasedCents: 0 };
  return {
    book: released.book,
    committedCents,
    releasedCents: released.releasedCents,
    unreservedCents: committedCents - fromReservation,
    duplicate,
  };
}

/** Releases what a reservation still holds (order cancelled, expired, refused, or done) and closes it. */
export function releaseExposure(
  book: ExposureBook,
  reservationId: string,
): { book: ExposureBook; releasedCents: Cents } {
  const reservation = book.reservations[reservationId];
  if (!reservation) return { book, releasedCents: 0 };
  const { [reservationId]: _closed, ...open } = book.reservations;
  return {
    book: { ...book, reservations: open, closed: [...book.closed, reservationId].slice(-CLOSED_RESERVATIONS_KEPT) },
    releasedCents: reservation.reservedCents,
  };
}

/**
 * A sell fill (or a settlement) takes part of a position: the same share of its committed exposure goes, rounded
 * down so exposure is never understated. `positionsBefore` is what was held before the sale.
 */
export function releaseSoldExposure(
  book: ExposureBook,
  sale: VenueOrder,
  positionsBefore: readonly Position[],
): ExposureBook {
  const key = marketKey(sale.venue, sale.market);
  const committed = book.committed[key] ?? 0;
  const { sold, held } = saleShare(sale, positionsBefore);
  if (committed === 0 || held === 0n) return book;
  const remaining = sold >= held ? 0 : committed - Number((BigInt(committed) * sold) / held);
  return restateCommitted(book, { [key]: remaining });
}

/** Sets the committed exposure of the markets named (reconciliation with the venue, settlements); 0 removes one. */
export function restateCommitted(
  book: ExposureBook,
  committedByMarketKey: Readonly<Record<string, Cents>>,
): ExposureBook {
  const committed: Record<string, Cents> = { ...book.committed };
  for (const [key, cents] of Object.entries(committedByMarketKey)) {
    assertCents(cents, `committed[${key}]`);
    if (cents > 0) committed[key] = cents;
    else delete committed[key];
  }
  return { ...book, committed };
}
