import { randomUUID } from 'node:crypto';
import { COINBASE_MAKER_RATE, COINBASE_TAKER_RATE, coinbaseFeeCents } from '../../policies/fees';
import type { SimClock } from '../venue-kit/clock';
import { OrderBook, type BookEntry, type BookSide } from '../venue-kit/order-book';
import { seedOf, seededRandom } from '../venue-kit/random';
import { HISTORY_MS, PricePath, generateCoinbaseProducts, type CoinbaseProductDef } from './products';

/**
 * The Coinbase spot matching engine: a book per product with synthetic liquidity around the jump-diffusion price,
 * members' resting orders, market / limit GTC / FOK / IOC orders with partial fills, holds for resting orders, the
 * taker and maker fees of policies/fees.ts, and wallets moved by every fill.
 *
 * Units: base sizes in 1e-8 of the base currency, prices in whole cents, USD in 1e-8 dollars.
 */
export type CbSide = 'BUY' | 'SELL';
export type CbOrderKind = 'market_market_ioc' | 'limit_limit_gtc' | 'limit_limit_fok' | 'sor_limit_ioc';
export type CbStatus = 'OPEN' | 'FILLED' | 'CANCELLED' | 'EXPIRED' | 'FAILED';

/** A refusal Coinbase reports as `{success: false, error_response: {error: reason, ...}}`. */
export class CoinbaseRejection extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Wallet {
  uuid: string;
  currency: string;
  balance: number;
  hold: number;
}

/** What an order asks for, as placed and as kept. */
interface CbOrderTerms {
  clientOrderId: string;
  productId: string;
  side: CbSide;
  kind: CbOrderKind;
  configuration: unknown;
  baseSize?: number;
  quoteSize?: number;
  limitPrice?: number;
}

export interface CbOrder extends CbOrderTerms {
  orderId: string;
  status: CbStatus;
  filledSize: number;
  filledValue: number;
  fees: number;
  /** Resting remainder (base units); zero unless OPEN. */
  remaining: number;
  hold: number;
  numberOfFills: number;
  createdAt: number;
  updatedAt: number;
  lastFillAt?: number;
}

export interface CbFill {
  entryId: string;
  tradeId: string;
  orderId: string;
  productId: string;
  side: CbSide;
  price: number;
  size: number;
  commission: number;
  liquidity: 'MAKER' | 'TAKER';
  at: number;
}

export interface CbAccount {
  id: string;
  wallets: Record<string, Wallet>;
  orders: Record<string, CbOrder>;
  clientOrderIds: Record<string, string>;
  fills: CbFill[];
}

export interface CoinbaseSnapshot {
  startMs: number;
  clockOffsetMs: number;
  accounts: CbAccount[];
  overrides: Record<string, { factor: number; fromMs: number }>;
}

export interface CbOrderInput extends CbOrderTerms {
  postOnly: boolean;
  /** From the 'partial-fill' fault: at most this fraction (1e-4 units) of the order fills now. */
  maxFillFractionBp?: number;
}

const LEVELS = 10;
/** How long a price set through the control API stays put before the product's path moves on from it. */
const SET_PRICE_HOLD_MS = 120_000;
const USD_PER_CENT = 1_000_000; // 1e-8 dollar units in a cent

export class CoinbaseExchange {
  readonly products: CoinbaseProductDef[];
  readonly byId = new Map<string, CoinbaseProductDef>();
  readonly startMs: number;
  private paths = new Map<string, PricePath>();
  private accounts = new Map<string, CbAccount>();
  private books = new Map<string, OrderBook>();
  private overrides: Record<string, { factor: number; fromMs: number }>;

  constructor(
    private readonly options: { seed: string; clock: SimClock; startingUsdCents: number; snapshot?: CoinbaseSnapshot },
  ) {
    const snap = options.snapshot;
    this.startMs = snap?.startMs ?? Math.floor(options.clock.now() / 60_000) * 60_000;
    if (snap) options.clock.offsetMs = snap.clockOffsetMs;
    this.products = generateCoinbaseProducts(options.seed);
    for (const p of this.products) {
      this.byId.set(p.productId, p);
      this.paths.set(p.productId, new PricePath(p, options.seed, this.startMs - HISTORY_MS));
    }
    this.overrides = { ...snap?.overrides };
    for (const a of snap?.accounts ?? []) this.accounts.set(a.id, a);
    for (const account of this.accounts.values()) {
      for (const o of Object.values(account.orders)) {
        if (o.status !== 'OPEN') continue;
        const book = this.books.get(o.productId) ?? new OrderBook('restored');
        this.books.set(o.productId, book);
        book.add(bookSide(o.side), {
          orderId: o.orderId,
          accountId: account.id,
          price: o.limitPrice!,
          remaining: o.remaining,
        });
      }
    }
  }

  snapshot(): CoinbaseSnapshot {
    return {
      startMs: this.startMs,
      clockOffsetMs: this.options.clock.offsetMs,
      accounts: [...this.accounts.values()],
      overrides: this.overrides,
    };
  }

  now(): number {
    return this.options.clock.now();
  }

  // ---- prices ----

  /** Price in cents at simulated time t (default now), with any control override applied. */
  priceCents(productId: string, t = this.now()): number {
    const path = this.paths.get(productId)!;
    const o = this.overrides[productId];
    if (!o || t < o.fromMs) return path.centsAt(t);
    // A price set by the control API holds for SET_PRICE_HOLD_MS, then its path moves on from there: a test that sets a
    // price reads it back and trades on it, and the path's next minute must not land in between.
    const at = t < o.fromMs + SET_PRICE_HOLD_MS ? o.fromMs : t;
    return Math.max(1, Math.round(path.centsAt(at) * o.factor));
  }

  /** Moves the product's price to `cents` from now on: it holds for two minutes, then the path continues from there. */
  setPrice(productId: string, cents: number): void {
    const now = this.now();
    delete this.overrides[productId];
    this.overrides[productId] = { factor: cents / this.paths.get(productId)!.centsAt(now), fromMs: now };
    this.refreshBook(productId);
  }

  orderBook(productId: string, depth = 0): { bids: [number, number][]; asks: [number, number][] } {
    return this.book(productId).levels(depth);
  }

  tick(): void {
    for (const productId of this.books.keys()) {
      if (this.books.get(productId)!.epoch !== this.epoch(productId)) this.refreshBook(productId);
    }
  }

  // ---- accounts ----

  account(id: string): CbAccount {
    let account = this.accounts.get(id);
    if (!account) {
      account = { id, wallets: {}, orders: {}, clientOrderIds: {}, fills: [] };
      for (const currency of ['USD', ...this.products.map((p) => p.base)])
        account.wallets[currency] = { uuid: randomUUID(), currency, balance: 0, hold: 0 };
      account.wallets.USD!.balance = this.options.startingUsdCents * USD_PER_CENT;
      this.accounts.set(id, account);
    }
    return account;
  }

  setBalance(accountId: string, currency: string, units: number): void {
    const wallet = this.account(accountId).wallets[currency];
    if (!wallet) throw new CoinbaseRejection('INVALID_ARGUMENT', `no ${currency} wallet`);
    wallet.balance = units + wallet.hold;
  }

  // ---- orders ----

  placeOrder(accountId: string, input: CbOrderInput): { order: CbOrder; duplicate: boolean } {
    const account = this.account(accountId);
    const existing = input.clientOrderId ? account.clientOrderIds[input.clientOrderId] : undefined;
    // Coinbase does not create an order twice for one client_order_id: it answers with the existing order.
    if (existing) return { order: account.orders[existing]!, duplicate: true };
    const product = this.byId.get(input.productId)!;
    const book = this.book(product.productId);
    const side = bookSide(input.side);
    const limit = input.limitPrice ?? (input.side === 'BUY' ? Number.MAX_SAFE_INTEGER : 0);
    const crossing = book.crossing(side, limit, accountId);
    if (input.postOnly && crossing.length > 0)
      throw new CoinbaseRejection('INVALID_LIMIT_PRICE_POST_ONLY', 'a post-only order would cross the book');

    const plan = this.plan(crossing, input);
    const planned = plan.reduce((sum, p) => sum + p.quantity, 0);
    const killed = input.kind === 'limit_limit_fok' && planned < input.baseSize!;
    const resting = input.kind === 'limit_limit_gtc' ? input.baseSize! - planned : 0;
    const base = account.wallets[product.base]!;
    const usd = account.wallets.USD!;
    if (!killed) {
      if (input.side === 'BUY') {
        const cost =
          plan.reduce((sum, p) => sum + fillCost('BUY', p.entry.price, p.quantity, COINBASE_TAKER_RATE), 0) +
          buyHold(input.limitPrice ?? 0, resting);
        if (cost > usd.balance - usd.hold)
          throw new CoinbaseRejection('INSUFFICIENT_FUND', 'Insufficient balance in source account');
      } else if ((input.baseSize ?? planned) > base.balance - base.hold) {
        throw new CoinbaseRejection('INSUFFICIENT_FUND', 'Insufficient balance in source account');
      }
    }

    const now = this.now();
    const order: CbOrder = {
      orderId: randomUUID(),
      clientOrderId: input.clientOrderId,
      productId: product.productId,
      side: input.side,
      kind: input.kind,
      configuration: input.configuration,
      baseSize: input.baseSize,
      quoteSize: input.quoteSize,
      limitPrice: input.limitPrice,
      status: 'FILLED',
      filledSize: 0,
      filledValue: 0,
      fees: 0,
      remaining: 0,
      hold: 0,
      numberOfFills: 0,
      createdAt: now,
      updatedAt: now,
    };
    account.orders[order.orderId] = order;
    if (input.clientOrderId) account.clientOrderIds[input.clientOrderId] = order.orderId;
    if (killed) {
      order.status = 'CANCELLED';
      return { order, duplicate: false };
    }
    for (const { entry, quantity } of plan) {
      this.execute(account, order, entry.price, quantity, true);
      if (entry.orderId) this.fillResting(entry, quantity);
      else entry.remaining -= quantity;
    }
    book.prune();
    if (resting > 0) {
      order.status = 'OPEN';
      order.remaining = resting;
      order.hold = input.side === 'BUY' ? buyHold(input.limitPrice!, resting) : resting;
      (input.side === 'BUY' ? usd : base).hold += order.hold;
      book.add(side, { orderId: order.orderId, accountId, price: input.limitPrice!, remaining: resting });
    } else {
      const complete =
        input.baseSize === undefined
          ? order.filledSize > 0 && input.maxFillFractionBp === undefined
          : order.filledSize === input.baseSize;
      order.status = complete ? 'FILLED' : 'CANCELLED';
    }
    return { order, duplicate: false };
  }

  /** Cancels an open order; false when it is not open (Coinbase reports that per order, not as an HTTP error). */
  cancelOrder(accountId: string, orderId: string): boolean {
    const account = this.account(accountId);
    const order = account.orders[orderId];
    if (!order || order.status !== 'OPEN') return false;
    this.closeResting(account, order, 'CANCELLED');
    return true;
  }

  // ---- internals ----

  /** Which resting entries an order takes and how much of each, within its size, budget and any fill cap. */
  private plan(crossing: BookEntry[], input: CbOrderInput): { entry: BookEntry; quantity: number }[] {
    const plan: { entry: BookEntry; quantity: number }[] = [];
    const cap = (whole: number) =>
      input.maxFillFractionBp === undefined ? whole : Math.floor((whole * input.maxFillFractionBp) / 10_000);
    if (input.baseSize !== undefined) {
      let left = cap(input.baseSize);
      for (const entry of crossing) {
        const quantity = Math.min(entry.remaining, left);
        if (quantity <= 0) break;
        plan.push({ entry, quantity });
        left -= quantity;
      }
      return plan;
    }
    // A market buy by quote size spends at most the quote including the taker fee (two cents kept for the fee's
    // rounding up to the cent).
    const spendable = Math.max(0, input.quoteSize! - 2 * USD_PER_CENT);
    let budget = cap(Math.floor((spendable * 1_000_000) / (1_000_000 + Math.round(COINBASE_TAKER_RATE * 1_000_000))));
    for (const entry of crossing) {
      const affordable = Math.floor((budget * 100) / entry.price);
      const quantity = Math.min(entry.remaining, affordable);
      if (quantity <= 0) break;
      plan.push({ entry, quantity });
      budget -= notional('BUY', entry.price, quantity);
    }
    return plan;
  }

  private execute(account: CbAccount, order: CbOrder, price: number, quantity: number, isTaker: boolean): void {
    const product = this.byId.get(order.productId)!;
    const value = notional(order.side, price, quantity);
    const fee = feeUsd(value, isTaker ? COINBASE_TAKER_RATE : COINBASE_MAKER_RATE);
    const usd = account.wallets.USD!;
    const base = account.wallets[product.base]!;
    if (order.side === 'BUY') {
      usd.balance -= value + fee;
      base.balance += quantity;
    } else {
      base.balance -= quantity;
      usd.balance += value - fee;
    }
    const now = this.now();
    order.filledSize += quantity;
    order.filledValue += value;
    order.fees += fee;
    order.numberOfFills += 1;
    order.updatedAt = now;
    order.lastFillAt = now;
    account.fills.push({
      entryId: randomUUID(),
      tradeId: randomUUID(),
      orderId: order.orderId,
      productId: order.productId,
      side: order.side,
      price,
      size: quantity,
      commission: fee,
      liquidity: isTaker ? 'TAKER' : 'MAKER',
      at: now,
    });
  }

  /** A member's resting order trades `quantity` as maker at its own price; its hold shrinks with it. */
  private fillResting(entry: BookEntry, quantity: number): void {
    const account = this.account(entry.accountId!);
    const order = account.orders[entry.orderId!]!;
    const wallet = order.side === 'BUY' ? account.wallets.USD! : account.wallets[this.byId.get(order.productId)!.base]!;
    entry.remaining -= quantity;
    order.remaining -= quantity;
    const hold = order.side === 'BUY' ? buyHold(order.limitPrice!, order.remaining) : order.remaining;
    wallet.hold -= order.hold - hold;
    order.hold = hold;
    this.execute(account, order, order.limitPrice!, quantity, false);
    if (order.remaining === 0) this.closeResting(account, order, 'FILLED');
  }

  private closeResting(account: CbAccount, order: CbOrder, status: CbStatus): void {
    const wallet = order.side === 'BUY' ? account.wallets.USD! : account.wallets[this.byId.get(order.productId)!.base]!;
    wallet.hold -= order.hold;
    order.hold = 0;
    order.remaining = 0;
    order.status = status;
    order.updatedAt = this.now();
    this.books.get(order.productId)?.remove(order.orderId);
  }

  private epoch(productId: string): string {
    return `${this.paths.get(productId)!.minuteOf(this.now())}:${this.priceCents(productId)}`;
  }

  private book(productId: string): OrderBook {
    const book = this.books.get(productId);
    return book && book.epoch === this.epoch(productId) ? book : this.refreshBook(productId);
  }

  private refreshBook(productId: string): OrderBook {
    const price = this.priceCents(productId);
    const epoch = this.epoch(productId);
    const step = Math.max(1, Math.round(price * 0.0004));
    const bids: [number, number][] = [];
    const asks: [number, number][] = [];
    for (let k = 1; k <= LEVELS; k++) {
      const size = (side: number) => {
        const dollars = seededRandom(seedOf(this.options.seed, productId, epoch, side * k)).int(1_000, 20_000);
        return Math.floor((dollars * 1e10) / price);
      };
      if (price - k * step >= 1) bids.push([price - k * step, size(1)]);
      asks.push([price + k * step, size(-1)]);
    }
    const book = (this.books.get(productId) ?? new OrderBook('')).rebuilt(epoch, { bids, asks });
    this.books.set(productId, book);
    book.crossMembers((entry, _side, quantity) => this.fillResting(entry, quantity));
    return book;
  }
}

const bookSide = (side: CbSide): BookSide => (side === 'BUY' ? 'buy' : 'sell');

/** price (cents) x size (1e-8 base) in 1e-8 dollars: a buyer's cost is rounded up, a seller's proceeds down. */
export function notional(side: CbSide, price: number, size: number): number {
  const product = BigInt(price) * BigInt(size);
  return Number(side === 'BUY' ? (product + 99n) / 100n : product / 100n);
}

function feeUsd(value: number, rate: number): number {
  return coinbaseFeeCents(Math.ceil(value / USD_PER_CENT), rate) * USD_PER_CENT;
}

function fillCost(side: CbSide, price: number, size: number, rate: number): number {
  const value = notional(side, price, size);
  return value + feeUsd(value, rate);
}

/** USD held for a resting buy: its notional at the limit plus the taker fee (the worst it can cost). */
function buyHold(limitPrice: number, size: number): number {
  return size > 0 ? fillCost('BUY', limitPrice, size, COINBASE_TAKER_RATE) : 0;
}
