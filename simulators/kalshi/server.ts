import { z } from 'zod';
import { decimalToUnits, MoneyFormatError } from '../../policies/money';
import { SimClock } from '../venue-kit/clock';
import { FaultPlan, type FaultRule } from '../venue-kit/faults';
import { decodeCursor, pageOf } from '../venue-kit/paging';
import { RateLimiter } from '../venue-kit/rate-limit';
import { Router, VenueHttpError, jsonBody, type VenueRequest, type VenueResponse } from '../venue-kit/router';
import { StateFile, readStateFile } from '../venue-kit/state-file';
import { parseControl, startVenueServer, type VenueServer } from '../venue-kit/venue-server';
import { KALSHI_TIERS, verifyKalshiSignature, type KalshiKeyRecord, type KalshiTier } from './auth';
import {
  KalshiExchange,
  KalshiRejection,
  fmtCount,
  fmtDollars4,
  fmtPrice,
  type KAccount,
  type KOrder,
  type KalshiSnapshot,
} from './exchange';
import { beliefCentsAt, type KalshiMarketDef } from './markets';

/**
 * A loopback Kalshi trade-api v2: the public market endpoints, the signed portfolio endpoints with the V2 order
 * shape, Kalshi's error bodies and status codes, key tiers with rate limits, and fund-moving endpoints refused.
 */
export const KALSHI_API_PREFIX = '/trade-api/v2';
/** Every key of an instance trades for its one member account (as a member's keys do). */
export const KALSHI_MEMBER_ACCOUNT = 'member';

export interface KalshiVenueOptions {
  name: string;
  seed: string;
  host: string;
  marketCount: number;
  controlToken: string;
  keys: KalshiKeyRecord[];
  startingBalanceCents: number;
  stateFile?: string;
}

export interface KalshiVenue {
  server: VenueServer;
  exchange: KalshiExchange;
  faults: FaultPlan;
  clock: SimClock;
  /** The base URL clients use, including /trade-api/v2. */
  apiBaseUrl: string;
  close(): Promise<void>;
}

const kalshiError = (status: number, code: string, message: string): VenueResponse => ({
  status,
  body: { error: { code, message, details: '' } },
});

const rejectOrder = (rule: FaultRule): VenueResponse =>
  kalshiError(400, 'invalid_order', rule.reason ?? 'SIMULATED fault: order rejected');

const createOrderSchema = z.object({
  ticker: z.string().min(1),
  client_order_id: z
    .string()
    .max(64)
    .regex(/^[-\w:+=/]*$/, 'may contain only letters, digits and -_:+=/')
    .optional(),
  side: z.enum(['bid', 'ask']),
  count: z.string().regex(/^\d+(\.\d{1,2})?$/, 'must be a count with at most 2 decimals, e.g. "10.00"'),
  price: z.string().regex(/^0?\.\d{1,4}$|^0$|^1(\.0{1,4})?$/, 'must be a dollar price such as "0.5600"'),
  time_in_force: z.enum(['fill_or_kill', 'good_till_canceled', 'immediate_or_cancel']),
  self_trade_prevention_type: z.enum(['taker_at_cross', 'maker']),
  expiration_time: z.number().int().optional(),
  post_only: z.boolean().optional(),
  reduce_only: z.boolean().optional(),
  cancel_order_on_pause: z.boolean().optional(),
  subaccount: z.number().int().min(0).max(63).optional(),
  order_group_id: z.string().optional(),
  exchange_index: z.number().int().optional(),
});

export async function startKalshiVenue(options: KalshiVenueOptions): Promise<KalshiVenue> {
  const clock = new SimClock();
  const faults = new FaultPlan();
  const keys = new Map(options.keys.map((k) => [k.keyId, { ...k }]));
  const limiter = new RateLimiter();
  const snapshot = options.stateFile ? readStateFile<KalshiSnapshot>(options.stateFile) : undefined;
  const exchange = new KalshiExchange({
    seed: options.seed,
    marketCount: options.marketCount,
    clock,
    startingBalanceCents: options.startingBalanceCents,
    snapshot,
  });
  const state = options.stateFile
    ? new StateFile<KalshiSnapshot>(options.stateFile, () => exchange.snapshot())
    : undefined;
  exchange.account(KALSHI_MEMBER_ACCOUNT);

  const p = (path: string) => `${KALSHI_API_PREFIX}${path}`;

  /** Authenticated caller for /portfolio: signature, permission and rate limit, in the venue's order. */
  const member = (req: VenueRequest, write: boolean): KAccount => {
    const verdict = verifyKalshiSignature(keys, req.method, req.path, req.headers);
    if (!verdict.ok) throw new VenueHttpError(kalshiError(401, 'unauthorized', verdict.reason));
    req.keyId = verdict.key.keyId;
    limit(req, verdict.key.keyId, KALSHI_TIERS[verdict.key.tier][write ? 'write' : 'read']);
    if (write && verdict.key.permission !== 'trade')
      throw new VenueHttpError(kalshiError(403, 'forbidden', 'this API key has no write scope'));
    exchange.tick();
    state?.touch();
    return exchange.account(verdict.key.accountId);
  };

  const publicRead = (req: VenueRequest) => {
    limit(req, `ip:${req.headers['x-forwarded-for'] ?? 'loopback'}`, KALSHI_TIERS.basic.read);
    exchange.tick();
  };

  const limit = (_req: VenueRequest, bucket: string, perSecond: number) => {
    const verdict = limiter.take(bucket, perSecond);
    if (!verdict.ok) {
      const response = kalshiError(429, 'too_many_requests', 'rate limit exceeded');
      throw new VenueHttpError({
        ...response,
        headers: { 'retry-after': String(Math.ceil(verdict.retryAfterMs / 1000)) },
      });
    }
  };

  const pageParams = (req: VenueRequest, max: number, fallback: number) => {
    const limitText = req.query.get('limit');
    const size = limitText === null ? fallback : Number(limitText);
    if (!Number.isInteger(size) || size < 1 || size > max)
      throw new VenueHttpError(kalshiError(400, 'invalid_parameters', `limit must be an integer in 1..${max}`));
    const offset = decodeCursor(req.query.get('cursor'));
    if (offset === undefined) throw new VenueHttpError(kalshiError(400, 'invalid_parameters', 'cursor is not valid'));
    return { size, offset };
  };

  const marketJson = (def: KalshiMarketDef) => {
    const status = exchange.status(def);
    const s = exchange.marketState(def.ticker);
    const top = exchange.topOfBook(def);
    const mid = exchange.midCents(def);
    const iso = (t: number) => new Date(t).toISOString();
    return {
      ticker: def.ticker,
      event_ticker: def.eventTicker,
      market_type: 'binary',
      title: def.title,
      subtitle: '',
      yes_sub_title: def.yesSubTitle,
      no_sub_title: def.yesSubTitle.replace('Above', 'Not above'),
      created_time: iso(def.openTime),
      updated_time: iso(exchange.now()),
      open_time: iso(def.openTime),
      close_time: iso(def.closeTime),
      expected_expiration_time: iso(def.closeTime),
      expiration_time: iso(def.closeTime),
      latest_expiration_time: iso(def.closeTime),
      settlement_timer_seconds: 0,
      status,
      yes_bid_dollars: fmtPrice(top.bid?.[0] ?? 0),
      yes_bid_size_fp: fmtCount(top.bid?.[1] ?? 0),
      yes_ask_dollars: fmtPrice(top.ask?.[0] ?? 100),
      yes_ask_size_fp: fmtCount(top.ask?.[1] ?? 0),
      no_bid_dollars: fmtPrice(100 - (top.ask?.[0] ?? 100)),
      no_ask_dollars: fmtPrice(100 - (top.bid?.[0] ?? 0)),
      last_price_dollars: fmtPrice(s.lastPrice ?? mid),
      volume_fp: fmtCount(s.volume),
      volume_24h_fp: fmtCount(s.volume),
      result: s.settled?.result ?? '',
      can_close_early: false,
      open_interest_fp: fmtCount(s.openInterest),
      notional_value_dollars: '1.0000',
      previous_yes_bid_dollars: fmtPrice(top.bid?.[0] ?? 0),
      previous_yes_ask_dollars: fmtPrice(top.ask?.[0] ?? 100),
      previous_price_dollars: fmtPrice(mid),
      settlement_value_dollars: s.settled ? fmtPrice(s.settled.result === 'yes' ? 100 : 0) : undefined,
      settlement_ts: s.settled ? iso(s.settled.at) : null,
      expiration_value: s.settled?.result ?? '',
      category: def.category,
      rules_primary: `SIMULATED market. ${def.title}`,
      rules_secondary: '',
      price_level_structure: 'linear_cent',
      price_ranges: [{ start: '0.0100', end: '0.9900', step: '0.0100' }],
    };
  };

  const orderJson = (o: KOrder) => ({
    order_id: o.orderId,
    user_id: o.accountId,
    client_order_id: o.clientOrderId,
    ticker: o.ticker,
    side: o.side === 'bid' ? 'yes' : 'no',
    action: 'buy',
    outcome_side: o.side === 'bid' ? 'yes' : 'no',
    book_side: o.side,
    type: 'limit',
    status: o.status,
    yes_price_dollars: fmtPrice(o.price),
    no_price_dollars: fmtPrice(100 - o.price),
    fill_count_fp: fmtCount(o.filled),
    remaining_count_fp: fmtCount(o.remaining),
    initial_count_fp: fmtCount(o.initial),
    taker_fill_cost_dollars: fmtDollars4(o.takerCost),
    maker_fill_cost_dollars: fmtDollars4(o.makerCost),
    taker_fees_dollars: fmtDollars4(o.takerFeesCents * 100),
    maker_fees_dollars: fmtDollars4(o.makerFeesCents * 100),
    expiration_time: null,
    created_time: new Date(o.createdAt).toISOString(),
    last_update_time: new Date(o.updatedAt).toISOString(),
    self_trade_prevention_type: o.selfTradePrevention,
    order_group_id: null,
    cancel_order_on_pause: false,
    subaccount_number: 0,
    exchange_index: 0,
  });

  /** Kalshi shows bids only, ascending: YES bids, and NO bids (a YES ask at X is a NO bid at 1 - X). */
  const orderbookJson = (ticker: string, depth: number) => {
    const book = exchange.orderBook(ticker, depth);
    return {
      yes_dollars: [...book.bids].reverse().map(([price, count]) => [fmtPrice(price), fmtCount(count)]),
      no_dollars: [...book.asks].reverse().map(([price, count]) => [fmtPrice(100 - price), fmtCount(count)]),
    };
  };

  const api = new Router()
    .add('GET', p('/exchange/status'), (req) => {
      publicRead(req);
      return { status: 200, body: { exchange_active: true, trading_active: true } };
    })
    .add('GET', p('/markets'), (req) => {
      publicRead(req);
      const { size, offset } = pageParams(req, 1000, 100);
      const statuses = req.query.get('status')?.split(',').filter(Boolean);
      const wanted = statuses?.map(
        (s) => ({ open: 'active', closed: 'closed', settled: 'finalized', unopened: 'unopened' })[s],
      );
      if (wanted?.some((w) => w === undefined))
        throw new VenueHttpError(
          kalshiError(400, 'invalid_parameters', 'status must be unopened, open, closed or settled'),
        );
      const event = req.query.get('event_ticker');
      const series = req.query.get('series_ticker');
      const tickers = req.query.get('tickers')?.split(',');
      const filtered = exchange.markets.filter(
        (m) =>
          (!event || event.split(',').includes(m.eventTicker)) &&
          (!series || m.seriesTicker === series) &&
          (!tickers || tickers.includes(m.ticker)) &&
          (!wanted || wanted.includes(exchange.status(m))),
      );
      const { page, next } = pageOf(filtered, offset, size);
      return { status: 200, body: { markets: page.map(marketJson), cursor: next } };
    })
    .add('GET', p('/markets/orderbooks'), (req) => {
      member(req, false);
      // The SDK repeats the parameter (tickers=A&tickers=B); a comma list is accepted too.
      const tickers = req.query
        .getAll('tickers')
        .flatMap((t) => t.split(','))
        .filter(Boolean);
      if (tickers.length === 0 || tickers.length > 100)
        throw new VenueHttpError(kalshiError(400, 'invalid_parameters', 'tickers must list 1..100 market tickers'));
      return {
        status: 200,
        body: {
          orderbooks: tickers.map((ticker) => ({ ticker, orderbook_fp: orderbookJson(market(ticker).ticker, 0) })),
        },
      };
    })
    .add('GET', p('/markets/candlesticks'), (req) => {
      publicRead(req);
      return { status: 200, body: { markets: candlesticks(req) } };
    })
    .add('GET', p('/markets/:ticker'), (req) => {
      publicRead(req);
      return { status: 200, body: { market: marketJson(market(req.params.ticker!)) } };
    })
    .add('GET', p('/markets/:ticker/orderbook'), (req) => {
      publicRead(req);
      return {
        status: 200,
        body: {
          orderbook_fp: orderbookJson(market(req.params.ticker!).ticker, Number(req.query.get('depth') ?? 0) || 0),
        },
      };
    })
    .add('GET', p('/portfolio/balance'), (req) => {
      const account = member(req, false);
      const balance = exchange.balanceCents(account);
      return {
        status: 200,
        body: {
          balance,
          balance_dollars: fmtDollars4(balance * 100),
          portfolio_value: exchange.portfolioValueCents(account),
          updated_ts: Math.floor(exchange.now() / 1000),
        },
      };
    })
    .add('GET', p('/portfolio/positions'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 1000, 100);
      const ticker = req.query.get('ticker');
      const all = Object.values(account.positions).filter(
        (x) => (!ticker || x.ticker === ticker) && (x.position !== 0 || req.query.get('count_filter') === null),
      );
      const { page, next } = pageOf(all, offset, size);
      return {
        status: 200,
        body: {
          market_positions: page.map((x) => ({
            ticker: x.ticker,
            exchange_index: 0,
            total_traded_dollars: fmtDollars4(x.traded),
            position_fp: fmtCount(x.position),
            market_exposure_dollars: fmtDollars4(x.basis),
            realized_pnl_dollars: fmtDollars4(x.realized),
            fees_paid_dollars: fmtDollars4(x.feesCents * 100),
            last_updated_ts: new Date(x.updatedAt).toISOString(),
          })),
          event_positions: [],
          cursor: next,
        },
      };
    })
    .add('GET', p('/portfolio/orders'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 1000, 100);
      const ticker = req.query.get('ticker');
      const status = req.query.get('status');
      const all = Object.values(account.orders)
        .filter((o) => (!ticker || o.ticker === ticker) && (!status || o.status === status))
        .sort((a, b) => b.createdAt - a.createdAt);
      const { page, next } = pageOf(all, offset, size);
      return { status: 200, body: { orders: page.map(orderJson), cursor: next } };
    })
    .add('GET', p('/portfolio/orders/:id'), (req) => {
      const order = member(req, false).orders[req.params.id!];
      if (!order) throw new VenueHttpError(kalshiError(404, 'not_found', `order ${req.params.id} not found`));
      return { status: 200, body: { order: orderJson(order) } };
    })
    .add('POST', p('/portfolio/events/orders'), (req) => {
      const account = member(req, true);
      const body = createOrderSchema.parse(
        jsonBody(req, () => kalshiError(400, 'invalid_parameters', 'body is not JSON')),
      );
      const priceUnits = decimalToUnits(body.price, 4, 'price');
      if (priceUnits % 100n !== 0n || priceUnits < 100n || priceUnits > 9900n) {
        throw new VenueHttpError(kalshiError(400, 'invalid_price', 'price must be a whole cent between 0.01 and 0.99'));
      }
      const count = Number(decimalToUnits(body.count, 2, 'count'));
      if (count <= 0) throw new VenueHttpError(kalshiError(400, 'invalid_parameters', 'count must be positive'));
      const partial = req.faults.find((f) => f.kind === 'partial-fill');
      const order = exchange.placeOrder(account.id, {
        ticker: body.ticker,
        side: body.side,
        count,
        price: Number(priceUnits / 100n),
        timeInForce: body.time_in_force,
        clientOrderId: body.client_order_id ?? '',
        selfTradePrevention: body.self_trade_prevention_type,
        postOnly: body.post_only ?? false,
        reduceOnly: body.reduce_only ?? false,
        maxFillFractionBp: partial
          ? Number(decimalToUnits(partial.fillFraction ?? '0.5', 4, 'fillFraction'))
          : undefined,
      });
      const fillCost = order.takerCost + order.makerCost;
      const fees = order.takerFeesCents + order.makerFeesCents;
      return {
        status: 201,
        body: {
          order_id: order.orderId,
          client_order_id: order.clientOrderId,
          fill_count: fmtCount(order.filled),
          remaining_count: fmtCount(order.remaining),
          ...(order.filled > 0
            ? {
                // Average YES-book price of the fills, and the average fee per contract.
                average_fill_price: fmtDollars4(
                  Math.round(((order.side === 'bid' ? fillCost : order.filled * 100 - fillCost) * 100) / order.filled),
                ),
                average_fee_paid: fmtDollars4(Math.round((fees * 100 * 100) / order.filled)),
              }
            : {}),
          ts_ms: exchange.now(),
        },
      };
    })
    .add('DELETE', p('/portfolio/events/orders/:id'), (req) => {
      const account = member(req, true);
      const { order, reducedBy } = exchange.cancelOrder(account.id, req.params.id!);
      return {
        status: 200,
        body: {
          order_id: order.orderId,
          client_order_id: order.clientOrderId,
          reduced_by: fmtCount(reducedBy),
          ts_ms: exchange.now(),
        },
      };
    })
    .add('GET', p('/portfolio/fills'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 1000, 100);
      const ticker = req.query.get('ticker');
      const orderId = req.query.get('order_id');
      const all = account.fills
        .filter((f) => (!ticker || f.ticker === ticker) && (!orderId || f.orderId === orderId))
        .reverse();
      const { page, next } = pageOf(all, offset, size);
      return {
        status: 200,
        body: {
          fills: page.map((f) => ({
            fill_id: f.fillId,
            exchange_index: 0,
            trade_id: f.tradeId,
            order_id: f.orderId,
            ticker: f.ticker,
            market_ticker: f.ticker,
            side: f.side === 'bid' ? 'yes' : 'no',
            action: 'buy',
            outcome_side: f.side === 'bid' ? 'yes' : 'no',
            book_side: f.side,
            count_fp: fmtCount(f.count),
            yes_price_dollars: fmtPrice(f.price),
            no_price_dollars: fmtPrice(100 - f.price),
            is_taker: f.isTaker,
            created_time: new Date(f.at).toISOString(),
            fee_cost: fmtDollars4(f.feeCents * 100),
            ts: Math.floor(f.at / 1000),
          })),
          cursor: next,
        },
      };
    })
    .add('GET', p('/portfolio/settlements'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 1000, 100);
      const ticker = req.query.get('ticker');
      const all = account.settlements.filter((s) => !ticker || s.ticker === ticker).reverse();
      const { page, next } = pageOf(all, offset, size);
      return {
        status: 200,
        body: {
          settlements: page.map((s) => ({
            ticker: s.ticker,
            exchange_index: 0,
            event_ticker: s.eventTicker,
            market_result: s.result,
            yes_count_fp: fmtCount(s.yesCount),
            yes_total_cost_dollars: fmtDollars4(s.yesCost),
            no_count_fp: fmtCount(s.noCount),
            no_total_cost_dollars: fmtDollars4(s.noCost),
            revenue: s.revenueCents,
            settled_time: new Date(s.at).toISOString(),
            fee_cost: fmtDollars4(s.feesCents * 100),
            value: s.result === 'yes' ? 100 : 0,
          })),
          cursor: next,
        },
      };
    })
    .add('GET', p('/api_keys'), (req) => {
      member(req, false);
      return {
        status: 200,
        body: {
          api_keys: [...keys.values()].map((k) => ({
            api_key_id: k.keyId,
            name: `SIMULATED ${k.permission} key`,
            scopes: k.permission === 'trade' ? ['read', 'write'] : ['read'],
          })),
        },
      };
    })
    .add('DELETE', p('/api_keys/:id'), (req) => {
      member(req, true);
      if (!keys.delete(req.params.id!))
        throw new VenueHttpError(kalshiError(404, 'not_found', `API key ${req.params.id} not found`));
      return { status: 204 };
    });
  // Fund-moving endpoints (transfers, withdrawals, balance allocation...) are refused and counted by pattern by the
  // venue server (venue-kit/fund-moving.ts).

  function market(ticker: string): KalshiMarketDef {
    const def = exchange.byTicker.get(ticker);
    if (!def) throw new VenueHttpError(kalshiError(404, 'not_found', `market ${ticker} not found`));
    return def;
  }

  function candlesticks(req: VenueRequest) {
    const tickers = (req.query.get('market_tickers') ?? '').split(',').filter(Boolean);
    const start = Number(req.query.get('start_ts'));
    const end = Number(req.query.get('end_ts'));
    const period = Number(req.query.get('period_interval'));
    if (tickers.length === 0 || tickers.length > 100)
      throw new VenueHttpError(kalshiError(400, 'invalid_parameters', 'market_tickers must list 1..100 tickers'));
    if (![1, 60, 1440].includes(period))
      throw new VenueHttpError(kalshiError(400, 'invalid_parameters', 'period_interval must be 1, 60 or 1440'));
    if (!Number.isInteger(start) || !Number.isInteger(end) || end < start)
      throw new VenueHttpError(
        kalshiError(400, 'invalid_parameters', 'start_ts and end_ts must be seconds with start <= end'),
      );
    const step = period * 60;
    const first = Math.ceil(start / step) * step;
    if ((end - first) / step > 5000)
      throw new VenueHttpError(kalshiError(400, 'invalid_parameters', 'too many candlesticks requested (max 5000)'));
    return tickers.map((ticker) => {
      const def = market(ticker);
      const nowSeconds = Math.floor(exchange.now() / 1000);
      const candles = [];
      for (let t = first; t <= Math.min(end, nowSeconds); t += step) {
        const samples = [t - step, t - step / 2, t].map((s) => priceAt(def, s * 1000));
        const [open, , close] = samples as [number, number, number];
        const high = Math.max(...samples);
        const low = Math.min(...samples);
        const bidAsk = (shift: number) => ({
          open_dollars: fmtPrice(clampCents(open + shift)),
          low_dollars: fmtPrice(clampCents(low + shift)),
          high_dollars: fmtPrice(clampCents(high + shift)),
          close_dollars: fmtPrice(clampCents(close + shift)),
        });
        candles.push({
          end_period_ts: t,
          yes_bid: bidAsk(-1),
          yes_ask: bidAsk(1),
          price: {
            open_dollars: fmtPrice(open),
            low_dollars: fmtPrice(low),
            high_dollars: fmtPrice(high),
            close_dollars: fmtPrice(close),
            mean_dollars: fmtPrice(Math.round((open + close) / 2)),
            previous_dollars: fmtPrice(open),
          },
          volume_fp: '0.00',
          open_interest_fp: fmtCount(exchange.marketState(def.ticker).openInterest),
        });
      }
      return { market_ticker: def.ticker, candlesticks: candles };
    });
  }

  function priceAt(def: KalshiMarketDef, t: number): number {
    const settled = exchange.marketState(def.ticker).settled;
    if (settled && t >= settled.at) return settled.result === 'yes' ? 99 : 1;
    return beliefCentsAt(def, t);
  }

  const control = kalshiControl(exchange, keys, () => state?.touch());

  const server = await startVenueServer({
    name: options.name,
    host: options.host,
    api,
    control,
    controlToken: options.controlToken,
    format: { error: kalshiError, reject: rejectOrder, fromError: kalshiFromError },
    clock,
    faults,
  });
  return {
    server,
    exchange,
    faults,
    clock,
    apiBaseUrl: `${server.baseUrl}${KALSHI_API_PREFIX}`,
    async close() {
      state?.saveNow();
      await server.close();
    },
  };
}

function kalshiFromError(err: unknown): VenueResponse | undefined {
  if (err instanceof KalshiRejection) return kalshiError(err.status, err.code, err.message);
  if (err instanceof MoneyFormatError) return kalshiError(400, 'invalid_parameters', err.message);
  return undefined;
}

function clampCents(c: number): number {
  return Math.min(99, Math.max(1, c));
}

const priceSchema = z.object({
  yesPrice: z
    .string()
    .regex(/^0?\.\d{2}$/, 'must be a YES price like "0.45"')
    .nullable(),
});
const resolveSchema = z.object({ result: z.enum(['yes', 'no']).optional() });
const titleSchema = z.object({ title: z.string().min(1).max(2_000) });
const balanceSchema = z.object({ cents: z.number().int().min(0) });
const tierSchema = z.object({ tier: z.enum(Object.keys(KALSHI_TIERS) as [KalshiTier, ...KalshiTier[]]) });

/** Control routes to drive the market from tests and demos (mounted under /_nemo/sim). */
function kalshiControl(exchange: KalshiExchange, keys: Map<string, KalshiKeyRecord>, changed: () => void): Router {
  const mutate = <T>(fn: () => T): T => {
    try {
      const result = fn();
      changed();
      return result;
    } catch (err) {
      if (err instanceof KalshiRejection)
        throw new VenueHttpError({ status: err.status, body: { error: err.code, message: err.message } });
      throw err;
    }
  };
  const def = (ticker: string) => {
    const d = exchange.byTicker.get(ticker);
    if (!d)
      throw new VenueHttpError({ status: 404, body: { error: 'not_found', message: `market ${ticker} not found` } });
    return d;
  };
  return (
    new Router()
      .add('GET', '/summary', () => ({
        status: 200,
        body: {
          markets: exchange.markets.length,
          open: exchange.markets.filter((m) => exchange.status(m) === 'active').length,
          now: new Date(exchange.now()).toISOString(),
        },
      }))
      .add('GET', '/markets/:ticker', (req) => {
        const d = def(req.params.ticker!);
        return {
          status: 200,
          body: { ...d, mid: exchange.midCents(d), status: exchange.status(d), state: exchange.marketState(d.ticker) },
        };
      })
      .add('POST', '/markets/:ticker/price', (req) => {
        const { yesPrice } = parseControl(priceSchema, req);
        const cents = yesPrice === null ? undefined : Number(decimalToUnits(yesPrice, 2, 'yesPrice'));
        if (cents !== undefined && (cents < 1 || cents > 99))
          throw new VenueHttpError({
            status: 400,
            body: { error: 'invalid', message: 'yesPrice must be in 0.01..0.99' },
          });
        mutate(() => exchange.setMid(def(req.params.ticker!).ticker, cents));
        return { status: 200, body: { mid: exchange.midCents(def(req.params.ticker!)) } };
      })
      // Untrusted text arrives in market titles too: scenario tests plant injections here.
      .add('POST', '/markets/:ticker/title', (req) => {
        const { title } = parseControl(titleSchema, req);
        mutate(() => {
          def(req.params.ticker!).title = title;
        });
        return { status: 200, body: { title } };
      })
      .add('POST', '/markets/:ticker/resolve', (req) => {
        const { result } = parseControl(resolveSchema, req);
        mutate(() => exchange.resolve(def(req.params.ticker!).ticker, result));
        return { status: 200, body: { settled: exchange.marketState(req.params.ticker!).settled } };
      })
      .add('POST', '/tick', () => {
        mutate(() => exchange.tick());
        return { status: 200, body: { now: new Date(exchange.now()).toISOString() } };
      })
      .add('GET', '/accounts/:id', (req) => {
        const account = exchange.account(req.params.id!);
        return {
          status: 200,
          body: {
            balanceCents: exchange.balanceCents(account),
            positions: Object.values(account.positions),
            orders: Object.values(account.orders).length,
            openOrders: Object.values(account.orders).filter((o) => o.status === 'resting').length,
            fills: account.fills.length,
            settlements: account.settlements.length,
          },
        };
      })
      .add('POST', '/accounts/:id/balance', (req) => {
        const { cents } = parseControl(balanceSchema, req);
        mutate(() => exchange.setBalance(req.params.id!, cents));
        return { status: 200, body: { balanceCents: exchange.balanceCents(exchange.account(req.params.id!)) } };
      })
      .add('POST', '/keys/:keyId/tier', (req) => {
        const key = keys.get(req.params.keyId!);
        if (!key) throw new VenueHttpError({ status: 404, body: { error: 'not_found', message: 'no such key' } });
        key.tier = parseControl(tierSchema, req).tier;
        return { status: 200, body: { keyId: key.keyId, tier: key.tier } };
      })
  );
}
