import axios, { isAxiosError, type AxiosResponse } from 'axios';
import { Configuration, MarketApi, OrdersApi, PortfolioApi } from 'kalshi-typescript';
import { decimalToUnits, unitsToDecimal } from '../../../policies/money';
import { compareDecimals, isZeroDecimal } from '../decimal';
import type { Decoder } from '../parse';
import {
  VenueError,
  invalidRequest,
  malformedResponse,
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
  type SettlementQuery,
  type VenueFill,
  type VenueMarket,
  type VenueOrder,
  type VenuePort,
  type VenuePosition,
  type VenueSettlement,
} from '../venue-port';
import { kalshiDecoders as decode } from './kalshi-decoders';

/**
 * Kalshi through the official kalshi-typescript SDK (V2 order endpoint). Each API object gets its own axios
 * instance: the SDK installs its signing interceptor on whatever instance it is given, and on the process-global
 * one by default, where the first key constructed would sign every request in the process.
 */
export interface KalshiPortOptions {
  /** e.g. https://external-api.kalshi.com/trade-api/v2 */
  baseUrl: string;
  /** Without credentials only public market data is available. */
  credentials?: { keyId: string; privateKeyPem: string };
  timeoutMs?: number;
}

const PAGE = 1000;
const MAX_CANDLES_PER_CALL = 5000;
/** GET /markets/orderbooks and GET /markets/candlesticks take at most this many tickers. */
const MAX_TICKERS_PER_CALL = 100;

export class KalshiPort implements VenuePort {
  readonly venue = 'kalshi' as const;
  readonly authenticated: boolean;
  private readonly markets: MarketApi;
  private readonly orders: OrdersApi;
  private readonly portfolio: PortfolioApi;

  constructor(options: KalshiPortOptions) {
    const config = new Configuration({
      basePath: options.baseUrl,
      apiKey: options.credentials?.keyId,
      privateKeyPem: options.credentials?.privateKeyPem,
    });
    const http = () => axios.create({ timeout: options.timeoutMs ?? 10_000 });
    this.markets = new MarketApi(config, options.baseUrl, http());
    this.orders = new OrdersApi(config, options.baseUrl, http());
    this.portfolio = new PortfolioApi(config, options.baseUrl, http());
    this.authenticated = options.credentials !== undefined;
  }

  async listMarkets(query: MarketQuery = {}): Promise<VenueMarket[]> {
    return this.pages('listMarkets', decode.listMarkets, query.limit, (limit, cursor) =>
      this.marketsRequest(query, limit, cursor),
    );
  }

  async listMarketPage(query: MarketQuery, cursor?: string): Promise<MarketPage> {
    const page = decode.listMarkets.decode(
      await this.call('listMarkets', () => this.marketsRequest(query, Math.min(PAGE, query.limit ?? PAGE), cursor)),
    );
    if (page.cursor && page.cursor === cursor)
      throw malformedResponse('kalshi', 'listMarkets', 'cursor', 'repeats the cursor of the page before');
    return { markets: page.items, cursor: page.cursor || undefined };
  }

  private marketsRequest(query: MarketQuery, limit: number, cursor: string | undefined) {
    const status = query.status === 'open' ? 'open' : query.status;
    return this.markets.getMarkets(
      limit,
      cursor,
      query.eventId,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      status,
    );
  }

  async getMarket(market: string): Promise<VenueMarket> {
    return decode.getMarket.decode(await this.call('getMarket', () => this.markets.getMarket(market)));
  }

  async getOrderBook(market: string, depth?: number): Promise<OrderBook> {
    const book = decode.getOrderBook.decode(
      await this.call('getOrderBook', () => this.markets.getMarketOrderbook(market, depth)),
    );
    return {
      venue: 'kalshi',
      market,
      ...(depth ? { bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) } : book),
    };
  }

  async getOrderBooks(markets: readonly string[]): Promise<OrderBook[]> {
    const books: OrderBook[] = [];
    for (let i = 0; i < markets.length; i += MAX_TICKERS_PER_CALL) {
      const tickers = markets.slice(i, i + MAX_TICKERS_PER_CALL);
      const page = decode.getOrderBooks.decode(
        await this.call('getOrderBooks', () => this.markets.getMarketOrderbooks([...tickers])),
      );
      books.push(...page.map((b) => ({ venue: 'kalshi' as const, ...b })));
    }
    return books;
  }

  async getPriceHistory(request: PriceHistoryRequest): Promise<PriceBar[]> {
    return (await this.getPriceHistories([request.market], request)).get(request.market) ?? [];
  }

  /** Up to 100 tickers per request (GET /markets/candlesticks), so a scan pays one read per hundred markets. */
  async getPriceHistories(markets: readonly string[], window: PriceHistoryWindow): Promise<Map<string, PriceBar[]>> {
    const minutes = BAR_INTERVAL_MS[window.interval] / 60_000;
    const step = minutes * 60;
    const from = seconds(window.from, 'from');
    const to = seconds(window.to, 'to');
    const histories = new Map<string, PriceBar[]>(markets.map((m) => [m, []]));
    // Every ticker of a request has candles for the same periods: each period's start is written once.
    const starts = new Map<number, string>();
    const startOf = (endSeconds: number) => {
      let start = starts.get(endSeconds);
      if (start === undefined) starts.set(endSeconds, (start = new Date((endSeconds - step) * 1000).toISOString()));
      return start;
    };
    for (let i = 0; i < markets.length; i += MAX_TICKERS_PER_CALL) {
      const tickers = markets.slice(i, i + MAX_TICKERS_PER_CALL).join(',');
      for (let start = from; start <= to; start += step * MAX_CANDLES_PER_CALL) {
        const end = Math.min(to, start + step * MAX_CANDLES_PER_CALL - 1);
        const answer = decode.getPriceHistory.decode(
          await this.call('getPriceHistory', () =>
            this.markets.batchGetMarketCandlesticks(tickers, start, end, minutes),
          ),
        );
        for (const { market, candles } of answer) {
          const bars = histories.get(market);
          for (const c of candles) bars?.push({ start: startOf(c.endPeriodSeconds), ...c.bar });
        }
      }
    }
    return histories;
  }

  async getBalance(): Promise<AccountBalance> {
    return decode.getBalance.decode(await this.call('getBalance', () => this.portfolio.getBalance()));
  }

  async getPositions(): Promise<VenuePosition[]> {
    // count_filter=position: only markets where a position is held.
    return this.pages('getPositions', decode.getPositions, undefined, (limit, cursor) =>
      this.portfolio.getPositions(cursor, limit, 'position'),
    );
  }

  async placeOrder(order: OrderRequest): Promise<VenueOrder> {
    const price = kalshiPrice(order);
    const placed = decode.placeOrder.decode(
      await this.call('placeOrder', () =>
        this.orders.createOrderV2({
          ticker: order.market,
          client_order_id: order.clientOrderId,
          side: order.side === 'buy' ? 'bid' : 'ask',
          count: fixed(order.quantity, 2, 'quantity'),
          price,
          time_in_force: order.type === 'market' ? 'immediate_or_cancel' : TIME_IN_FORCE[order.timeInForce],
          self_trade_prevention_type: 'taker_at_cross',
          post_only: order.postOnly,
        }),
      ),
    );
    // A fill's exact cost and fees are on the order record; an order that did not fill is described by the answer.
    if (!isZeroDecimal(placed.fill_count, 'fill_count')) return this.getOrder(placed.order_id);
    const resting = !isZeroDecimal(placed.remaining_count, 'remaining_count');
    return {
      venue: 'kalshi',
      orderId: placed.order_id,
      clientOrderId: order.clientOrderId,
      market: order.market,
      side: order.side,
      status: resting ? 'open' : 'canceled',
      limitPrice: price,
      quantity: fixed(order.quantity, 2, 'quantity'),
      filledQuantity: placed.fill_count,
      remainingQuantity: placed.remaining_count,
      feesCents: 0,
    };
  }

  async cancelOrder(orderId: string, market?: string): Promise<VenueOrder> {
    try {
      decode.cancelOrder.decode(
        await this.call('cancelOrder', () => this.orders.cancelOrderV2(orderId, undefined, undefined, market)),
      );
    } catch (err) {
      // Not resting any more (already canceled or filled, e.g. by an earlier attempt whose answer was lost).
      if (!(err instanceof VenueError && err.kind === 'not-found')) throw err;
      const order = await this.getOrder(orderId);
      if (order.status === 'open') throw err;
      return order;
    }
    return this.getOrder(orderId);
  }

  async getOrder(orderId: string): Promise<VenueOrder> {
    return decode.getOrder.decode(await this.call('getOrder', () => this.orders.getOrder(orderId)));
  }

  async findOrderByClientOrderId(clientOrderId: string, market?: string): Promise<VenueOrder | null> {
    let cursor: string | undefined;
    for (let seen = 0; seen < MAX_LIST_ITEMS; seen += PAGE) {
      const page = decode.listOrders.decode(
        await this.call('findOrderByClientOrderId', () =>
          this.orders.getOrders(market, undefined, undefined, undefined, undefined, PAGE, cursor),
        ),
      );
      const found = page.items.find((o) => o.clientOrderId === clientOrderId);
      if (found) return found;
      if (!page.cursor) return null;
      if (page.cursor === cursor)
        throw malformedResponse(
          'kalshi',
          'findOrderByClientOrderId',
          'cursor',
          'repeats the cursor of the page before',
        );
      cursor = page.cursor;
    }
    return null;
  }

  async listOrders(query: OrderQuery = {}): Promise<VenueOrder[]> {
    const orders = await this.pages(
      'listOrders',
      decode.listOrders,
      query.status === 'closed' ? undefined : query.limit,
      (limit, cursor) =>
        this.orders.getOrders(
          query.market,
          undefined,
          undefined,
          undefined,
          query.status === 'open' ? 'resting' : undefined,
          limit,
          cursor,
        ),
    );
    return query.status === 'closed'
      ? orders.filter((o) => o.status !== 'open').slice(0, query.limit ?? MAX_LIST_ITEMS)
      : orders;
  }

  async listFills(query: FillQuery = {}): Promise<VenueFill[]> {
    return this.pages('listFills', decode.listFills, query.limit, (limit, cursor) =>
      this.portfolio.getFills(query.market, query.orderId, undefined, undefined, limit, cursor),
    );
  }

  async listSettlements(query: SettlementQuery = {}): Promise<VenueSettlement[]> {
    return this.pages('listSettlements', decode.listSettlements, query.limit, (limit, cursor) =>
      this.portfolio.getSettlements(limit, cursor, query.market),
    );
  }

  /** Follows cursors until the last page or `max` items. */
  private async pages<T>(
    operation: string,
    decoder: Decoder<{ items: T[]; cursor: string }>,
    max: number | undefined,
    fetch: (limit: number, cursor: string | undefined) => Promise<AxiosResponse<unknown>>,
  ): Promise<T[]> {
    const cap = Math.min(max ?? MAX_LIST_ITEMS, MAX_LIST_ITEMS);
    const items: T[] = [];
    let cursor: string | undefined;
    while (items.length < cap) {
      const page = decoder.decode(await this.call(operation, () => fetch(Math.min(PAGE, cap - items.length), cursor)));
      items.push(...page.items);
      if (!page.cursor) break;
      if (page.cursor === cursor)
        throw malformedResponse('kalshi', operation, 'cursor', 'repeats the cursor of the page before');
      cursor = page.cursor;
    }
    return items.slice(0, cap);
  }

  private async call(operation: string, request: () => Promise<AxiosResponse<unknown>>): Promise<unknown> {
    try {
      return (await request()).data;
    } catch (err) {
      throw kalshiFailure(operation, err);
    }
  }
}

const TIME_IN_FORCE = { gtc: 'good_till_canceled', ioc: 'immediate_or_cancel', fok: 'fill_or_kill' } as const;

/** What happened to a request, in the terms venue-errors.ts classifies. */
function kalshiFailure(operation: string, err: unknown): unknown {
  if (err instanceof VenueError) return err;
  if (isAxiosError(err)) {
    if (err.response)
      return venueErrorFromHttp(
        'kalshi',
        operation,
        err.response.status,
        { ...err.response.headers },
        err.response.data,
      );
    const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
    return venueErrorFromTransport('kalshi', operation, timedOut ? 'timeout' : 'connection', err.code ?? err.message);
  }
  return err;
}

/** The YES-book price to send: the limit, or for a market order the book's extreme (Kalshi has no market orders). */
function kalshiPrice(order: OrderRequest): string {
  if (order.limitPrice !== undefined) {
    const price = fixed(order.limitPrice, 4, 'limitPrice');
    if (compareDecimals(price, '0', 'limitPrice') <= 0 || compareDecimals(price, '1', 'limitPrice') >= 0) {
      throw invalidRequest('kalshi', 'placeOrder', 'limitPrice', 'must be between 0 and 1 (a YES price in dollars)');
    }
    return price;
  }
  if (order.type === 'limit')
    throw invalidRequest('kalshi', 'placeOrder', 'limitPrice', 'is required for a limit order');
  return order.side === 'buy' ? '0.9900' : '0.0100';
}

function fixed(text: string, places: number, field: string): string {
  try {
    return unitsToDecimal(decimalToUnits(text, places, field), places);
  } catch {
    throw invalidRequest(
      'kalshi',
      'placeOrder',
      field,
      `must be a decimal with at most ${places} places, got ${JSON.stringify(text)}`,
    );
  }
}

function seconds(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw invalidRequest('kalshi', 'getPriceHistory', field, 'is not an ISO time');
  return Math.floor(ms / 1000);
}
