import type { Venue } from '../../policies/orders';
import type { Cents } from '../../policies/money';

/**
 * One port for both venues. Results are normalised: money NEMO computes with is integer cents; prices and
 * quantities stay exact decimal strings as the venue gave them. There is deliberately no operation that moves funds
 * out (no withdraw, send, transfer or convert): seed "Forbidden Actions".
 *
 * Venue conventions carried through:
 * - Kalshi: `market` is a market ticker; prices are YES-book dollar prices ("0.5600"); side 'buy' is a bid (long
 *   YES), 'sell' an ask (long NO, or closing YES); quantities are contracts ("10.00"); a position is signed
 *   (+YES / -NO contracts).
 * - Coinbase: `market` is a product id ("BTC-USD"); prices are in the quote currency; quantities in the base
 *   currency; a position is the base currency held.
 */

export type MarketStatus = 'open' | 'closed' | 'settled';

export interface VenueMarket {
  venue: Venue;
  market: string;
  title: string;
  status: MarketStatus;
  bestBid?: string;
  bestAsk?: string;
  lastPrice?: string;
  volume?: string;
  /** When trading stops (Kalshi). */
  closesAt?: string;
  /** The event the market belongs to (Kalshi event ticker). */
  eventId?: string;
  /** The outcome once settled (Kalshi). */
  result?: 'yes' | 'no';
}

export interface MarketQuery {
  status?: MarketStatus;
  /** Kalshi event ticker. */
  eventId?: string;
  /** Stop after this many markets (all pages otherwise). */
  limit?: number;
}

export interface MarketPage {
  markets: VenueMarket[];
  cursor?: string;
}

export interface BookLevel {
  price: string;
  quantity: string;
}

export interface OrderBook {
  venue: Venue;
  market: string;
  /** Best first. */
  bids: BookLevel[];
  asks: BookLevel[];
}

export type BarInterval = '1m' | '1h' | '1d';
export const BAR_INTERVAL_MS: Readonly<Record<BarInterval, number>> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

export interface PriceHistoryRequest {
  market: string;
  /** ISO times. */
  from: string;
  to: string;
  interval: BarInterval;
}

export type PriceHistoryWindow = Omit<PriceHistoryRequest, 'market'>;

export interface PriceBar {
  /** ISO time the bar starts. */
  start: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface AccountBalance {
  venue: Venue;
  /** Cash free to trade, rounded down to the cent. */
  availableCents: Cents;
  /** Cash held for resting orders, when the venue reports it. */
  heldCents?: Cents;
  /** Market value of open positions, when the venue reports it (Kalshi portfolio_value). */
  positionsValueCents?: Cents;
}

export interface VenuePosition {
  venue: Venue;
  market: string;
  /** Signed decimal (Kalshi: +YES / -NO contracts; Coinbase: base currency held). */
  quantity: string;
  /** What the open position cost, when the venue reports it (rounded up). */
  costCents?: Cents;
  realizedPnlCents?: Cents;
  feesPaidCents?: Cents;
}

export type OrderSide = 'buy' | 'sell';
export type TimeInForce = 'gtc' | 'ioc' | 'fok';
export type OrderType = 'limit' | 'market';

export interface OrderRequest {
  market: string;
  /** Derived deterministically by the workflow, so a retried placement is recognised (idempotency). */
  clientOrderId: string;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: string;
  /** Required for limit orders. Kalshi has no market orders: a market order there is an IOC at this price, or at
   * the book's extreme (0.99 to buy, 0.01 to sell) when absent. */
  limitPrice?: string;
  postOnly?: boolean;
}

export type OrderStatus = 'pending' | 'open' | 'filled' | 'canceled' | 'rejected';

export interface VenueOrder {
  venue: Venue;
  orderId: string;
  clientOrderId: string;
  market: string;
  side: OrderSide;
  status: OrderStatus;
  limitPrice?: string;
  quantity?: string;
  filledQuantity: string;
  /** Still resting on the book. */
  remainingQuantity: string;
  averageFillPrice?: string;
  feesCents: Cents;
  createdAt?: string;
}

export interface VenueFill {
  venue: Venue;
  fillId: string;
  orderId: string;
  market: string;
  side: OrderSide;
  price: string;
  quantity: string;
  feeCents: Cents;
  liquidity: 'maker' | 'taker';
  at: string;
}

export interface VenueSettlement {
  venue: Venue;
  market: string;
  eventId: string;
  result: 'yes' | 'no' | 'scalar';
  yesCount: string;
  noCount: string;
  /** Paid out at settlement ($1 per winning contract). */
  revenueCents: Cents;
  feeCents: Cents;
  settledAt: string;
}

export interface OrderQuery {
  market?: string;
  status?: 'open' | 'closed';
  limit?: number;
}

export interface FillQuery {
  market?: string;
  orderId?: string;
  limit?: number;
}

export interface SettlementQuery {
  market?: string;
  limit?: number;
}

export interface VenuePort {
  readonly venue: Venue;
  /** Whether the port holds credentials (account and order operations need them). */
  readonly authenticated: boolean;
  listMarkets(query?: MarketQuery): Promise<VenueMarket[]>;
  /** One page of markets from `cursor` (none: the first page), and the next page's cursor (none after the last). */
  listMarketPage(query: MarketQuery, cursor?: string): Promise<MarketPage>;
  getMarket(market: string): Promise<VenueMarket>;
  getOrderBook(market: string, depth?: number): Promise<OrderBook>;
  /** Several markets' books, as few requests as the venue allows (marking an account with many positions). */
  getOrderBooks(markets: readonly string[]): Promise<OrderBook[]>;
  getPriceHistory(request: PriceHistoryRequest): Promise<PriceBar[]>;
  /** The same window for many markets, in as few requests as the venue allows (every market asked is in the map). */
  getPriceHistories(markets: readonly string[], window: PriceHistoryWindow): Promise<Map<string, PriceBar[]>>;
  getBalance(): Promise<AccountBalance>;
  getPositions(): Promise<VenuePosition[]>;
  placeOrder(order: OrderRequest): Promise<VenueOrder>;
  /** Cancels a resting order; an order already filled or canceled is returned as it is (cancelling is idempotent). */
  cancelOrder(orderId: string, market?: string): Promise<VenueOrder>;
  getOrder(orderId: string): Promise<VenueOrder>;
  /** `market` narrows the search; the venues have no direct lookup by client order id. */
  findOrderByClientOrderId(clientOrderId: string, market?: string): Promise<VenueOrder | null>;
  listOrders(query?: OrderQuery): Promise<VenueOrder[]>;
  listFills(query?: FillQuery): Promise<VenueFill[]>;
  /** Kalshi only; spot trades on Coinbase settle on the fill, so it has none. */
  listSettlements(query?: SettlementQuery): Promise<VenueSettlement[]>;
}

/** Upper bound on items a list operation gathers across pages when the caller sets no limit. */
export const MAX_LIST_ITEMS = 10_000;
