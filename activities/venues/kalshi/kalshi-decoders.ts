import { z } from 'zod';
import { dollarsToCents } from '../../../policies/money';
import { addDecimals, divideDecimals, isZeroDecimal, subtractDecimals, trimDecimal } from '../decimal';
import { decimalText, decoder, isoTime } from '../parse';
import type {
  MarketStatus,
  OrderBook,
  OrderStatus,
  PriceBar,
  VenueFill,
  VenueMarket,
  VenueOrder,
  VenuePosition,
  VenueSettlement,
} from '../venue-port';

/**
 * Kalshi trade-api v2 answers: the zod schema of each (only the fields NEMO uses; others pass unchecked) and its
 * normalisation into the venue port's types.
 */
const cursor = z.string().nullish();
const bookSide = z.enum(['bid', 'ask']);

const marketSchema = z.object({
  ticker: z.string().min(1),
  event_ticker: z.string(),
  title: z.string().optional(),
  yes_sub_title: z.string().optional(),
  status: z.string().min(1),
  yes_bid_dollars: decimalText,
  yes_bid_size_fp: decimalText.optional(),
  yes_ask_dollars: decimalText,
  yes_ask_size_fp: decimalText.optional(),
  last_price_dollars: decimalText.optional(),
  volume_fp: decimalText.optional(),
  close_time: isoTime,
  result: z.string().optional(),
});

const orderSchema = z.object({
  order_id: z.string().min(1),
  client_order_id: z.string(),
  ticker: z.string().min(1),
  book_side: bookSide,
  status: z.enum(['resting', 'canceled', 'executed']),
  yes_price_dollars: decimalText,
  fill_count_fp: decimalText,
  remaining_count_fp: decimalText,
  initial_count_fp: decimalText,
  taker_fill_cost_dollars: decimalText,
  maker_fill_cost_dollars: decimalText,
  taker_fees_dollars: decimalText,
  maker_fees_dollars: decimalText,
  created_time: isoTime.nullish(),
});

const bidAsk = z.object({
  open_dollars: decimalText.nullish(),
  high_dollars: decimalText.nullish(),
  low_dollars: decimalText.nullish(),
  close_dollars: decimalText.nullish(),
});

// Kalshi market statuses: initialized/inactive (not yet trading), active, closed, determined/disputed/amended, finalized.
function marketStatus(status: string, result: string | undefined): MarketStatus {
  if (status === 'active') return 'open';
  if (status === 'finalized' || status === 'determined' || result === 'yes' || result === 'no') return 'settled';
  return 'closed';
}

function toMarket(m: z.infer<typeof marketSchema>): VenueMarket {
  const hasBid =
    !isZeroDecimal(m.yes_bid_dollars, 'yes_bid_dollars') &&
    (m.yes_bid_size_fp === undefined || !isZeroDecimal(m.yes_bid_size_fp, 'yes_bid_size_fp'));
  const hasAsk =
    !isZeroDecimal(subtractDecimals('1', m.yes_ask_dollars, 'yes_ask_dollars'), 'yes_ask_dollars') &&
    (m.yes_ask_size_fp === undefined || !isZeroDecimal(m.yes_ask_size_fp, 'yes_ask_size_fp'));
  return {
    venue: 'kalshi',
    market: m.ticker,
    title: [m.title, m.yes_sub_title].filter(Boolean).join(' — '),
    status: marketStatus(m.status, m.result),
    bestBid: hasBid ? m.yes_bid_dollars : undefined,
    bestAsk: hasAsk ? m.yes_ask_dollars : undefined,
    lastPrice: m.last_price_dollars,
    volume: m.volume_fp,
    closesAt: new Date(m.close_time).toISOString(),
    eventId: m.event_ticker,
    result: m.result === 'yes' || m.result === 'no' ? m.result : undefined,
  };
}

const ORDER_STATUS: Record<z.infer<typeof orderSchema>['status'], OrderStatus> = {
  resting: 'open',
  executed: 'filled',
  canceled: 'canceled',
};

/** A fee or cost reported in dollars with sub-cent digits, rounded up: a cost is never understated. */
const costCents = (text: string, field: string) => dollarsToCents(text, field, 'ceil');

export function toOrder(o: z.infer<typeof orderSchema>): VenueOrder {
  const filled = o.fill_count_fp;
  const cost = addDecimals(o.taker_fill_cost_dollars, o.maker_fill_cost_dollars, 'fill_cost_dollars');
  // The fill cost is in the dollars of the side bought (YES for a bid, NO for an ask); report the YES-book price.
  const perContract = isZeroDecimal(filled, 'fill_count_fp')
    ? undefined
    : divideDecimals(cost, filled, 4, 'fill_cost_dollars');
  const averageFillPrice =
    perContract === undefined
      ? undefined
      : o.book_side === 'bid'
        ? perContract
        : subtractDecimals('1', perContract, 'fill_cost_dollars');
  return {
    venue: 'kalshi',
    orderId: o.order_id,
    clientOrderId: o.client_order_id,
    market: o.ticker,
    side: o.book_side === 'bid' ? 'buy' : 'sell',
    status: ORDER_STATUS[o.status],
    limitPrice: o.yes_price_dollars,
    quantity: o.initial_count_fp,
    filledQuantity: filled,
    remainingQuantity: o.remaining_count_fp,
    averageFillPrice: averageFillPrice === undefined ? undefined : trimFour(averageFillPrice),
    feesCents: costCents(addDecimals(o.taker_fees_dollars, o.maker_fees_dollars, 'fees_dollars'), 'fees_dollars'),
    createdAt: o.created_time ? new Date(o.created_time).toISOString() : undefined,
  };
}

/** Prices keep Kalshi's four places ("0.4700"). */
function trimFour(text: string): string {
  const [whole, fraction = ''] = trimDecimal(text).split('.');
  return `${whole}.${fraction.padEnd(4, '0')}`;
}

const orderbookSchema = z.object({
  yes_dollars: z.array(z.tuple([decimalText, decimalText])).nullish(),
  no_dollars: z.array(z.tuple([decimalText, decimalText])).nullish(),
});

/** Kalshi lists bids only, ascending: YES bids, and NO bids, where a NO bid at X is a YES ask at 1 - X. */
function toBook(book: z.infer<typeof orderbookSchema>): Pick<OrderBook, 'bids' | 'asks'> {
  return {
    bids: [...(book.yes_dollars ?? [])].reverse().map(([price, quantity]) => ({ price, quantity })),
    asks: [...(book.no_dollars ?? [])]
      .reverse()
      .map(([price, quantity]) => ({ price: trimFour(subtractDecimals('1', price, 'no_dollars')), quantity })),
  };
}

export const kalshiDecoders = {
  listMarkets: decoder('kalshi', 'listMarkets', z.object({ markets: z.array(marketSchema), cursor }), (r) => ({
    items: r.markets.map(toMarket),
    cursor: r.cursor ?? '',
  })),
  getMarket: decoder('kalshi', 'getMarket', z.object({ market: marketSchema }), (r) => toMarket(r.market)),
  getOrderBook: decoder('kalshi', 'getOrderBook', z.object({ orderbook_fp: orderbookSchema }), (r) =>
    toBook(r.orderbook_fp),
  ),
  getOrderBooks: decoder(
    'kalshi',
    'getOrderBooks',
    z.object({ orderbooks: z.array(z.object({ ticker: z.string(), orderbook_fp: orderbookSchema })) }),
    (r) => r.orderbooks.map((b) => ({ market: b.ticker, ...toBook(b.orderbook_fp) })),
  ),
  getPriceHistory: decoder(
    'kalshi',
    'getPriceHistory',
    z.object({
      markets: z.array(
        z.object({
          market_ticker: z.string(),
          candlesticks: z.array(
            z.object({ end_period_ts: z.number().int(), price: bidAsk, yes_bid: bidAsk, volume_fp: decimalText }),
          ),
        }),
      ),
    }),
    // One entry per ticker asked (GET /markets/candlesticks takes up to 100).
    (r) =>
      r.markets.map((m) => ({
        market: m.market_ticker,
        candles: m.candlesticks.map((c) => {
          // Periods without trades have no price: the YES bid stands in for it.
          const p = c.price.close_dollars ? c.price : c.yes_bid;
          const close = p.close_dollars ?? '0';
          return {
            endPeriodSeconds: c.end_period_ts,
            bar: {
              open: p.open_dollars ?? close,
              high: p.high_dollars ?? close,
              low: p.low_dollars ?? close,
              close,
              volume: c.volume_fp,
            } satisfies Omit<PriceBar, 'start'>,
          };
        }),
      })),
  ),
  getBalance: decoder(
    'kalshi',
    'getBalance',
    z.object({ balance: z.number().int(), portfolio_value: z.number().int().optional() }),
    (r) => ({
      venue: 'kalshi' as const,
      availableCents: r.balance,
      positionsValueCents: r.portfolio_value,
    }),
  ),
  getPositions: decoder(
    'kalshi',
    'getPositions',
    z.object({
      market_positions: z.array(
        z.object({
          ticker: z.string().min(1),
          position_fp: decimalText,
          market_exposure_dollars: decimalText,
          realized_pnl_dollars: decimalText,
          fees_paid_dollars: decimalText,
        }),
      ),
      cursor,
    }),
    (r) => ({
      items: r.market_positions.map((p): VenuePosition => ({
        venue: 'kalshi',
        market: p.ticker,
        quantity: p.position_fp,
        costCents: costCents(p.market_exposure_dollars, 'market_exposure_dollars'),
        realizedPnlCents: dollarsToCents(p.realized_pnl_dollars, 'realized_pnl_dollars', 'floor'),
        feesPaidCents: costCents(p.fees_paid_dollars, 'fees_paid_dollars'),
      })),
      cursor: r.cursor ?? '',
    }),
  ),
  placeOrder: decoder(
    'kalshi',
    'placeOrder',
    z.object({
      order_id: z.string().min(1),
      client_order_id: z.string().optional(),
      fill_count: decimalText,
      remaining_count: decimalText,
    }),
    (r) => r,
  ),
  cancelOrder: decoder(
    'kalshi',
    'cancelOrder',
    z.object({ order_id: z.string().min(1), reduced_by: decimalText }),
    (r) => r,
  ),
  getOrder: decoder('kalshi', 'getOrder', z.object({ order: orderSchema }), (r) => toOrder(r.order)),
  listOrders: decoder('kalshi', 'listOrders', z.object({ orders: z.array(orderSchema), cursor }), (r) => ({
    items: r.orders.map(toOrder),
    cursor: r.cursor ?? '',
  })),
  listFills: decoder(
    'kalshi',
    'listFills',
    z.object({
      fills: z.array(
        z.object({
          fill_id: z.string().min(1),
          order_id: z.string().min(1),
          ticker: z.string().min(1),
          book_side: bookSide,
          count_fp: decimalText,
          yes_price_dollars: decimalText,
          is_taker: z.boolean(),
          fee_cost: decimalText,
          created_time: isoTime.optional(),
          ts: z.number().int().optional(),
        }),
      ),
      cursor,
    }),
    (r) => ({
      items: r.fills.map((f): VenueFill => ({
        venue: 'kalshi',
        fillId: f.fill_id,
        orderId: f.order_id,
        market: f.ticker,
        side: f.book_side === 'bid' ? 'buy' : 'sell',
        price: f.yes_price_dollars,
        quantity: f.count_fp,
        feeCents: costCents(f.fee_cost, 'fee_cost'),
        liquidity: f.is_taker ? 'taker' : 'maker',
        at: f.created_time ? new Date(f.created_time).toISOString() : new Date((f.ts ?? 0) * 1000).toISOString(),
      })),
      cursor: r.cursor ?? '',
    }),
  ),
  listSettlements: decoder(
    'kalshi',
    'listSettlements',
    z.object({
      settlements: z.array(
        z.object({
          ticker: z.string().min(1),
          event_ticker: z.string(),
          market_result: z.enum(['yes', 'no', 'scalar']),
          yes_count_fp: decimalText,
          no_count_fp: decimalText,
          revenue: z.number().int(),
          settled_time: isoTime,
          fee_cost: decimalText,
        }),
      ),
      cursor,
    }),
    (r) => ({
      items: r.settlements.map((s): VenueSettlement => ({
        venue: 'kalshi',
        market: s.ticker,
        eventId: s.event_ticker,
        result: s.market_result,
        yesCount: s.yes_count_fp,
        noCount: s.no_count_fp,
        revenueCents: s.revenue,
        feeCents: costCents(s.fee_cost, 'fee_cost'),
        settledAt: new Date(s.settled_time).toISOString(),
      })),
      cursor: r.cursor ?? '',
    }),
  ),
};
