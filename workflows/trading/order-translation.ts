import type { PlaceOrderActivityRequest } from '../../activities/venues/venue-activities';
import type { VenueOrder as VenueOrderState } from '../../activities/venues/venue-port';
import type { VenueOrder } from '../../policies/orders';

/**
 * NEMO's order model (policies/orders.ts: Kalshi buy/sell YES/NO at a YES price; Coinbase BUY/SELL) in the venues'
 * terms, and back. On Kalshi's V2 book a bid is long YES and an ask long NO, always at the YES price: buying YES or
 * selling NO is a bid; buying NO or selling YES is an ask.
 */
export function toPlaceOrderRequest(
  order: VenueOrder,
  clientOrderId: string,
  timeInForce: 'gtc' | 'ioc' | 'fok',
): PlaceOrderActivityRequest {
  if (order.venue === 'kalshi') {
    const bid = (order.action === 'buy') === (order.side === 'yes');
    return {
      venue: 'kalshi',
      market: order.market,
      clientOrderId,
      side: bid ? 'buy' : 'sell',
      type: 'limit',
      timeInForce,
      quantity: order.count,
      limitPrice: order.price,
    };
  }
  return {
    venue: 'coinbase',
    market: order.market,
    clientOrderId,
    side: order.side === 'BUY' ? 'buy' : 'sell',
    type: 'limit',
    timeInForce,
    quantity: order.baseSize,
    limitPrice: order.price,
  };
}

/** The part of `intended` the venue filled, at the average fill price (undefined when nothing filled). */
export function filledPart(intended: VenueOrder, state: VenueOrderState): VenueOrder | undefined {
  if (/^0*(\.0*)?$/.test(state.filledQuantity)) return undefined;
  const price = state.averageFillPrice ?? intended.price;
  return intended.venue === 'kalshi'
    ? { ...intended, count: state.filledQuantity, price }
    : { ...intended, baseSize: state.filledQuantity, price };
}

export function isTerminal(state: VenueOrderState): boolean {
  return state.status === 'filled' || state.status === 'canceled' || state.status === 'rejected';
}
