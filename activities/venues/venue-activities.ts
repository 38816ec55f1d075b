import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { VenuePorts } from './credentials';
import { VenueError, toActivityFailure } from './venue-errors';
import { VENUE_FAILURE_TYPES } from '../../policies/venue-failures';
import { VENUES } from '../../policies/orders';
import type { OrderRequest, VenueOrder, VenuePort } from './venue-port';

/**
 * The venue activities. Every request names its venue first; requests are checked (a bad one fails with
 * InvalidVenueRequest naming the field) and failures are classified by venue-errors.ts. Order placement is
 * idempotent on the workflow's client order id: a retry, or a venue answering "duplicate", looks the order up and
 * returns it instead of placing a second one.
 */
const venue = z.enum(VENUES);
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string such as "10.00"');
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time');
const limit = z.number().int().positive().optional();
// Kalshi's rule, the stricter of the two venues: at most 64 characters of letters, digits and -_:+=/
const clientOrderId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[-\w:+=/]+$/, 'may contain only letters, digits and -_:+=/');

/**
 * An activity's result is stored in the workflow history (payloads over 2 MB fail): 5,000 Kalshi markets normalise to
 * about 1.4 MB, so the activity returns at most 2,000 unless asked for up to 5,000. A scan of a whole venue belongs in
 * an activity that uses the port itself and returns only its findings.
 */
const MARKETS_PER_ACTIVITY = 2_000;
const marketListRequest = z.object({
  venue,
  status: z.enum(['open', 'closed', 'settled']).optional(),
  eventId: z.string().optional(),
  limit: z.number().int().positive().max(5_000).default(MARKETS_PER_ACTIVITY),
});
const marketRequest = z.object({ venue, market: z.string().min(1) });
const orderBookRequest = z.object({ venue, market: z.string().min(1), depth: z.number().int().positive().optional() });
const priceHistoryRequest = z.object({
  venue,
  market: z.string().min(1),
  from: isoTime,
  to: isoTime,
  interval: z.enum(['1m', '1h', '1d']),
});
const accountRequest = z.object({ venue });
const orderLookupRequest = z.object({ venue, orderId: z.string().min(1) });
const clientOrderLookupRequest = z.object({ venue, clientOrderId, market: z.string().min(1).optional() });
const orderListRequest = z.object({
  venue,
  market: z.string().optional(),
  status: z.enum(['open', 'closed']).optional(),
  limit,
});
const fillListRequest = z.object({ venue, market: z.string().optional(), orderId: z.string().optional(), limit });
const settlementListRequest = z.object({ venue, market: z.string().optional(), limit });
const placeOrderRequest = z
  .object({
    venue,
    market: z.string().min(1),
    clientOrderId,
    side: z.enum(['buy', 'sell']),
    type: z.enum(['limit', 'market']),
    timeInForce: z.enum(['gtc', 'ioc', 'fok']),
    quantity: decimal,
    limitPrice: decimal.optional(),
    postOnly: z.boolean().optional(),
  })
  .refine((o) => o.type === 'market' || o.limitPrice !== undefined, {
    message: 'is required for a limit order',
    path: ['limitPrice'],
  });
const cancelOrderRequest = z.object({ venue, orderId: z.string().min(1), market: z.string().optional() });

export type PlaceOrderActivityRequest = z.infer<typeof placeOrderRequest>;

/** One activity: check the request, pick the venue's port, run, classify failures. */
function venueActivity<S extends z.ZodType<{ venue: (typeof VENUES)[number] }>, R>(
  ports: VenuePorts,
  name: string,
  schema: S,
  run: (port: VenuePort, request: z.infer<S>) => Promise<R>,
): (request: z.input<S>) => Promise<R> {
  return async (input) => {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw ApplicationFailure.nonRetryable(
        `${name}: ${issue.path.join('.') || 'request'} ${issue.message}`,
        VENUE_FAILURE_TYPES['invalid-request'],
      );
    }
    const port = ports[parsed.data.venue];
    if (!port) {
      throw ApplicationFailure.nonRetryable(
        `${name}: this domain holds no ${parsed.data.venue} credentials, so it does not offer that venue`,
        VENUE_FAILURE_TYPES['not-configured'],
      );
    }
    try {
      return await run(port, parsed.data);
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}

/**
 * Places the order once. After a lost answer (any attempt after the first) or a "duplicate" answer, the order the
 * venue already holds under this client order id is returned instead of placing another.
 */
export async function placeIdempotently(port: VenuePort, order: OrderRequest, attempt: number): Promise<VenueOrder> {
  if (attempt > 1) {
    const existing = await port.findOrderByClientOrderId(order.clientOrderId, order.market);
    if (existing) return existing;
  }
  try {
    return await port.placeOrder(order);
  } catch (err) {
    if (err instanceof VenueError && err.kind === 'conflict') {
      const existing = await port.findOrderByClientOrderId(order.clientOrderId, order.market);
      if (existing) return existing;
    }
    throw err;
  }
}

function orderOf(request: PlaceOrderActivityRequest): OrderRequest {
  const { venue: _venue, ...order } = request;
  return order;
}

/** capability 'market-data.read' */
export function createMarketDataActivities(ports: VenuePorts) {
  return {
    listMarkets: venueActivity(ports, 'listMarkets', marketListRequest, (port, r) =>
      port.listMarkets({ status: r.status, eventId: r.eventId, limit: r.limit }),
    ),
    getMarket: venueActivity(ports, 'getMarket', marketRequest, (port, r) => port.getMarket(r.market)),
    getOrderBook: venueActivity(ports, 'getOrderBook', orderBookRequest, (port, r) =>
      port.getOrderBook(r.market, r.depth),
    ),
    getPriceHistory: venueActivity(ports, 'getPriceHistory', priceHistoryRequest, (port, r) =>
      port.getPriceHistory({ market: r.market, from: r.from, to: r.to, interval: r.interval }),
    ),
  };
}

/** capability 'account.read' */
export function createAccountActivities(ports: VenuePorts) {
  return {
    getBalance: venueActivity(ports, 'getBalance', accountRequest, (port) => port.getBalance()),
    getPositions: venueActivity(ports, 'getPositions', accountRequest, (port) => port.getPositions()),
    getOrder: venueActivity(ports, 'getOrder', orderLookupRequest, (port, r) => port.getOrder(r.orderId)),
    findOrderByClientOrderId: venueActivity(ports, 'findOrderByClientOrderId', clientOrderLookupRequest, (port, r) =>
      port.findOrderByClientOrderId(r.clientOrderId, r.market),
    ),
    listOrders: venueActivity(ports, 'listOrders', orderListRequest, (port, r) =>
      port.listOrders({ market: r.market, status: r.status, limit: r.limit }),
    ),
    listFills: venueActivity(ports, 'listFills', fillListRequest, (port, r) =>
      port.listFills({ market: r.market, orderId: r.orderId, limit: r.limit }),
    ),
    listSettlements: venueActivity(ports, 'listSettlements', settlementListRequest, (port, r) =>
      port.listSettlements({ market: r.market, limit: r.limit }),
    ),
  };
}

/** capability 'orders.live': production keys, registered only by the live worker. */
export function createLiveOrderActivities(ports: VenuePorts) {
  return {
    placeLiveOrder: venueActivity(ports, 'placeLiveOrder', placeOrderRequest, (port, r) =>
      placeIdempotently(port, orderOf(r), Context.current().info.attempt),
    ),
    cancelLiveOrder: venueActivity(ports, 'cancelLiveOrder', cancelOrderRequest, (port, r) =>
      port.cancelOrder(r.orderId, r.market),
    ),
  };
}

/** capability 'orders.demo': demo keys on the demo venues, registered only by the paper worker. */
export function createPaperOrderActivities(ports: VenuePorts) {
  return {
    placePaperOrder: venueActivity(ports, 'placePaperOrder', placeOrderRequest, (port, r) =>
      placeIdempotently(port, orderOf(r), Context.current().info.attempt),
    ),
    cancelPaperOrder: venueActivity(ports, 'cancelPaperOrder', cancelOrderRequest, (port, r) =>
      port.cancelOrder(r.orderId, r.market),
    ),
  };
}

/** Every venue activity, for workflows' `import type` (each worker registers only its own groups). */
export function createVenueActivities(ports: VenuePorts) {
  return {
    ...createMarketDataActivities(ports),
    ...createAccountActivities(ports),
    ...createLiveOrderActivities(ports),
    ...createPaperOrderActivities(ports),
  };
}

export type VenueActivities = ReturnType<typeof createVenueActivities>;
