import { coinbaseFeeCents, kalshiFeeCents } from './fees';
import { decimalToUnits, MoneyFormatError, notionalCents, unitsToDecimal, type Cents } from './money';

/**
 * One order model for both venues, so every risk check is written once. Quantities and prices stay the venues'
 * decimal strings; what they cost is computed here in integer cents.
 */
export const VENUES = ['kalshi', 'coinbase'] as const;
export type Venue = (typeof VENUES)[number];

/** A Kalshi binary-contract order. `price` is the YES price in dollars (0..1): a YES contract costs price, a NO 1 - price. */
export interface KalshiOrder {
  venue: 'kalshi';
  /** Market ticker, e.g. KXBTCD-25DEC31-T100000. */
  market: string;
  action: 'buy' | 'sell';
  side: 'yes' | 'no';
  /** Contracts, a decimal string (Kalshi counts may be fractional). */
  count: string;
  price: string;
}

/** A Coinbase spot order: `price` is the limit price in USD per unit of the base currency. */
export interface CoinbaseOrder {
  venue: 'coinbase';
  /** Product id, e.g. BTC-USD. */
  market: string;
  side: 'BUY' | 'SELL';
  baseSize: string;
  price: string;
}

export type VenueOrder = KalshiOrder | CoinbaseOrder;

/** What the account holds in a market. */
export type Position =
  | { venue: 'kalshi'; market: string; side: 'yes' | 'no'; count: string }
  | { venue: 'coinbase'; market: string; baseSize: string };

/** An order the account entered, kept by the guardian for the duplicate-order and order-rate checks. */
export interface RecentOrder {
  clientOrderId: string;
  order: VenueOrder;
  /** Epoch milliseconds. */
  placedAt: number;
}

/**
 * buy: adds exposure. reduce: sells at most what is held. short: sells more than is held, which is refused
 * (seed: no leverage or margin).
 */
export type OrderIntent = 'buy' | 'reduce' | 'short';

/** Kalshi prices have at most 4 decimals (the fee formula's precision); spot sizes and prices at most 8. */
const KALSHI_SCALE = 4;
const SPOT_SCALE = 8;
const ONE_DOLLAR_KALSHI = 10n ** BigInt(KALSHI_SCALE);

export function marketKey(venue: Venue, market: string): string {
  return `${venue}:${market}`;
}

function quantityUnits(order: VenueOrder | Position): bigint {
  return order.venue === 'kalshi'
    ? decimalToUnits(order.count, KALSHI_SCALE, 'count')
    : decimalToUnits(order.baseSize, SPOT_SCALE, 'baseSize');
}

function priceUnits(order: VenueOrder): bigint {
  return decimalToUnits(order.price, order.venue === 'kalshi' ? KALSHI_SCALE : SPOT_SCALE, 'price');
}

function isSell(order: VenueOrder): boolean {
  return order.venue === 'kalshi' ? order.action === 'sell' : order.side === 'SELL';
}

/** Why an order is malformed (empty when well formed): a check that cannot read the order must refuse it. */
export function orderFormProblems(order: VenueOrder): string[] {
  const problems: string[] = [];
  const read = <T>(value: () => T): T | undefined => {
    try {
      return value();
    } catch (err) {
      if (!(err instanceof MoneyFormatError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  };
  if (order.market.trim() === '') problems.push('the market is empty');
  const quantity = read(() => quantityUnits(order));
  if (quantity !== undefined && quantity <= 0n) problems.push('the quantity must be positive');
  const price = read(() => priceUnits(order));
  if (price !== undefined && price <= 0n) problems.push('the price must be positive');
  if (price !== undefined && order.venue === 'kalshi' && price >= ONE_DOLLAR_KALSHI)
    problems.push('a Kalshi price must be below $1');
  // a size so large its cost leaves the safe integer range
  if (problems.length === 0) read(() => orderCostCents(order));
  return problems;
}

/** How much of what the order trades the account holds (in the order's quantity units). */
function heldUnits(order: VenueOrder, positions: readonly Position[]): bigint {
  let held = 0n;
  for (const p of positions) {
    if (p.venue !== order.venue || p.market !== order.market) continue;
    if (p.venue === 'kalshi' && order.venue === 'kalshi' && p.side !== order.side) continue;
    held += quantityUnits(p);
  }
  return held;
}

/** The quantity a sell takes and the quantity held before it, in the same exact units. */
export function saleShare(sale: VenueOrder, positions: readonly Position[]): { sold: bigint; held: bigint } {
  return { sold: quantityUnits(sale), held: heldUnits(sale, positions) };
}

export function orderIntent(order: VenueOrder, positions: readonly Position[]): OrderIntent {
  if (!isSell(order)) return 'buy';
  const { sold, held } = saleShare(order, positions);
  return sold <= held ? 'reduce' : 'short';
}

/** The quantity held of what the order sells, as a decimal string (for messages). */
export function heldQuantity(order: VenueOrder, positions: readonly Position[]): string {
  return unitsToDecimal(heldUnits(order, positions), order.venue === 'kalshi' ? KALSHI_SCALE : SPOT_SCALE);
}

/** "4.0000" as "4", as the venues write quantities (the scale is never 0 here, so there is always a point). */
function plainDecimal(units: bigint, scale: number): string {
  return unitsToDecimal(units, scale).replace(/\.?0+$/, '');
}

/**
 * What the account holds after a fill, without waiting for the venue's next report: the guardian applies each fill
 * it commits, so a sale right after a buy is checked against what the buy filled. Kalshi positions are signed
 * contracts (YES held +, NO held -, as the venue nets them); Coinbase positions are base currency held.
 */
export function positionsAfterFill(positions: readonly Position[], fill: VenueOrder): Position[] {
  const others = positions.filter((p) => p.venue !== fill.venue || p.market !== fill.market);
  const current = positions.filter((p) => p.venue === fill.venue && p.market === fill.market);
  if (fill.venue === 'kalshi') {
    const signed = (side: 'yes' | 'no', units: bigint) => (side === 'yes' ? units : -units);
    const held = current.reduce((sum, p) => sum + (p.venue === 'kalshi' ? signed(p.side, quantityUnits(p)) : 0n), 0n);
    const traded = signed(fill.side, quantityUnits(fill)) * (fill.action === 'buy' ? 1n : -1n);
    const after = held + traded;
    if (after === 0n) return others;
    const side = after > 0n ? 'yes' : 'no';
    const count = plainDecimal(after > 0n ? after : -after, KALSHI_SCALE);
    return [...others, { venue: 'kalshi', market: fill.market, side, count }];
  }
  const held = current.reduce((sum, p) => sum + quantityUnits(p), 0n);
  const after = held + quantityUnits(fill) * (fill.side === 'BUY' ? 1n : -1n);
  if (after <= 0n) return others;
  return [...others, { venue: 'coinbase', market: fill.market, baseSize: plainDecimal(after, SPOT_SCALE) }];
}

/** What one contract costs in dollars: the YES price for YES, 1 - the YES price for NO. */
function contractPrice(order: KalshiOrder): string {
  return order.side === 'yes' ? order.price : unitsToDecimal(ONE_DOLLAR_KALSHI - priceUnits(order), KALSHI_SCALE);
}

/**
 * The most cash a buy can consume: the full quantity at its limit price plus the taker fee (the higher rate), so
 * exposure is never understated. A Kalshi contract's most-possible loss is what was paid for it.
 */
export function orderCostCents(order: VenueOrder): Cents {
  const notional = orderNotionalCents(order);
  return notional + (order.venue === 'kalshi' ? kalshiFeeCents(order.count, order.price) : coinbaseFeeCents(notional));
}

/** What the order's quantity costs at its price, before fees. */
export function orderNotionalCents(order: VenueOrder): Cents {
  return order.venue === 'kalshi'
    ? notionalCents(contractPrice(order), order.count)
    : notionalCents(order.price, order.baseSize);
}

/** Same market, direction, quantity and price, compared as exact decimals ("10" equals "10.00"). */
export function sameOrder(a: VenueOrder, b: VenueOrder): boolean {
  if (a.venue !== b.venue || a.market !== b.market) return false;
  if (a.venue === 'kalshi' && b.venue === 'kalshi' && (a.action !== b.action || a.side !== b.side)) return false;
  if (a.venue === 'coinbase' && b.venue === 'coinbase' && a.side !== b.side) return false;
  return quantityUnits(a) === quantityUnits(b) && priceUnits(a) === priceUnits(b);
}

export function describeOrder(order: VenueOrder): string {
  if (order.venue === 'coinbase') return `${order.side} ${order.baseSize} ${order.market} at $${order.price}`;
  const at = order.side === 'yes' ? `$${order.price}` : `$${contractPrice(order)} (YES $${order.price})`;
  return `${order.action} ${order.count} ${order.side.toUpperCase()} of ${order.market} at ${at}`;
}

/** |price - reference| and the reference, in exact units of the order's price scale (for the price collar). */
export function priceDistance(order: VenueOrder, referencePrice: string): { distance: bigint; reference: bigint } {
  const scale = order.venue === 'kalshi' ? KALSHI_SCALE : SPOT_SCALE;
  const reference = decimalToUnits(referencePrice, scale, 'referencePrice', 'floor');
  const price = priceUnits(order);
  return { distance: price >= reference ? price - reference : reference - price, reference };
}

/** Whether the order was entered in the last `windowMs` before `now` (a clock-skewed future time counts as recent). */
export function placedWithin(recent: RecentOrder, now: number, windowMs: number): boolean {
  return now - recent.placedAt < windowMs;
}
