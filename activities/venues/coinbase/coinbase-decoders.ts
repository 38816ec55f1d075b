import { z } from 'zod';
import { dollarsToCents } from '../../../policies/money';
import { addDecimals, isZeroDecimal, subtractDecimals, trimDecimal } from '../decimal';
import { decimalText, decoder, isoTime, optionalDecimalText } from '../parse';
import type { OrderStatus, PriceBar, VenueFill, VenueMarket, VenueOrder } from '../venue-port';

/**
 * Coinbase Advanced Trade answers: the zod schema of each (only the fields NEMO uses) and its normalisation into
 * the venue port's types. Spot positions are the non-USD wallets.
 */
const productSchema = z.object({
  product_id: z.string().min(1),
  price: optionalDecimalText,
  status: z.string(),
  trading_disabled: z.boolean().optional(),
  is_disabled: z.boolean().optional(),
  base_name: z.string().optional(),
  quote_name: z.string().optional(),
  volume_24h: optionalDecimalText.optional(),
});

const level = z.object({ price: decimalText, size: decimalText });
const money = z.object({ value: decimalText, currency: z.string() });

const configurationSchema = z.record(
  z.string(),
  z.object({
    base_size: decimalText.optional(),
    quote_size: decimalText.optional(),
    limit_price: decimalText.optional(),
  }),
);

const orderSchema = z.object({
  order_id: z.string().min(1),
  product_id: z.string().min(1),
  client_order_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  status: z.string().min(1),
  order_configuration: configurationSchema,
  filled_size: decimalText,
  average_filled_price: optionalDecimalText,
  total_fees: decimalText,
  created_time: isoTime,
});

const ORDER_STATUS: Record<string, OrderStatus> = {
  OPEN: 'open',
  CANCEL_QUEUED: 'open',
  PENDING: 'pending',
  QUEUED: 'pending',
  UNKNOWN_ORDER_STATUS: 'pending',
  FILLED: 'filled',
  CANCELLED: 'canceled',
  EXPIRED: 'canceled',
  FAILED: 'rejected',
};

function toMarket(p: z.infer<typeof productSchema>): VenueMarket {
  return {
    venue: 'coinbase',
    market: p.product_id,
    title: p.base_name && p.quote_name ? `${p.base_name} / ${p.quote_name}` : p.product_id,
    status: p.status === 'online' && !p.trading_disabled && !p.is_disabled ? 'open' : 'closed',
    lastPrice: p.price || undefined,
    volume: p.volume_24h || undefined,
  };
}

function toOrder(o: z.infer<typeof orderSchema>): VenueOrder {
  const config = Object.values(o.order_configuration)[0] ?? {};
  const status = ORDER_STATUS[o.status] ?? 'pending';
  const remaining =
    status === 'open' && config.base_size ? subtractDecimals(config.base_size, o.filled_size, 'filled_size') : '0';
  return {
    venue: 'coinbase',
    orderId: o.order_id,
    clientOrderId: o.client_order_id,
    market: o.product_id,
    side: o.side === 'BUY' ? 'buy' : 'sell',
    status,
    limitPrice: config.limit_price,
    quantity: config.base_size,
    filledQuantity: trimDecimal(o.filled_size),
    remainingQuantity: remaining,
    averageFillPrice:
      o.average_filled_price && !isZeroDecimal(o.filled_size, 'filled_size')
        ? trimDecimal(o.average_filled_price)
        : undefined,
    // Coinbase fees have sub-cent digits; rounded up so a cost is never understated.
    feesCents: dollarsToCents(o.total_fees, 'total_fees', 'ceil'),
    createdAt: new Date(o.created_time).toISOString(),
  };
}

const cursor = z.string().nullish();

export const coinbaseDecoders = {
  listMarkets: decoder(
    'coinbase',
    'listMarkets',
    z.object({ products: z.array(productSchema), num_products: z.number().int().optional() }),
    (r) => ({
      items: r.products.map(toMarket),
      total: r.num_products,
    }),
  ),
  getMarket: decoder('coinbase', 'getMarket', productSchema, toMarket),
  getOrderBook: decoder(
    'coinbase',
    'getOrderBook',
    z.object({ pricebook: z.object({ product_id: z.string(), bids: z.array(level), asks: z.array(level) }) }),
    (r) => ({
      bids: r.pricebook.bids.map((l) => ({ price: l.price, quantity: l.size })),
      asks: r.pricebook.asks.map((l) => ({ price: l.price, quantity: l.size })),
    }),
  ),
  getPriceHistory: decoder(
    'coinbase',
    'getPriceHistory',
    z.object({
      candles: z.array(
        z.object({
          start: z.string().regex(/^\d+$/, 'is not UNIX seconds'),
          low: decimalText,
          high: decimalText,
          open: decimalText,
          close: decimalText,
          volume: decimalText,
        }),
      ),
    }),
    (r) =>
      r.candles.map((c): PriceBar => ({
        start: new Date(Number(c.start) * 1000).toISOString(),
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
      })),
  ),
  accounts: decoder(
    'coinbase',
    'accounts',
    z.object({
      accounts: z.array(
        z.object({ uuid: z.string(), currency: z.string().min(1), available_balance: money, hold: money.optional() }),
      ),
      has_next: z.boolean(),
      cursor,
    }),
    (r) => ({
      items: r.accounts.map((a) => ({
        currency: a.currency,
        available: a.available_balance.value,
        hold: a.hold?.value ?? '0',
      })),
      cursor: r.has_next ? (r.cursor ?? '') : '',
    }),
  ),
  placeOrder: decoder(
    'coinbase',
    'placeOrder',
    z
      .object({
        success: z.boolean(),
        success_response: z.object({ order_id: z.string().min(1) }).optional(),
        error_response: z
          .object({ error: z.string(), message: z.string().optional(), preview_failure_reason: z.string().optional() })
          .optional(),
      })
      .refine(
        (r) => (r.success ? r.success_response !== undefined : r.error_response !== undefined),
        'success_response or error_response is missing',
      ),
    (r) =>
      r.success
        ? { orderId: r.success_response!.order_id }
        : { refused: { code: r.error_response!.error, message: r.error_response!.message ?? '' } },
  ),
  cancelOrder: decoder(
    'coinbase',
    'cancelOrder',
    z.object({
      results: z
        .array(z.object({ success: z.boolean(), failure_reason: z.string().optional(), order_id: z.string() }))
        .min(1),
    }),
    (r) => r.results[0]!,
  ),
  getOrder: decoder('coinbase', 'getOrder', z.object({ order: orderSchema }), (r) => toOrder(r.order)),
  listOrders: decoder(
    'coinbase',
    'listOrders',
    z.object({ orders: z.array(orderSchema), has_next: z.boolean(), cursor }),
    (r) => ({
      items: r.orders.map(toOrder),
      cursor: r.has_next ? (r.cursor ?? '') : '',
    }),
  ),
  listFills: decoder(
    'coinbase',
    'listFills',
    z.object({
      fills: z.array(
        z.object({
          entry_id: z.string().min(1),
          order_id: z.string().min(1),
          product_id: z.string().min(1),
          trade_time: isoTime,
          price: decimalText,
          size: decimalText,
          commission: decimalText,
          liquidity_indicator: z.string(),
          side: z.enum(['BUY', 'SELL']),
        }),
      ),
      cursor,
    }),
    (r) => ({
      items: r.fills.map((f): VenueFill => ({
        venue: 'coinbase',
        fillId: f.entry_id,
        orderId: f.order_id,
        market: f.product_id,
        side: f.side === 'BUY' ? 'buy' : 'sell',
        price: trimDecimal(f.price),
        quantity: trimDecimal(f.size),
        feeCents: dollarsToCents(f.commission, 'commission', 'ceil'),
        liquidity: f.liquidity_indicator === 'MAKER' ? 'maker' : 'taker',
        at: new Date(f.trade_time).toISOString(),
      })),
      cursor: r.cursor ?? '',
    }),
  ),
};

/** Total held in a wallet (available plus on hold), exact. */
export const walletTotal = (w: { available: string; hold: string }) =>
  addDecimals(w.available, w.hold, 'available_balance');
