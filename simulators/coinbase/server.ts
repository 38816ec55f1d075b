import { z } from 'zod';
import { MoneyFormatError, decimalToUnits, unitsToDecimal } from '../../policies/money';
import { SimClock } from '../venue-kit/clock';
import { FaultPlan, type FaultRule } from '../venue-kit/faults';
import { decodeCursor, pageOf } from '../venue-kit/paging';
import { RateLimiter } from '../venue-kit/rate-limit';
import { Router, VenueHttpError, jsonBody, type VenueRequest, type VenueResponse } from '../venue-kit/router';
import { StateFile, readStateFile } from '../venue-kit/state-file';
import { parseControl, startVenueServer, type VenueServer } from '../venue-kit/venue-server';
import { verifyCoinbaseJwt, type CoinbaseKeyRecord } from './auth';
import {
  CoinbaseExchange,
  CoinbaseRejection,
  type CbAccount,
  type CbFill,
  type CbOrder,
  type CbOrderKind,
  type CoinbaseSnapshot,
} from './exchange';
import type { CoinbaseProductDef } from './products';

/**
 * A loopback Coinbase Advanced Trade API (/api/v3/brokerage): public market data, JWT-signed account and order
 * endpoints in Coinbase's own shapes (success/error_response on orders, plain-text 401), per-key rate limits, and
 * fund-moving endpoints (v3 and v2) refused and counted.
 */
export const COINBASE_API_PREFIX = '/api/v3/brokerage';
export const COINBASE_MEMBER_ACCOUNT = 'member';
export const AUTH_FAILURE_HEADER = 'x-nemo-sim-auth-failure';
const PRIVATE_PER_SECOND = 30;
const PUBLIC_PER_SECOND = 10;

export interface CoinbaseVenueOptions {
  name: string;
  seed: string;
  host: string;
  controlToken: string;
  keys: CoinbaseKeyRecord[];
  startingUsdCents: number;
  stateFile?: string;
}

export interface CoinbaseVenue {
  server: VenueServer;
  exchange: CoinbaseExchange;
  faults: FaultPlan;
  clock: SimClock;
  /** The root URL clients use (ccxt appends /api/v3/brokerage itself). */
  apiBaseUrl: string;
  close(): Promise<void>;
}

const coinbaseError = (status: number, code: string, message: string): VenueResponse =>
  status === 401
    ? { status, text: 'Unauthorized' }
    : { status, body: { error: code.toUpperCase(), error_details: message, message } };

const orderFailure = (reason: string, message: string) => ({
  success: false,
  failure_reason: 'UNKNOWN_FAILURE_REASON',
  error_response: {
    error: reason,
    message,
    error_details: message,
    preview_failure_reason: `PREVIEW_${reason}`,
    new_order_failure_reason: reason,
  },
});

const rejectOrder = (rule: FaultRule): VenueResponse => ({
  status: 200,
  body: orderFailure('INVALID_ARGUMENT', rule.reason ?? 'SIMULATED fault: order rejected'),
});

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string');
const configurationSchema = z
  .object({
    market_market_ioc: z
      .object({ quote_size: decimal.optional(), base_size: decimal.optional() })
      .refine(
        (c) => (c.quote_size === undefined) !== (c.base_size === undefined),
        'exactly one of quote_size and base_size',
      ),
    limit_limit_gtc: z.object({ base_size: decimal, limit_price: decimal, post_only: z.boolean().optional() }),
    limit_limit_fok: z.object({ base_size: decimal, limit_price: decimal }),
    sor_limit_ioc: z.object({ base_size: decimal, limit_price: decimal }),
  })
  .partial()
  .refine((c) => Object.values(c).filter((v) => v !== undefined).length === 1, 'exactly one order configuration');
const createOrderSchema = z.object({
  client_order_id: z.string().min(1).max(128),
  product_id: z.string().min(1),
  side: z.enum(['BUY', 'SELL']),
  order_configuration: configurationSchema,
});
const cancelSchema = z.object({ order_ids: z.array(z.string()).min(1).max(100) });

const GRANULARITY: Record<string, number> = {
  ONE_MINUTE: 60,
  FIVE_MINUTE: 300,
  FIFTEEN_MINUTE: 900,
  THIRTY_MINUTE: 1800,
  ONE_HOUR: 3600,
  TWO_HOUR: 7200,
  SIX_HOUR: 21600,
  ONE_DAY: 86400,
};
const MAX_CANDLES = 350;

export async function startCoinbaseVenue(options: CoinbaseVenueOptions): Promise<CoinbaseVenue> {
  const clock = new SimClock();
  const faults = new FaultPlan();
  const keys = new Map(options.keys.map((k) => [k.keyName, { ...k }]));
  const limiter = new RateLimiter();
  const snapshot = options.stateFile ? readStateFile<CoinbaseSnapshot>(options.stateFile) : undefined;
  const exchange = new CoinbaseExchange({
    seed: options.seed,
    clock,
    startingUsdCents: options.startingUsdCents,
    snapshot,
  });
  const state = options.stateFile
    ? new StateFile<CoinbaseSnapshot>(options.stateFile, () => exchange.snapshot())
    : undefined;
  exchange.account(COINBASE_MEMBER_ACCOUNT);

  const p = (path: string) => `${COINBASE_API_PREFIX}${path}`;
  const usd = (units: number) => unitsToDecimal(BigInt(units), 8);
  const base = (units: number) => unitsToDecimal(BigInt(units), 8);
  const price = (cents: number) => unitsToDecimal(BigInt(cents), 2);
  const iso = (t: number) => new Date(t).toISOString();

  const limit = (bucket: string, perSecond: number) => {
    const verdict = limiter.take(bucket, perSecond);
    if (!verdict.ok) {
      throw new VenueHttpError({
        ...coinbaseError(429, 'rate_limit_exceeded', 'Too many requests'),
        headers: { 'retry-after': String(Math.ceil(verdict.retryAfterMs / 1000)) },
      });
    }
  };

  const member = (req: VenueRequest, trade: boolean): CbAccount => {
    const host = String(req.headers.host ?? '');
    const verdict = verifyCoinbaseJwt(keys, req.method, host, req.path, req.headers.authorization);
    // Coinbase's 401 body is a bare "Unauthorized"; the SIMULATED venue also names the reason in a header.
    if (!verdict.ok)
      throw new VenueHttpError({
        ...coinbaseError(401, 'unauthorized', verdict.reason),
        headers: { [AUTH_FAILURE_HEADER]: verdict.reason },
      });
    req.keyId = verdict.key.keyName;
    limit(`key:${verdict.key.keyName}`, PRIVATE_PER_SECOND);
    if (trade && verdict.key.permission !== 'trade')
      throw new VenueHttpError(coinbaseError(403, 'permission_denied', 'Missing required scopes'));
    exchange.tick();
    state?.touch();
    return exchange.account(verdict.key.accountId);
  };

  const publicRead = () => {
    limit('public', PUBLIC_PER_SECOND);
    exchange.tick();
  };

  const product = (id: string): CoinbaseProductDef => {
    const def = exchange.byId.get(id);
    if (!def) throw new VenueHttpError(coinbaseError(404, 'not_found', `product ${id} not found`));
    return def;
  };

  const productJson = (def: CoinbaseProductDef) => {
    const now = exchange.now();
    const current = exchange.priceCents(def.productId, now);
    const dayAgo = exchange.priceCents(def.productId, now - 86_400_000);
    const change = ((current - dayAgo) / dayAgo) * 100;
    return {
      product_id: def.productId,
      price: price(current),
      price_percentage_change_24h: change.toFixed(8),
      volume_24h: '0',
      volume_percentage_change_24h: '0',
      base_increment: def.baseIncrement,
      quote_increment: '0.01',
      quote_min_size: '1',
      quote_max_size: '10000000',
      base_min_size: def.baseMinSize,
      base_max_size: '100000000',
      base_name: def.baseName,
      quote_name: 'US Dollar',
      watched: false,
      is_disabled: false,
      new: false,
      status: 'online',
      cancel_only: false,
      limit_only: false,
      post_only: false,
      trading_disabled: false,
      auction_mode: false,
      product_type: 'SPOT',
      quote_currency_id: 'USD',
      base_currency_id: def.base,
      mid_market_price: price(current),
      base_display_symbol: def.base,
      quote_display_symbol: 'USD',
      product_venue: 'CBE',
    };
  };

  const listProducts = (req: VenueRequest) => {
    const ids = req.query.getAll('product_ids');
    const all = exchange.products.filter((d) => ids.length === 0 || ids.includes(d.productId));
    const size = Number(req.query.get('limit') ?? all.length) || all.length;
    const offset = Number(req.query.get('offset') ?? 0) || 0;
    return {
      status: 200,
      body: { products: all.slice(offset, offset + size).map(productJson), num_products: all.length },
    };
  };

  const candles = (req: VenueRequest) => {
    const def = product(req.params.id!);
    const start = Number(req.query.get('start'));
    const end = Number(req.query.get('end'));
    const step = GRANULARITY[req.query.get('granularity') ?? ''];
    if (!step)
      throw new VenueHttpError(
        coinbaseError(400, 'invalid_argument', 'granularity must be one of ' + Object.keys(GRANULARITY).join(', ')),
      );
    if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start)
      throw new VenueHttpError(
        coinbaseError(400, 'invalid_argument', 'start and end must be UNIX seconds with start < end'),
      );
    if ((end - start) / step > MAX_CANDLES)
      throw new VenueHttpError(
        coinbaseError(400, 'invalid_argument', `number of candles requested should be less than ${MAX_CANDLES}`),
      );
    const out = [];
    const last = Math.min(end, Math.floor(exchange.now() / 1000));
    for (let t = Math.floor(start / step) * step; t < last; t += step) {
      const minutes = [];
      for (let m = t; m < Math.min(t + step, last + 1); m += 60)
        minutes.push(exchange.priceCents(def.productId, m * 1000));
      if (minutes.length === 0) continue;
      out.push({
        start: String(t),
        low: price(Math.min(...minutes)),
        high: price(Math.max(...minutes)),
        open: price(minutes[0]!),
        close: price(minutes[minutes.length - 1]!),
        volume: base(minutes.length * 10_000_000),
      });
    }
    return { status: 200, body: { candles: out.reverse() } };
  };

  const bookJson = (productId: string, depth: number) => {
    const { bids, asks } = exchange.orderBook(productId, depth);
    const level = ([priceCents, size]: [number, number]) => ({ price: price(priceCents), size: base(size) });
    return { product_id: productId, bids: bids.map(level), asks: asks.map(level), time: iso(exchange.now()) };
  };

  const productBook = (req: VenueRequest) => {
    const def = product(req.query.get('product_id') ?? '');
    const book = bookJson(def.productId, Number(req.query.get('limit') ?? 0) || 0);
    return {
      status: 200,
      body: {
        pricebook: book,
        last: price(exchange.priceCents(def.productId)),
        mid_market: price(exchange.priceCents(def.productId)),
      },
    };
  };

  const walletJson = (account: CbAccount) =>
    Object.values(account.wallets).map((w) => ({
      uuid: w.uuid,
      name: `${w.currency} Wallet`,
      currency: w.currency,
      available_balance: { value: usd(w.balance - w.hold), currency: w.currency },
      default: w.currency === 'USD',
      active: true,
      created_at: iso(exchange.startMs),
      updated_at: iso(exchange.now()),
      deleted_at: null,
      type: w.currency === 'USD' ? 'ACCOUNT_TYPE_FIAT' : 'ACCOUNT_TYPE_CRYPTO',
      ready: true,
      hold: { value: usd(w.hold), currency: w.currency },
      retail_portfolio_id: account.id,
    }));

  const orderJson = (o: CbOrder, account: CbAccount) => ({
    order_id: o.orderId,
    product_id: o.productId,
    user_id: account.id,
    order_configuration: o.configuration,
    side: o.side,
    client_order_id: o.clientOrderId,
    status: o.status,
    time_in_force: TIME_IN_FORCE[o.kind],
    created_time: iso(o.createdAt),
    completion_percentage: o.baseSize
      ? ((o.filledSize / o.baseSize) * 100).toFixed(2)
      : o.status === 'FILLED'
        ? '100'
        : '0',
    filled_size: base(o.filledSize),
    average_filled_price: o.filledSize > 0 ? usd(Math.round((o.filledValue * 1e8) / o.filledSize)) : '0',
    fee: '',
    number_of_fills: String(o.numberOfFills),
    filled_value: usd(o.filledValue),
    pending_cancel: false,
    size_in_quote: o.quoteSize !== undefined,
    total_fees: usd(o.fees),
    size_inclusive_of_fees: o.quoteSize !== undefined,
    total_value_after_fees: usd(o.side === 'BUY' ? o.filledValue + o.fees : o.filledValue - o.fees),
    trigger_status: 'INVALID_ORDER_TYPE',
    order_type: o.kind === 'market_market_ioc' ? 'MARKET' : 'LIMIT',
    reject_reason: '',
    settled: o.status !== 'OPEN',
    product_type: 'SPOT',
    reject_message: '',
    cancel_message: o.status === 'CANCELLED' ? 'User requested cancel' : '',
    order_placement_source: 'RETAIL_ADVANCED',
    outstanding_hold_amount: usd(o.hold),
    is_liquidation: false,
    last_fill_time: o.lastFillAt ? iso(o.lastFillAt) : null,
    retail_portfolio_id: account.id,
  });

  const fillJson = (f: CbFill, account: CbAccount) => ({
    entry_id: f.entryId,
    trade_id: f.tradeId,
    order_id: f.orderId,
    trade_time: iso(f.at),
    trade_type: 'FILL',
    price: price(f.price),
    size: base(f.size),
    commission: usd(f.commission),
    product_id: f.productId,
    sequence_timestamp: iso(f.at),
    liquidity_indicator: f.liquidity,
    size_in_quote: false,
    user_id: account.id,
    side: f.side,
    retail_portfolio_id: account.id,
  });

  const pageParams = (req: VenueRequest, fallback: number) => {
    const size = Number(req.query.get('limit') ?? fallback);
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      throw new VenueHttpError(coinbaseError(400, 'invalid_argument', 'limit must be an integer in 1..1000'));
    const offset = decodeCursor(req.query.get('cursor'));
    if (offset === undefined) throw new VenueHttpError(coinbaseError(400, 'invalid_argument', 'cursor is not valid'));
    return { size, offset };
  };

  const placeOrder = (req: VenueRequest): VenueResponse => {
    const account = member(req, true);
    const body = createOrderSchema.parse(
      jsonBody(req, () => coinbaseError(400, 'invalid_argument', 'body is not JSON')),
    );
    const def = exchange.byId.get(body.product_id);
    if (!def)
      return { status: 200, body: orderFailure('INVALID_PRODUCT_ID', `product ${body.product_id} is not tradable`) };
    const [kind, config] = Object.entries(body.order_configuration).find(([, v]) => v !== undefined) as [
      CbOrderKind,
      Record<string, string | boolean | undefined>,
    ];
    const units = (text: string | boolean | undefined, scale: number, reason: string) => {
      if (typeof text !== 'string') return undefined;
      try {
        const value = Number(decimalToUnits(text, scale, reason));
        if (value <= 0) throw new CoinbaseRejection('INVALID_ARGUMENT', `${reason} must be positive`);
        return value;
      } catch (err) {
        if (err instanceof MoneyFormatError)
          throw new CoinbaseRejection(reason, `${text} has more precision than the product allows`);
        throw err;
      }
    };
    const partial = req.faults.find((f) => f.kind === 'partial-fill');
    const { order } = exchange.placeOrder(account.id, {
      clientOrderId: body.client_order_id,
      productId: def.productId,
      side: body.side,
      kind,
      configuration: body.order_configuration,
      baseSize: units(config.base_size, 8, 'INVALID_SIZE_PRECISION'),
      quoteSize: units(config.quote_size, 8, 'INVALID_SIZE_PRECISION'),
      limitPrice: units(config.limit_price, 2, 'INVALID_PRICE_PRECISION'),
      postOnly: config.post_only === true,
      maxFillFractionBp: partial ? Number(decimalToUnits(partial.fillFraction ?? '0.5', 4, 'fillFraction')) : undefined,
    });
    return {
      status: 200,
      body: {
        success: true,
        order_id: order.orderId,
        success_response: {
          order_id: order.orderId,
          product_id: order.productId,
          side: order.side,
          client_order_id: order.clientOrderId,
        },
        order_configuration: order.configuration,
      },
    };
  };

  const api = new Router()
    .add('GET', p('/time'), () => {
      const now = Date.now();
      return {
        status: 200,
        body: { iso: iso(now), epochSeconds: String(Math.floor(now / 1000)), epochMillis: String(now) },
      };
    })
    .add('GET', p('/market/products'), (req) => (publicRead(), listProducts(req)))
    .add(
      'GET',
      p('/market/products/:id'),
      (req) => (publicRead(), { status: 200, body: productJson(product(req.params.id!)) }),
    )
    .add('GET', p('/market/products/:id/candles'), (req) => (publicRead(), candles(req)))
    .add('GET', p('/market/product_book'), (req) => (publicRead(), productBook(req)))
    .add('GET', p('/products'), (req) => (member(req, false), listProducts(req)))
    .add(
      'GET',
      p('/products/:id'),
      (req) => (member(req, false), { status: 200, body: productJson(product(req.params.id!)) }),
    )
    .add('GET', p('/products/:id/candles'), (req) => (member(req, false), candles(req)))
    .add('GET', p('/product_book'), (req) => (member(req, false), productBook(req)))
    .add('GET', p('/best_bid_ask'), (req) => {
      member(req, false);
      const ids = req.query.getAll('product_ids');
      const wanted = ids.length > 0 ? ids.map((id) => product(id)) : exchange.products;
      return { status: 200, body: { pricebooks: wanted.map((d) => bookJson(d.productId, 1)) } };
    })
    .add('GET', p('/accounts'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 49);
      const { page, next } = pageOf(walletJson(account), offset, size);
      return { status: 200, body: { accounts: page, has_next: next !== '', cursor: next, size: page.length } };
    })
    .add('GET', p('/accounts/:uuid'), (req) => {
      const wallet = walletJson(member(req, false)).find((w) => w.uuid === req.params.uuid);
      if (!wallet) throw new VenueHttpError(coinbaseError(404, 'not_found', 'account not found'));
      return { status: 200, body: { account: wallet } };
    })
    .add('GET', p('/key_permissions'), (req) => {
      const account = member(req, false);
      const key = keys.get(req.keyId!)!;
      return {
        status: 200,
        body: {
          can_view: true,
          can_trade: key.permission === 'trade',
          can_transfer: false,
          portfolio_uuid: account.id,
          portfolio_type: 'DEFAULT',
        },
      };
    })
    .add('GET', p('/portfolios'), (req) => {
      const account = member(req, false);
      return {
        status: 200,
        body: { portfolios: [{ name: 'Default', uuid: account.id, type: 'DEFAULT', deleted: false }] },
      };
    })
    .add('POST', p('/orders'), placeOrder)
    .add('POST', p('/orders/batch_cancel'), (req) => {
      const account = member(req, true);
      const { order_ids } = cancelSchema.parse(
        jsonBody(req, () => coinbaseError(400, 'invalid_argument', 'body is not JSON')),
      );
      const results = order_ids.map((id) =>
        exchange.cancelOrder(account.id, id)
          ? { success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: id }
          : {
              success: false,
              failure_reason: account.orders[id] ? 'UNKNOWN_CANCEL_ORDER' : 'INVALID_CANCEL_REQUEST',
              order_id: id,
            },
      );
      return { status: 200, body: { results } };
    })
    .add('GET', p('/orders/historical/batch'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 100);
      const products = req.query.getAll('product_ids');
      const statuses = req.query.getAll('order_status');
      const ids = req.query.getAll('order_ids');
      const all = Object.values(account.orders)
        .filter(
          (o) =>
            (products.length === 0 || products.includes(o.productId)) &&
            (statuses.length === 0 || statuses.includes(o.status)) &&
            (ids.length === 0 || ids.includes(o.orderId)),
        )
        .sort((a, b) => b.createdAt - a.createdAt);
      const { page, next } = pageOf(all, offset, size);
      return {
        status: 200,
        body: { orders: page.map((o) => orderJson(o, account)), sequence: '0', has_next: next !== '', cursor: next },
      };
    })
    .add('GET', p('/orders/historical/fills'), (req) => {
      const account = member(req, false);
      const { size, offset } = pageParams(req, 100);
      const orderIds = [...req.query.getAll('order_ids'), ...req.query.getAll('order_id')];
      const products = [...req.query.getAll('product_ids'), ...req.query.getAll('product_id')];
      const all = account.fills
        .filter(
          (f) =>
            (orderIds.length === 0 || orderIds.includes(f.orderId)) &&
            (products.length === 0 || products.includes(f.productId)),
        )
        .reverse();
      const { page, next } = pageOf(all, offset, size);
      return { status: 200, body: { fills: page.map((f) => fillJson(f, account)), cursor: next } };
    })
    .add('GET', p('/orders/historical/:id'), (req) => {
      const account = member(req, false);
      const order = account.orders[req.params.id!];
      if (!order) throw new VenueHttpError(coinbaseError(404, 'not_found', 'order with this orderID was not found'));
      return { status: 200, body: { order: orderJson(order, account) } };
    });
  // Fund-moving endpoints (v3 move_funds and convert, v2 sends, deposits and withdrawals...) are refused and counted
  // by pattern by the venue server (venue-kit/fund-moving.ts).

  const server = await startVenueServer({
    name: options.name,
    host: options.host,
    api,
    control: coinbaseControl(exchange, () => state?.touch()),
    controlToken: options.controlToken,
    format: { error: coinbaseError, reject: rejectOrder, fromError: coinbaseFromError },
    clock,
    faults,
  });
  return {
    server,
    exchange,
    faults,
    clock,
    apiBaseUrl: server.baseUrl,
    async close() {
      state?.saveNow();
      await server.close();
    },
  };
}

const TIME_IN_FORCE: Record<CbOrderKind, string> = {
  market_market_ioc: 'IMMEDIATE_OR_CANCEL',
  limit_limit_gtc: 'GOOD_UNTIL_CANCELLED',
  limit_limit_fok: 'FILL_OR_KILL',
  sor_limit_ioc: 'IMMEDIATE_OR_CANCEL',
};

function coinbaseFromError(err: unknown): VenueResponse | undefined {
  // Coinbase reports refused orders with HTTP 200 and success: false.
  if (err instanceof CoinbaseRejection) return { status: 200, body: orderFailure(err.reason, err.message) };
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    return coinbaseError(400, 'invalid_argument', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return undefined;
}

const priceSchema = z.object({
  price: z.string().regex(/^\d+(\.\d{1,2})?$/, 'must be a dollar price like "61234.50"'),
});
const balanceSchema = z.object({
  currency: z.string().min(1),
  amount: z.string().regex(/^\d+(\.\d{1,8})?$/, 'must be a decimal amount'),
});

function coinbaseControl(exchange: CoinbaseExchange, changed: () => void): Router {
  const def = (id: string) => {
    const d = exchange.byId.get(id);
    if (!d) throw new VenueHttpError({ status: 404, body: { error: 'not_found', message: `product ${id} not found` } });
    return d;
  };
  return new Router()
    .add('GET', '/summary', () => ({
      status: 200,
      body: {
        products: exchange.products.map((d) => ({
          productId: d.productId,
          priceCents: exchange.priceCents(d.productId),
        })),
        now: new Date(exchange.now()).toISOString(),
      },
    }))
    .add('GET', '/products/:id', (req) => {
      const d = def(req.params.id!);
      return { status: 200, body: { ...d, priceCents: exchange.priceCents(d.productId) } };
    })
    .add('POST', '/products/:id/price', (req) => {
      const d = def(req.params.id!);
      exchange.setPrice(d.productId, Number(decimalToUnits(parseControl(priceSchema, req).price, 2, 'price')));
      changed();
      return { status: 200, body: { priceCents: exchange.priceCents(d.productId) } };
    })
    .add('POST', '/tick', () => {
      exchange.tick();
      changed();
      return { status: 200, body: { now: new Date(exchange.now()).toISOString() } };
    })
    .add('GET', '/accounts/:id', (req) => {
      const account = exchange.account(req.params.id!);
      return {
        status: 200,
        body: {
          wallets: Object.values(account.wallets).map((w) => ({
            currency: w.currency,
            balance: unitsToDecimal(BigInt(w.balance), 8),
            hold: unitsToDecimal(BigInt(w.hold), 8),
          })),
          orders: Object.values(account.orders).length,
          openOrders: Object.values(account.orders).filter((o) => o.status === 'OPEN').length,
          fills: account.fills.length,
        },
      };
    })
    .add('POST', '/accounts/:id/balance', (req) => {
      const { currency, amount } = parseControl(balanceSchema, req);
      try {
        exchange.setBalance(req.params.id!, currency, Number(decimalToUnits(amount, 8, 'amount')));
      } catch (err) {
        if (err instanceof CoinbaseRejection)
          throw new VenueHttpError({ status: 400, body: { error: err.reason, message: err.message } });
        throw err;
      }
      changed();
      return { status: 200, body: { currency, amount } };
    });
}
