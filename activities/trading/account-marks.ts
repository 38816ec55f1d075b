import { ApplicationFailure } from '@temporalio/common';
import { decimalToUnits, notionalCents, unitsToDecimal, type Cents } from '../../policies/money';
import type { Position, Venue } from '../../policies/orders';
import type { VenuePorts } from '../venues/credentials';
import { toActivityFailure } from '../venues/venue-errors';
import { VENUE_FAILURE_TYPES } from '../../policies/venue-failures';
import type { OrderBook, VenuePosition } from '../venues/venue-port';

/**
 * Marks an account to market for its portfolio guardian: the cash the venue reports (free and held for resting
 * orders) plus every position at its mark. The seed's loss limits are measured on this value, so fees paid are in
 * it (they left the cash) and open positions count at what they would fetch now.
 */
export interface AccountMark {
  venue: Venue;
  /** Cash free to trade. */
  cashCents: Cents;
  /** Cash plus held cash plus positions at their marks. */
  equityCents: Cents;
  positions: Position[];
  /** The price each position was marked at. */
  marks: Record<string, string>;
  at: string;
}

const isZero = (quantity: string) => decimalToUnits(quantity.replace(/^-/, ''), 8, 'quantity', 'floor') === 0n;

/** Kalshi positions are signed contracts (+YES / -NO); Coinbase positions are base currency held. */
export function toPolicyPosition(venue: Venue, position: VenuePosition): Position {
  if (venue === 'kalshi') {
    const negative = position.quantity.startsWith('-');
    return {
      venue,
      market: position.market,
      side: negative ? 'no' : 'yes',
      count: position.quantity.replace(/^-/, ''),
    };
  }
  return { venue, market: position.market, baseSize: position.quantity };
}

function markValueCents(book: OrderBook | undefined, position: Position): { cents: Cents; price: string } {
  if (position.venue === 'kalshi') {
    // What a YES contract would fetch now is the best YES bid; a NO contract's is 1 - the best YES ask.
    const yesBid = book?.bids[0]?.price ?? '0';
    const yesAsk = book?.asks[0]?.price ?? '1';
    const price =
      position.side === 'yes' ? yesBid : unitsToDecimal(10_000n - decimalToUnits(yesAsk, 4, 'ask', 'ceil'), 4);
    return { cents: notionalCents(price, position.count), price };
  }
  const bid = book?.bids[0]?.price ?? '0';
  return { cents: notionalCents(bid, position.baseSize), price: bid };
}

export function createAccountMarkActivities(ports: VenuePorts) {
  return {
    /** capability 'account.read' */
    async markAccount(venue: Venue): Promise<AccountMark> {
      const port = ports[venue];
      if (!port)
        throw ApplicationFailure.nonRetryable(
          `markAccount: this domain holds no ${venue} credentials`,
          VENUE_FAILURE_TYPES['not-configured'],
        );
      try {
        const [balance, venuePositions] = await Promise.all([port.getBalance(), port.getPositions()]);
        const positions = venuePositions.filter((p) => !isZero(p.quantity)).map((p) => toPolicyPosition(venue, p));
        // One batched read for every position's book, so marking costs the same with 1 position or 100.
        const books = new Map(
          (positions.length ? await port.getOrderBooks(positions.map((p) => p.market)) : []).map((b) => [b.market, b]),
        );
        const marks: Record<string, string> = {};
        let positionsCents = 0;
        for (const position of positions) {
          const { cents, price } = markValueCents(books.get(position.market), position);
          marks[position.market] = price;
          positionsCents += cents;
        }
        return {
          venue,
          cashCents: balance.availableCents,
          equityCents: balance.availableCents + (balance.heldCents ?? 0) + positionsCents,
          positions,
          marks,
          at: new Date().toISOString(),
        };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}

export type AccountMarkActivities = ReturnType<typeof createAccountMarkActivities>;
