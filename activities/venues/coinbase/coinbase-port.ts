import ccxt from 'ccxt';
import { dollarsToCents } from '../../../policies/money';
import { compareDecimals, isZeroDecimal } from '../decimal';
import {
  VenueError,
  invalidRequest,
  malformedResponse,
  orderRefused,
  venueErrorFromHttp,
  venueErrorFromTransport,
} from '../venue-errors';
import {
  BAR_INTERVAL_MS,
  MAX_LIST_ITEMS,
  type AccountBalance,
  type FillQuery,
  type MarketPage,
  type MarketQuery,
  type OrderBook,
  type OrderQuery,
  type OrderRequest,
  type PriceBar,
  type PriceHistoryRequest,
  type PriceHistoryWindow,
  type VenueFill,
  type VenueMarket,
  type VenueOrder,
  type VenuePort,
  type VenuePosition,
  type VenueSettlement,
} from '../venue-port';
import {
  CoinbaseHttpFailure,
  coinbaseClient,
  type CoinbaseClient,
  type CoinbaseClientOptions,
} from './coinbase-client';
import { coinbaseDecoders as decode, walletTotal } from './coinbase-decoders';

/**
 * Coinbase Advanced Trade through ccxt's coinbase class (CDP JWT signing, ES256 or Ed25519). Market data uses the
 * public endpoints when the port holds no key.
 */
export interface CoinbasePortOptions extends CoinbaseClientOptions {
  /** The products NEMO trades; listMarkets returns only these when set. */
  products?: readonly string[];
}

const PAGE = 250;
const GRANULARITY = { '1m': 'ONE_MINUTE', '1h': 'ONE_HOUR', '1d': 'ONE_DAY' } as const;
const MAX_CANDLES_PER_CALL = 300;

export class CoinbasePort implements VenuePort {
  readonly venue = 'coinbase' as const;
  readonly authenticated: boolean;
  private readonly client: CoinbaseClient;
  private readonly products?: readonly string[];

  constructor(options: CoinbasePortOptions) {
    this.client = coinbaseClient(options);
    this.authenticated = options.credentials !== undefined;
    this.products = options.products && options.products.length > 0 ? options.products : undefined;
  }

  async listMarkets(query: MarketQuery = {}): Promise<VenueMarket[]> {
    const cap = Math.min(query.limit ?? MAX_LIST_ITEMS, MAX_LIST_ITEMS);
    let page = await this.listMarketPage(query);
    const markets = [...page.markets];
    while (page.cursor && markets.length < cap) {
      page = await this.listMarketPage(query, page.cursor);
      markets.push(...page.markets);
    }
    return markets.slice(0, cap);
  }

  /** Coinbase pages by offset: the cursor is the next page's offset. */
  async listMarketPage(query: MarketQuery, cursor?: string): Promise<MarketPage> {
    if (cursor !== undefined && !/^\d+$/.test(cursor))
      throw invalidRequest('coinbase', 'listMarkets', 'cursor', 'is not a page offset');
    const offset = Number(cursor ?? 0);
    const params = { limit: PAGE, offset, ...(this.products ? { product_ids: [...this.products] } : {}) };
    const page = decode.listMarkets.decode(
      await this.call('listMarkets', () =>
        this.authenticated
          ? this.client.v3PrivateGetBrokerageProducts(params)
          : this.client.v3PublicGetBrokerageMarketProducts(params),
      ),
    );
    const last = page.items.length < PAGE || (page.total !== undefined && offset + PAGE >= page.total);
    return {
      markets: page.items.filter((m) => !query.status || m.status === query.status),
      cursor: last ? undefined : String(offset + PAGE),
    };
  }

  async getMarket(market: string): Promise<VenueMarket> {
    const params = { product_id: market };
    return decode.getMarket.decode(
      await this.call('getMarket', () =>
        this.authenticated
          ? this.client.v3PrivateGetBrokerageProductsProductId(params)
          : this.client.v3PublicGetBrokerageMarketProductsProductId(params),
      ),
    );
  }

  async getOrderBook(market: string, depth?: number): Promise<OrderBook> {
    const params = { product_id: market, ...(depth ? { limit: depth } : {}) };
    const book = decode.getOrderBook.decode(
      await this.call('getOrderBook', () =>
        this.authenticated
          ? this.client.v3PrivateGetBrokerageProductBook(params)
          : this.client.v3PublicGetBrokerageMarketProductBook(params),
      ),
    );
    return { venue: 'coinbase', market, ...book };
  }

  /** One product book at a time: NEMO holds a handful of products, never enough to batch. */
  async getOrderBooks(markets: readonly string[]): Promise<OrderBook[]> {
    const books: OrderBook[] = [];
    for (const market of markets) books.push(await this.getOrderBook(market, 1));
    return books;
  }

  async getPriceHistory(request: PriceHistoryRequest): Promise<PriceBar[]> {
    const granularity = GRANULARITY[request.interval];
    const step = BAR_INTERVAL_MS[request.interval] / 1000;
    const from = seconds(request.from, 'from');
    const to = seconds(request.to, 'to');
    const bars: PriceBar[] = [];
    for (let start = from; start < to; start += step * MAX_CANDLES_PER_CALL) {
      const params = {
        product_id: request.market,
        start: String(start),
        end: String(Math.min(to, start + step * MAX_CANDLES_PER_CALL)),
        granularity,
      };
      const page = decode.getPriceHistory.decode(
        await this.call('getPriceHistory', () =>
          this.authenticated
            ? this.client.v3PrivateGetBrokerageProductsProductIdCandles(params)
            : this.client.v3PublicGetBrokerageMarketProductsProductIdCandles(params),
        ),
      );
      bars.push(...page);
    }
    // Coinbase answers newest first; the port's bars run oldest first.
    return bars
      .sort((a, b) => a.start.localeCompare(b.start))
      .filter((bar, i, all) => i === 0 || bar.start !== all[i - 1]!.start);
  }

  /** Coinbase has no batch candles endpoint: one product at a time. */
  async getPriceHistories(markets: readonly string[], window: PriceHistoryWindow): Promise<Map<string, PriceBar[]>> {
    const histories = new Map<string, PriceBar[]>();
    for (const market of markets) histories.set(market, await this.getPriceHistory({ market, ...window }));
    return histories;
  }

  async getBalance(): Promise<AccountBalance> {
    const usd = (await this.wallets('getBalance')).find((w) => w.currency === 'USD');
    return {
      venue: 'coinbase',
      availableCents: usd ? dollarsToCents(usd.available, 'available_balance', 'floor') : 0,
      heldCents: usd ? dollarsToCents(usd.hold, 'hold', 'ceil') : 0,
    };
  }

  async getPositions(): Promise<VenuePosition[]> {
    return (await this.wallets('getPositions'))
      .filter((w) => w.currency !== 'USD' && !isZeroDecimal(walletTotal(w), 'available_balance'))
      .map((w) => ({ venue: 'coinbase', market: `${w.currency}-USD`, quantity: walletTotal(w) }));
  }

  async placeOrder(order: OrderRequest): Promise<VenueOrder> {
    const placed = decode.placeOrder.decode(
      await this.call('placeOrder', () =>
        this.client.v3PrivatePostBrokerageOrders({
          client_order_id: order.clientOrderId,
          product_id: order.market,
          side: order.side === 'buy' ? 'BUY' : 'SELL',
          order_configuration: orderConfiguration(order),
        }),
      ),
    );
    if (placed.refused) throw orderRefused('coinbase', 'placeOrder', placed.refused.code, placed.refused.message);
    // A duplicate client_order_id answers with the existing order's id, so this also finds an earlier attempt's order.
    return this.getOrder(placed.orderId);
  }

  async cancelOrder(orderId: string): Promise<VenueOrder> {
    const result = decode.cancelOrder.decode(
      await this.call('cancelOrder', () =>
        this.client.v3PrivatePostBrokerageOrdersBatchCancel({ order_ids: [orderId] }),
      ),
    );
    const order = await this.getOrder(orderId);
    // Not cancelled because it is no longer open (filled, or cancelled by an earlier attempt): that is the outcome.
    if (!result.success && order.status === 'open') {
      throw new VenueError(
        'coinbase',
        'cancelOrder',
        'invalid-order',
        `cancel refused: ${result.failure_reason ?? 'unknown reason'}`,
        { code: result.failure_reason },
      );
    }
    return order;
  }

  async getOrder(orderId: string): Promise<VenueOrder> {
    return decode.getOrder.decode(
      await this.call('getOrder', () =>
        this.client.v3PrivateGetBrokerageOrdersHistoricalOrderId({ order_id: orderId }),
      ),
    );
  }

  async findOrderByClientOrderId(clientOrderId: string, market?: string): Promise<VenueOrder | null> {
    const orders = await this.orderPages(
      'findOrderByClientOrderId',
      { ...(market ? { product_ids: [market] } : {}) },
      MAX_LIST_ITEMS,
      (o) => o.clientOrderId === clientOrderId,
    );
    return orders.find((o) => o.clientOrderId === clientOrderId) ?? null;
  }

  async listOrders(query: OrderQuery = {}): Promise<VenueOrder[]> {
    const params = {
      ...(query.market ? { product_ids: [query.market] } : {}),
      ...(query.status === 'open' ? { order_status: ['OPEN'] } : {}),
    };
    const orders = await this.orderPages(
      'listOrders',
      params,
      query.status === 'closed' ? MAX_LIST_ITEMS : (query.limit ?? MAX_LIST_ITEMS),
    );
    return query.status === 'closed'
      ? orders.filter((o) => o.status !== 'open' && o.status !== 'pending').slice(0, query.limit ?? MAX_LIST_ITEMS)
      : orders;
  }

  async listFills(query: FillQuery = {}): Promise<VenueFill[]> {
    const cap = Math.min(query.limit ?? MAX_LIST_ITEMS, MAX_LIST_ITEMS);
    const fills: VenueFill[] = [];
    let cursor: string | undefined;
    while (fills.length < cap) {
      const params = {
        limit: Math.min(PAGE, cap - fills.length),
        ...(query.market ? { product_ids: [query.market] } : {}),
        ...(query.orderId ? { order_ids: [query.orderId] } : {}),
        ...(cursor ? { cursor } : {}),
      };
      const page = decode.listFills.decode(
        await this.call('listFills', () => this.client.v3PrivateGetBrokerageOrdersHistoricalFills(params)),
      );
      fills.push(...page.items);
      if (!page.cursor) break;
      cursor = nextCursor('listFills', cursor, page.cursor);
    }
    return fills.slice(0, cap);
  }

  async listSettlements(): Promise<VenueSettlement[]> {
    // Spot trades settle on the fill: Coinbase has no settlement records.
    return [];
  }

  private async orderPages(
    operation: string,
    filter: Record<string, unknown>,
    cap: number,
    stop?: (o: VenueOrder) => boolean,
  ): Promise<VenueOrder[]> {
    const orders: VenueOrder[] = [];
    let cursor: string | undefined;
    while (orders.length < cap) {
      const params = { ...filter, limit: Math.min(PAGE, cap - orders.length), ...(cursor ? { cursor } : {}) };
      const page = decode.listOrders.decode(
        await this.call(operation, () => this.client.v3PrivateGetBrokerageOrdersHistoricalBatch(params)),
      );
      orders.push(...page.items);
      if (!page.cursor || (stop && page.items.some(stop))) break;
      cursor = nextCursor(operation, cursor, page.cursor);
    }
    return orders.slice(0, cap);
  }

  private async wallets(operation: string): Promise<{ currency: string; available: string; hold: string }[]> {
    const wallets = [];
    let cursor: string | undefined;
    do {
      const page = decode.accounts.decode(
        await this.call(operation, () =>
          this.client.v3PrivateGetBrokerageAccounts({ limit: PAGE, ...(cursor ? { cursor } : {}) }),
        ),
      );
      wallets.push(...page.items);
      cursor = page.cursor ? nextCursor(operation, cursor, page.cursor) : undefined;
    } while (cursor && wallets.length < MAX_LIST_ITEMS);
    return wallets;
  }

  private async call(operation: string, request: () => Promise<unknown>): Promise<unknown> {
    try {
      return await request();
    } catch (err) {
      throw coinbaseFailure(operation, err);
    }
  }
}

/** A venue that hands back the cursor it was given would page forever. */
function nextCursor(operation: string, previous: string | undefined, next: string): string {
  if (next === previous)
    throw malformedResponse('coinbase', operation, 'cursor', 'repeats the cursor of the page before');
  return next;
}

/** What happened to a request, in the terms venue-errors.ts classifies. */
function coinbaseFailure(operation: string, err: unknown): unknown {
  if (err instanceof VenueError) return err;
  if (err instanceof CoinbaseHttpFailure)
    return venueErrorFromHttp('coinbase', operation, err.status, err.headers, err.body);
  if (err instanceof ccxt.RequestTimeout) return venueErrorFromTransport('coinbase', operation, 'timeout', err.message);
  if (err instanceof ccxt.NetworkError)
    return venueErrorFromTransport('coinbase', operation, 'connection', err.message);
  if (err instanceof ccxt.AuthenticationError || err instanceof ccxt.ArgumentsRequired) {
    return new VenueError(
      'coinbase',
      operation,
      'not-configured',
      `no usable Coinbase key for this call (${err.message})`,
    );
  }
  return err;
}

/** The Advanced Trade order_configuration for a port order. */
function orderConfiguration(order: OrderRequest): Record<string, Record<string, string | boolean>> {
  const size = positive(order.quantity, 'quantity');
  if (order.type === 'market') {
    if (order.timeInForce !== 'ioc')
      throw invalidRequest('coinbase', 'placeOrder', 'timeInForce', 'must be ioc for a market order');
    return { market_market_ioc: { base_size: size } };
  }
  if (order.limitPrice === undefined)
    throw invalidRequest('coinbase', 'placeOrder', 'limitPrice', 'is required for a limit order');
  const limit = positive(order.limitPrice, 'limitPrice');
  if (order.timeInForce === 'gtc')
    return { limit_limit_gtc: { base_size: size, limit_price: limit, post_only: order.postOnly ?? false } };
  if (order.postOnly) throw invalidRequest('coinbase', 'placeOrder', 'postOnly', 'applies only to a gtc limit order');
  return order.timeInForce === 'fok'
    ? { limit_limit_fok: { base_size: size, limit_price: limit } }
    : { sor_limit_ioc: { base_size: size, limit_price: limit } };
}

function positive(text: string, field: string): string {
  if (!/^\d+(\.\d+)?$/.test(text) || compareDecimals(text, '0', field) <= 0)
    throw invalidRequest('coinbase', 'placeOrder', field, `must be a positive decimal, got ${JSON.stringify(text)}`);
  return text;
}

function seconds(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw invalidRequest('coinbase', 'getPriceHistory', field, 'is not an ISO time');
  return Math.floor(ms / 1000);
}
