import { randomUUID } from 'node:crypto';
import { KALSHI_MAKER_RATE, KALSHI_TAKER_RATE, kalshiFeeCents } from '../../policies/fees';
import { unitsToDecimal } from '../../policies/money';
import type { SimClock } from '../venue-kit/clock';
import { OrderBook, type BookEntry } from '../venue-kit/order-book';
import { seedOf, seededRandom } from '../venue-kit/random';
import { beliefCentsAt, generateKalshiMarkets, type KalshiMarketDef } from './markets';

/**
 * The Kalshi matching engine: one YES book per market (bids buy YES, asks sell YES = buy NO), synthetic liquidity
 * around the consensus price, the members' own resting orders, fees by policies/fees.ts, balances and positions
 * moved by every fill, and settlement paying $1 per winning contract.
 *
 * Units: counts in hundredths of a contract, prices in whole cents of the YES book, cash in 1e-4 dollars.
 */
export type BookSide = 'bid' | 'ask';
export type TimeInForce = 'fill_or_kill' | 'good_till_canceled' | 'immediate_or_cancel';
export type OrderStatus = 'resting' | 'canceled' | 'executed';

export class KalshiRejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface KOrder {
  orderId: string;
  clientOrderId: string;
  ticker: string;
  accountId: string;
  side: BookSide;
  price: number;
  initial: number;
  filled: number;
  /** Resting remainder; zero once executed or canceled. */
  remaining: number;
  status: OrderStatus;
  timeInForce: TimeInForce;
  selfTradePrevention: string;
  takerCost: number;
  makerCost: number;
  takerFeesCents: number;
  makerFeesCents: number;
  /** Cash held for the resting remainder (1e-4 dollars). */
  reserved: number;
  createdAt: number;
  updatedAt: number;
}

export interface KFill {
  fillId: string;
  tradeId: string;
  orderId: string;
  ticker: string;
  side: BookSide;
  count: number;
  price: number;
  isTaker: boolean;
  feeCents: number;
  at: number;
}

export interface KPosition {
  ticker: string;
  /** Positive: YES contracts; negative: NO contracts (hundredths). */
  position: number;
  basis: number;
  realized: number;
  feesCents: number;
  traded: number;
  updatedAt: number;
}

export interface KSettlement {
  ticker: string;
  eventTicker: string;
  result: 'yes' | 'no';
  yesCount: number;
  yesCost: number;
  noCount: number;
  noCost: number;
  revenueCents: number;
  feesCents: number;
  at: number;
}

export interface KAccount {
  id: string;
  cash: number;
  reserved: number;
  positions: Record<string, KPosition>;
  orders: Record<string, KOrder>;
  clientOrderIds: Record<string, string>;
  fills: KFill[];
  settlements: KSettlement[];
}

interface MarketState {
  override?: number;
  settled?: { result: 'yes' | 'no'; at: number };
  lastPrice?: number;
  volume: number;
  openInterest: number;
}

export interface KalshiSnapshot {
  startMs: number;
  clockOffsetMs: number;
  accounts: KAccount[];
  markets: Record<string, MarketState>;
}

export interface PlaceOrderInput {
  ticker: string;
  side: BookSide;
  count: number;
  price: number;
  timeInForce: TimeInForce;
  clientOrderId: string;
  selfTradePrevention: string;
  postOnly: boolean;
  reduceOnly: boolean;
  /** From the 'partial-fill' fault: at most this fraction (1e-4 units) of the order fills now. */
  maxFillFractionBp?: number;
}

const LEVELS = 5;
const CENT = 100; // 1e-4 dollars per cent

export class KalshiExchange {
  readonly markets: KalshiMarketDef[];
  readonly byTicker = new Map<string, KalshiMarketDef>();
  readonly startMs: number;
  private accounts = new Map<string, KAccount>();
  private state = new Map<string, MarketState>();
  private books = new Map<string, OrderBook>();
  private dueForSettlement: KalshiMarketDef[];

  constructor(
    private readonly options: {
      seed: string;
      marketCount: number;
      clock: SimClock;
      startingBalanceCents: number;
      snapshot?: KalshiSnapshot;
    },
  ) {
    const snap = options.snapshot;
    this.startMs = snap?.startMs ?? Math.floor(options.clock.now() / 60_000) * 60_000;
    if (snap) options.clock.offsetMs = snap.clockOffsetMs;
    this.markets = generateKalshiMarkets(options.seed, options.marketCount, this.startMs);
    for (const m of this.markets) this.byTicker.set(m.ticker, m);
    for (const a of snap?.accounts ?? []) this.accounts.set(a.id, a);
    for (const [ticker, s] of Object.entries(snap?.markets ?? {})) this.state.set(ticker, s);
    this.dueForSettlement = [...this.markets].sort((a, b) => a.closeTime - b.closeTime);
    this.restoreRestingOrders();
  }

  snapshot(): KalshiSnapshot {
    return {
      startMs: this.startMs,
      clockOffsetMs: this.options.clock.offsetMs,
      accounts: [...this.accounts.values()],
      markets: Object.fromEntries(this.state),
    };
  }

  now(): number {
    return this.options.clock.now();
  }

  // ---- accounts ----

  account(id: string): KAccount {
    let account = this.accounts.get(id);
    if (!account) {
      account = {
        id,
        cash: this.options.startingBalanceCents * CENT,
        reserved: 0,
        positions: {},
        orders: {},
        clientOrderIds: {},
        fills: [],
        settlements: [],
      };
      this.accounts.set(id, account);
    }
    return account;
  }

  /** Available balance in cents (cash not held for resting orders), rounded down. */
  balanceCents(account: KAccount): number {
    return Math.floor((account.cash - account.reserved) / CENT);
  }

  portfolioValueCents(account: KAccount): number {
    let value = 0;
    for (const p of Object.values(account.positions)) {
      const mid = this.midCents(this.byTicker.get(p.ticker)!);
      value += p.position > 0 ? p.position * mid : -p.position * (100 - mid);
    }
    return Math.floor(value / CENT);
  }

  setBalance(accountId: string, cents: number): void {
    const account = this.account(accountId);
    account.cash = cents * CENT + account.reserved;
  }

  // ---- markets ----

  marketState(ticker: string): MarketState {
    let s = this.state.get(ticker);
    if (!s) this.state.set(ticker, (s = { volume: 0, openInterest: 0 }));
    return s;
  }

  status(def: KalshiMarketDef): 'active' | 'closed' | 'finalized' {
    if (this.state.get(def.ticker)?.settled) return 'finalized';
    return this.now() < def.closeTime ? 'active' : 'closed';
  }

  midCents(def: KalshiMarketDef): number {
    const s = this.state.get(def.ticker);
    if (s?.settled) return s.settled.result === 'yes' ? 100 : 0;
    return s?.override ?? beliefCentsAt(def, this.now());
  }

  /** Best bid and ask (cents) with their sizes; from the live book if one exists, else from the consensus price. */
  topOfBook(def: KalshiMarketDef): { bid?: [number, number]; ask?: [number, number] } {
    if (this.status(def) !== 'active') return {};
    const mid = this.midCents(def);
    const book = this.books.get(def.ticker);
    if (book && book.epoch === String(mid)) {
      const levels = book.levels(1);
      return { bid: levels.bids[0], ask: levels.asks[0] };
    }
    return {
      bid: mid > 1 ? [mid - 1, this.syntheticSize(def.ticker, mid, 1)] : undefined,
      ask: mid < 99 ? [mid + 1, this.syntheticSize(def.ticker, mid, 1)] : undefined,
    };
  }

  /** Aggregated book: YES bids and YES asks, best first, [priceCents, countHundredths]. */
  orderBook(ticker: string, depth = 0): { bids: [number, number][]; asks: [number, number][] } {
    const def = this.mustMarket(ticker);
    if (this.status(def) !== 'active') return { bids: [], asks: [] };
    return this.book(def).levels(depth);
  }

  setMid(ticker: string, cents: number | undefined): void {
    const def = this.mustMarket(ticker);
    this.marketState(def.ticker).override = cents;
    this.refreshBook(def);
  }

  /** Settles the market now with `result` (default: its hidden outcome). */
  resolve(ticker: string, result?: 'yes' | 'no'): void {
    const def = this.mustMarket(ticker);
    if (this.state.get(ticker)?.settled)
      throw new KalshiRejection(400, 'market_settled', `${ticker} is already settled`);
    this.settle(def, result ?? def.outcome);
  }

  /** Time passes: settle markets whose close has come, and let resting orders meet the moved price. */
  tick(): void {
    const now = this.now();
    while (this.dueForSettlement.length > 0 && this.dueForSettlement[0]!.closeTime <= now) {
      const def = this.dueForSettlement.shift()!;
      if (!this.state.get(def.ticker)?.settled) this.settle(def, def.outcome);
    }
    for (const [ticker, book] of this.books) {
      const def = this.byTicker.get(ticker)!;
      if (book.epoch !== String(this.midCents(def))) this.refreshBook(def);
    }
  }

  // ---- orders ----

  placeOrder(accountId: string, input: PlaceOrderInput): KOrder {
    const def = this.mustMarket(input.ticker);
    const account = this.account(accountId);
    if (this.status(def) !== 'active')
      throw new KalshiRejection(400, 'market_closed', `market ${def.ticker} is not open for trading`);
    if (input.clientOrderId && account.clientOrderIds[input.clientOrderId]) {
      throw new KalshiRejection(
        409,
        'order_already_exists',
        `an order with client_order_id ${input.clientOrderId} already exists`,
      );
    }
    const book = this.book(def);
    const position = account.positions[def.ticker]?.position ?? 0;
    const closable = input.side === 'bid' ? Math.max(0, -position) : Math.max(0, position);
    if (input.reduceOnly && input.count > closable)
      throw new KalshiRejection(400, 'reduce_only_violation', 'a reduce-only order may not grow the position');

    const crossing = book.crossing(bookSide(input.side), input.price, accountId);
    const available = crossing.reduce((sum, e) => sum + e.remaining, 0);
    if (input.postOnly && available > 0)
      throw new KalshiRejection(400, 'post_only_cross', 'a post-only order would cross the book');
    const fillCap =
      input.maxFillFractionBp === undefined
        ? input.count
        : Math.floor((input.count * input.maxFillFractionBp) / 10_000);
    const killed = input.timeInForce === 'fill_or_kill' && Math.min(available, fillCap) < input.count;

    const opening = Math.max(0, input.count - closable);
    const required =
      opening * costPerUnit(input.side, input.price) +
      kalshiFeeCents(fmtCount(input.count), fmtPrice(input.price)) * CENT;
    if (!killed && required > account.cash - account.reserved) {
      throw new KalshiRejection(400, 'insufficient_balance', 'insufficient balance for this order');
    }

    const now = this.now();
    const order: KOrder = {
      orderId: randomUUID(),
      clientOrderId: input.clientOrderId,
      ticker: def.ticker,
      accountId,
      side: input.side,
      price: input.price,
      initial: input.count,
      filled: 0,
      remaining: 0,
      status: 'executed',
      timeInForce: input.timeInForce,
      selfTradePrevention: input.selfTradePrevention,
      takerCost: 0,
      makerCost: 0,
      takerFeesCents: 0,
      makerFeesCents: 0,
      reserved: 0,
      createdAt: now,
      updatedAt: now,
    };
    account.orders[order.orderId] = order;
    if (input.clientOrderId) account.clientOrderIds[input.clientOrderId] = order.orderId;

    if (!killed) {
      for (const entry of crossing) {
        const q = Math.min(entry.remaining, input.count - order.filled, fillCap - order.filled);
        if (q <= 0) break;
        this.execute(def, order, account, q, entry.price, true);
        if (entry.orderId) this.fillResting(def, entry, q);
        else entry.remaining -= q;
      }
      book.prune();
    }
    const left = input.count - order.filled;
    if (left > 0 && input.timeInForce === 'good_till_canceled' && !killed) {
      order.status = 'resting';
      order.remaining = left;
      const closableLeft = Math.max(0, closable - order.filled);
      order.reserved = Math.max(0, left - closableLeft) * costPerUnit(order.side, order.price);
      account.reserved += order.reserved;
      book.add(bookSide(order.side), { orderId: order.orderId, accountId, price: order.price, remaining: left });
    } else {
      order.status = left === 0 ? 'executed' : 'canceled';
    }
    return order;
  }

  cancelOrder(accountId: string, orderId: string): { order: KOrder; reducedBy: number } {
    const account = this.account(accountId);
    const order = account.orders[orderId];
    if (!order || order.status !== 'resting')
      throw new KalshiRejection(404, 'not_found', `no resting order ${orderId}`);
    const reducedBy = order.remaining;
    this.closeResting(account, order, 'canceled');
    return { order, reducedBy };
  }

  // ---- internals ----

  private mustMarket(ticker: string): KalshiMarketDef {
    const def = this.byTicker.get(ticker);
    if (!def) throw new KalshiRejection(404, 'market_not_found', `market ${ticker} not found`);
    return def;
  }

  private book(def: KalshiMarketDef): OrderBook {
    const book = this.books.get(def.ticker);
    if (book && book.epoch === String(this.midCents(def))) return book;
    return this.refreshBook(def);
  }

  /** Fresh synthetic liquidity around the current consensus; resting member orders stay and may now fill. */
  private refreshBook(def: KalshiMarketDef): OrderBook {
    const mid = this.midCents(def);
    const bids: [number, number][] = [];
    const asks: [number, number][] = [];
    for (let k = 1; k <= LEVELS; k++) {
      if (mid - k >= 1) bids.push([mid - k, this.syntheticSize(def.ticker, mid, k)]);
      if (mid + k <= 99) asks.push([mid + k, this.syntheticSize(def.ticker, mid, -k)]);
    }
    const book = (this.books.get(def.ticker) ?? new OrderBook('')).rebuilt(String(mid), { bids, asks });
    this.books.set(def.ticker, book);
    if (this.status(def) === 'active') book.crossMembers((entry, _side, q) => this.fillResting(def, entry, q));
    return book;
  }

  private syntheticSize(ticker: string, mid: number, level: number): number {
    return seededRandom(seedOf(this.options.seed, ticker, mid, level)).int(20, 400) * 100;
  }

  /** A resting member order (book entry) trades q as maker at its own price. */
  private fillResting(def: KalshiMarketDef, entry: BookEntry, q: number): void {
    const account = this.account(entry.accountId!);
    const order = account.orders[entry.orderId!]!;
    const release = Math.min(order.reserved, q * costPerUnit(order.side, order.price));
    order.reserved -= release;
    account.reserved -= release;
    entry.remaining -= q;
    order.remaining -= q;
    this.execute(def, order, account, q, entry.price, false);
    if (order.remaining === 0) this.closeResting(account, order, 'executed');
  }

  private closeResting(account: KAccount, order: KOrder, status: OrderStatus): void {
    account.reserved -= order.reserved;
    order.reserved = 0;
    order.remaining = 0;
    order.status = status;
    order.updatedAt = this.now();
    this.books.get(order.ticker)?.remove(order.orderId);
  }

  /** One fill of `order` for q at `price`: cash, position, fees, the fill record and the market's tape. */
  private execute(
    def: KalshiMarketDef,
    order: KOrder,
    account: KAccount,
    q: number,
    price: number,
    isTaker: boolean,
  ): void {
    const pos = (account.positions[def.ticker] ??= {
      ticker: def.ticker,
      position: 0,
      basis: 0,
      realized: 0,
      feesCents: 0,
      traded: 0,
      updatedAt: 0,
    });
    const held = Math.abs(pos.position);
    const closing =
      order.side === 'bid' ? Math.min(q, Math.max(0, -pos.position)) : Math.min(q, Math.max(0, pos.position));
    const opening = q - closing;
    // Closing YES (ask) receives the YES price; closing NO (bid) receives the NO price.
    const proceeds = closing * (order.side === 'bid' ? 100 - price : price);
    const cost = opening * costPerUnit(order.side, price);
    if (closing > 0) {
      const removed = Number((BigInt(pos.basis) * BigInt(closing)) / BigInt(held));
      pos.basis -= removed;
      pos.realized += proceeds - removed;
    }
    pos.basis += cost;
    const feeCents = kalshiFeeCents(fmtCount(q), fmtPrice(price), isTaker ? KALSHI_TAKER_RATE : KALSHI_MAKER_RATE);
    account.cash += proceeds - cost - feeCents * CENT;
    pos.feesCents += feeCents;
    pos.position += order.side === 'bid' ? q : -q;
    pos.traded += q * price;
    pos.updatedAt = this.now();
    order.filled += q;
    order.updatedAt = this.now();
    if (isTaker) {
      order.takerCost += q * costPerUnit(order.side, price);
      order.takerFeesCents += feeCents;
    } else {
      order.makerCost += q * costPerUnit(order.side, price);
      order.makerFeesCents += feeCents;
    }
    account.fills.push({
      fillId: randomUUID(),
      tradeId: randomUUID(),
      orderId: order.orderId,
      ticker: def.ticker,
      side: order.side,
      count: q,
      price,
      isTaker,
      feeCents,
      at: this.now(),
    });
    const s = this.marketState(def.ticker);
    s.lastPrice = price;
    s.volume += q;
    s.openInterest += opening - closing;
  }

  private settle(def: KalshiMarketDef, result: 'yes' | 'no'): void {
    const at = this.now();
    this.marketState(def.ticker).settled = { result, at };
    for (const account of this.accounts.values()) {
      for (const order of Object.values(account.orders)) {
        if (order.ticker === def.ticker && order.status === 'resting') this.closeResting(account, order, 'canceled');
      }
      const pos = account.positions[def.ticker];
      if (!pos || pos.position === 0) continue;
      // seed/venue: a winning contract pays $1 (100 cents per contract = 1 cent per hundredth).
      const wins = (pos.position > 0 && result === 'yes') || (pos.position < 0 && result === 'no');
      const revenueCents = wins ? Math.abs(pos.position) : 0;
      account.cash += revenueCents * CENT;
      account.settlements.push({
        ticker: def.ticker,
        eventTicker: def.eventTicker,
        result,
        yesCount: Math.max(0, pos.position),
        yesCost: pos.position > 0 ? pos.basis : 0,
        noCount: Math.max(0, -pos.position),
        noCost: pos.position < 0 ? pos.basis : 0,
        revenueCents,
        feesCents: 0,
        at,
      });
      pos.realized += revenueCents * CENT - pos.basis;
      pos.basis = 0;
      pos.position = 0;
      pos.updatedAt = at;
    }
    this.books.delete(def.ticker);
  }

  private restoreRestingOrders(): void {
    for (const account of this.accounts.values()) {
      for (const order of Object.values(account.orders)) {
        if (order.status !== 'resting') continue;
        const def = this.byTicker.get(order.ticker);
        if (!def) continue;
        const book = this.books.get(def.ticker) ?? new OrderBook('restored');
        this.books.set(def.ticker, book);
        book.add(bookSide(order.side), {
          orderId: order.orderId,
          accountId: account.id,
          price: order.price,
          remaining: order.remaining,
        });
      }
    }
  }
}

/** Kalshi's YES book: a bid buys YES, an ask sells YES (buys NO). */
const bookSide = (side: BookSide) => (side === 'bid' ? 'buy' : 'sell');

/** Cash per hundredth of a contract, in 1e-4 dollars: a bid pays the YES price, an ask the NO price. */
export function costPerUnit(side: BookSide, price: number): number {
  return side === 'bid' ? price : 100 - price;
}

export const fmtCount = (hundredths: number) => unitsToDecimal(BigInt(hundredths), 2);
// A candlestick answer writes tens of thousands of prices: the hundred a price can be are written once.
const PRICE_TEXTS = Array.from({ length: 101 }, (_, cents) => unitsToDecimal(BigInt(cents) * 100n, 4));
export const fmtPrice = (cents: number) => PRICE_TEXTS[cents] ?? unitsToDecimal(BigInt(cents) * 100n, 4);
/** 1e-4 dollars as a dollar string with four places. */
export const fmtDollars4 = (units: number) => unitsToDecimal(BigInt(units), 4);
