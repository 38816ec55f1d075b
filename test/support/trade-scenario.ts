/**
 * Generated trade scenarios for the validateTrade properties, and an oracle that decides every check again from the
 * generator's raw integers (basis points, hundredths of contracts, satoshi-like units) with exact integer arithmetic,
 * independently of the policy code. Values are drawn around each limit's edge (one unit under, on, one over) so a
 * `<` written for a `<=` is caught.
 */
import fc from 'fast-check';
import type { ApprovedMarket } from '../../policies/approved-markets';
import type { ExposureBook, Reservation } from '../../policies/exposure-book';
import type { TradingDomain } from '../../policies/limits';
import type { Position, RecentOrder, VenueOrder } from '../../policies/orders';
import type { ProofSummary } from '../../policies/proof';
import type { RiskPolicy } from '../../policies/risk-policy';
import type { PortfolioSnapshot, TradeEvidence, TradeProposal } from '../../policies/trade-validation';
import { TRADING_STATUSES, type TradingStatus } from '../../policies/trading-state';
import type { CheckName } from '../../policies/verdict';
import { AT, NOW, proof as validProof } from './builders';

const STRATEGY = { strategyId: 'momentum', strategyVersion: 'v-abc123' };
const CLIENT_ORDER_ID = 'live-trade/momentum/x/1';

/** An order as raw integers: quantity in 1/100 contract (Kalshi) or 1e-8 base units; price in bp of $1 or in cents. */
interface RawOrder {
  venue: 'kalshi' | 'coinbase';
  market: string;
  sell: boolean;
  side: 'yes' | 'no';
  quantity: number;
  price: number;
}

export interface Scenario {
  proposal: TradeProposal;
  snapshot: PortfolioSnapshot;
  policy: RiskPolicy;
  evidence: TradeEvidence;
  expect: Expectation;
}

/** What the oracle computed: the exact set of failing checks and the figures the limits are judged on. */
export interface Expectation {
  failing: Set<CheckName>;
  intent: 'buy' | 'reduce' | 'short';
  costCents: number;
  /** Raw figures for the invariants, all integers. */
  figures: {
    equity: number;
    positionBp: number;
    exposureBp: number;
    liveCapCents: number | undefined;
    marketExposure: number;
    totalExposure: number;
    reserved: number;
    cash: number;
    dayBaseline: number;
    dailyBp: number;
    starting: number;
    totalBp: number;
  };
}

const near = (edge: number, spread: number) => fc.integer({ min: edge - spread, max: edge + spread });
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

function rawOrderArb(): fc.Arbitrary<RawOrder> {
  const kalshi = fc.record({
    venue: fc.constant('kalshi' as const),
    market: fc.constantFrom('KXBTCD-A', 'KXBTCD-B', 'KXETH-C'),
    sell: fc.boolean(),
    side: fc.constantFrom('yes' as const, 'no' as const),
    quantity: mostly(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 15_000 })),
    price: fc.integer({ min: 1, max: 9_999 }),
  });
  const coinbase = fc.record({
    venue: fc.constant('coinbase' as const),
    market: fc.constantFrom('BTC-USD', 'ETH-USD'),
    sell: fc.boolean(),
    side: fc.constant('yes' as const),
    quantity: mostly(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 5_000_000 })),
    price: mostly(fc.integer({ min: 100, max: 10_000_000 }), fc.integer({ min: 100, max: 10_000 })),
  });
  return fc.oneof({ weight: 3, arbitrary: kalshi }, { weight: 2, arbitrary: coinbase });
}

function toOrder(raw: RawOrder): VenueOrder {
  if (raw.venue === 'kalshi') {
    return {
      venue: 'kalshi',
      market: raw.market,
      action: raw.sell ? 'sell' : 'buy',
      side: raw.side,
      count: (raw.quantity / 100).toFixed(2),
      price: (raw.price / 10_000).toFixed(4),
    };
  }
  return {
    venue: 'coinbase',
    market: raw.market,
    side: raw.sell ? 'SELL' : 'BUY',
    baseSize: (raw.quantity / 1e8).toFixed(8),
    price: (raw.price / 100).toFixed(2),
  };
}

/** The oracle's cost: notional rounded up plus the taker fee (Kalshi 7% x C x P x (1-P), Coinbase 0.6%), rounded up. */
function oracleCost(raw: RawOrder): number {
  const q = BigInt(raw.quantity);
  const p = BigInt(raw.price);
  if (raw.venue === 'kalshi') {
    const perContract = raw.side === 'yes' ? p : 10_000n - p;
    return Number(ceilDiv(q * perContract, 10_000n) + ceilDiv(7n * q * p * (10_000n - p), 10n ** 10n));
  }
  const notional = ceilDiv(q * p, 10n ** 8n);
  return Number(notional + ceilDiv(notional * 6n, 1_000n));
}

const pick = <T>(...options: fc.Arbitrary<T>[]) => fc.oneof(...options);
/** Usually the first (a value inside the limits), sometimes the second (anything, or an edge). */
const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 8, arbitrary: usual }, { weight: 1, arbitrary: other });

export function scenarioArb(): fc.Arbitrary<Scenario> {
  return fc
    .record({
      raw: rawOrderArb(),
      domain: fc.constantFrom<TradingDomain>('live', 'paper'),
      status: mostly(fc.constant<TradingStatus>('ACTIVE'), fc.constantFrom(...TRADING_STATUSES)),
      bp: fc.record({
        position: pick(fc.constant(500), fc.integer({ min: 0, max: 500 })),
        exposure: pick(fc.constant(1_000), fc.integer({ min: 0, max: 1_000 })),
        daily: pick(fc.constant(500), fc.integer({ min: 0, max: 500 })),
        total: pick(fc.constant(6_500), fc.integer({ min: 0, max: 6_500 })),
      }),
      usd: pick(fc.constant(50), fc.integer({ min: 0, max: 50 })),
      minProbabilityPct: pick(fc.constant(80), fc.integer({ min: 80, max: 100 })),
      equity: pick(fc.constant(100_000), fc.integer({ min: 0, max: 400_000 })),
    })
    .chain((base) => {
      const cost = oracleCost(base.raw);
      const { equity } = base;
      const positionCap = Math.floor((equity * base.bp.position) / 10_000);
      const liveCap = base.domain === 'live' ? base.usd * 100 : undefined;
      const exposureCap = Math.floor((equity * base.bp.exposure) / 10_000);
      const marketRoom = Math.max(0, Math.min(positionCap, liveCap ?? Infinity) - cost);
      const dailyEdge = Math.ceil((equity * 10_000) / Math.max(1, 10_000 - base.bp.daily));
      const totalEdge = Math.ceil((equity * 10_000) / Math.max(1, 10_000 - base.bp.total));
      return fc.record({
        base: fc.constant(base),
        cost: fc.constant(cost),
        marketExposure: mostly(
          pick(fc.constant(0), fc.integer({ min: 0, max: marketRoom })),
          pick(
            near(marketRoom, 2).map((v) => Math.max(0, v)),
            fc.integer({ min: 0, max: Math.max(0, positionCap) }),
          ),
        ),
        marketReservedShare: fc.integer({ min: 0, max: 100 }),
        otherExposureSlack: mostly(
          pick(fc.constant(Number.NaN), fc.integer({ min: -exposureCap, max: 0 })),
          pick(near(0, 2), fc.integer({ min: 0, max: 2 * exposureCap + 10 })),
        ),
        otherReservedShare: fc.integer({ min: 0, max: 100 }),
        cashSlack: mostly(fc.constant(1_000_000), pick(near(0, 2), fc.integer({ min: -cost, max: cost }))),
        dayBaseline: mostly(
          fc.constant(equity),
          pick(near(dailyEdge, 2), fc.integer({ min: Math.max(0, equity - 1_000), max: dailyEdge + 50 })),
        ),
        starting: mostly(
          fc.constant(equity),
          pick(near(totalEdge, 2), fc.integer({ min: equity, max: totalEdge + 50 })),
        ),
        heldDelta: pick(fc.constant(0), near(0, 3), fc.integer({ min: -base.raw.quantity, max: base.raw.quantity })),
        heldOtherSide: fc.boolean(),
        approved: mostly(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 5 })),
        probabilityPermille: mostly(
          fc.integer({ min: 800, max: 1_000 }),
          pick(fc.integer({ min: 500, max: 1_000 }), fc.constantFrom(800, 799, 801, 1_000)),
        ),
        approval: fc.constantFrom('none', 'none', 'this', 'other', 'blank'),
        proof: fc.record({
          kind: mostly(fc.constant('ok'), fc.constantFrom('missing', 'strategy', 'version', 'backtest')),
          trades: mostly(fc.constant(150), pick(near(100, 1), near(150, 1))),
          minTrades: mostly(fc.constant(100), fc.integer({ min: 100, max: 160 })),
          drawdownBp: mostly(fc.constant(1_000), pick(near(2_000, 1), fc.integer({ min: 0, max: 3_000 }))),
          maxDrawdownBp: mostly(fc.constant(2_000), fc.integer({ min: 0, max: 2_000 })),
          expectancy: mostly(fc.constant(20), pick(near(0, 1), near(5, 1))),
          minExpectancy: mostly(fc.constant(0), fc.integer({ min: 0, max: 6 })),
        }),
        collar: fc.record({
          missing: fc.integer({ min: 0, max: 30 }).map((n) => n === 0),
          kalshiMaxCents: pick(fc.constant(10), fc.integer({ min: 0, max: 10 })),
          spotPpm: pick(fc.constant(50_000), fc.integer({ min: 0, max: 50_000 })),
          offset: mostly(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -1_500, max: 1_500 })),
          edge: mostly(fc.constant(null), fc.constantFrom(-1, 0, 1)),
        }),
        recent: fc.record({
          maxOrders: mostly(fc.constant(20), fc.integer({ min: 0, max: 20 })),
          windowMs: pick(fc.constant(60_000), fc.integer({ min: 60_000, max: 120_000 })),
          duplicateWindowMs: pick(fc.constant(30_000), fc.integer({ min: 30_000, max: 90_000 })),
          others: fc.array(fc.integer({ min: 0, max: 150_000 }), { maxLength: 24, size: 'max' }),
          sameId: mostly(fc.constant(null), fc.integer({ min: 0, max: 10 * 86_400_000 })),
          similarAge: mostly(
            fc.constant(null),
            pick(fc.integer({ min: 0, max: 100_000 }), near(30_000, 1), near(90_000, 1)),
          ),
        }),
      });
    })
    .map(build);
}

interface DrawnShape {
  base: {
    raw: RawOrder;
    domain: TradingDomain;
    status: TradingStatus;
    bp: { position: number; exposure: number; daily: number; total: number };
    usd: number;
    minProbabilityPct: number;
    equity: number;
  };
  cost: number;
  marketExposure: number;
  marketReservedShare: number;
  otherExposureSlack: number;
  otherReservedShare: number;
  cashSlack: number;
  dayBaseline: number;
  starting: number;
  heldDelta: number;
  heldOtherSide: boolean;
  approved: number;
  probabilityPermille: number;
  approval: string;
  proof: {
    kind: string;
    trades: number;
    minTrades: number;
    drawdownBp: number;
    maxDrawdownBp: number;
    expectancy: number;
    minExpectancy: number;
  };
  collar: { missing: boolean; kalshiMaxCents: number; spotPpm: number; offset: number; edge: number | null };
  recent: {
    maxOrders: number;
    windowMs: number;
    duplicateWindowMs: number;
    others: number[];
    sameId: number | null;
    similarAge: number | null;
  };
}

function build(d: DrawnShape): Scenario {
  const { base, cost } = d;
  const { raw, equity, domain } = base;
  const order = toOrder(raw);
  const key = `${raw.venue}:${raw.market}`;
  const failing = new Set<CheckName>();

  // --- exposure book: this market and the rest, each split between filled and reserved
  const exposureCap = Math.floor((equity * base.bp.exposure) / 10_000);
  const marketReserved = Math.floor((d.marketExposure * d.marketReservedShare) / 100);
  const otherExposure = Number.isNaN(d.otherExposureSlack)
    ? 0
    : Math.max(0, exposureCap - cost - d.marketExposure + d.otherExposureSlack);
  const otherReserved = Math.floor((otherExposure * d.otherReservedShare) / 100);
  const reservations: Record<string, Reservation> = {};
  const reserve = (id: string, market: string, cents: number) => {
    if (cents > 0)
      reservations[id] = {
        id,
        venue: raw.venue,
        market,
        amountCents: cents,
        reservedCents: cents,
        committedCents: 0,
        fillIds: [],
      };
  };
  reserve('r-market', raw.market, marketReserved);
  reserve('r-other', 'OTHER-MARKET', otherReserved);
  const committed: Record<string, number> = {};
  if (d.marketExposure - marketReserved > 0) committed[key] = d.marketExposure - marketReserved;
  if (otherExposure - otherReserved > 0) committed[`${raw.venue}:OTHER-COMMITTED`] = otherExposure - otherReserved;
  const exposure: ExposureBook = { committed, reservations, closed: [] };
  const reserved = marketReserved + otherReserved;
  const cash = Math.max(0, reserved + cost + d.cashSlack);

  // --- holdings: what a sell would take from
  const held = Math.max(0, raw.quantity + d.heldDelta);
  const positions: Position[] = [];
  if (held > 0) {
    positions.push(
      raw.venue === 'kalshi'
        ? { venue: 'kalshi', market: raw.market, side: raw.side, count: (held / 100).toFixed(2) }
        : { venue: 'coinbase', market: raw.market, baseSize: (held / 1e8).toFixed(8) },
    );
  }
  if (d.heldOtherSide && raw.venue === 'kalshi') {
    positions.push({ venue: 'kalshi', market: raw.market, side: raw.side === 'yes' ? 'no' : 'yes', count: '500.00' });
  }
  const intent = !raw.sell ? 'buy' : raw.quantity <= held ? 'reduce' : 'short';
  const addsRisk = intent !== 'reduce';

  // --- trading state and loss figures
  if (base.status !== 'ACTIVE' && addsRisk) failing.add('trading-state');
  const breached = (baseline: number, bp: number) =>
    baseline - equity > 0 && baseline - equity >= Math.floor((baseline * bp) / 10_000);
  if (addsRisk && breached(d.dayBaseline, base.bp.daily)) failing.add('daily-loss');
  if (addsRisk && breached(d.starting, base.bp.total)) failing.add('total-loss');

  // --- approved markets: 0 none, 1 distractors only, 2+ the market (exactly or by its Kalshi series)
  const approvedMarkets: ApprovedMarket[] = [
    { venue: raw.venue === 'kalshi' ? 'coinbase' : 'kalshi', market: raw.market },
  ];
  if (d.approved >= 1)
    approvedMarkets.push({ venue: 'kalshi', series: 'KXBTC' }, { venue: raw.venue, market: `${raw.market}-X` });
  if (d.approved >= 2) {
    approvedMarkets.push(
      raw.market.startsWith('KXBTCD-') && d.approved >= 4
        ? { venue: 'kalshi', series: 'KXBTCD' }
        : { venue: raw.venue, market: raw.market },
    );
  }
  if (addsRisk && d.approved < 2) failing.add('approved-market');

  // --- probability, and the operator's approval of this order only
  const probability = d.probabilityPermille / 1_000;
  const approval =
    d.approval === 'none'
      ? undefined
      : {
          clientOrderId: d.approval === 'other' ? 'another-order' : CLIENT_ORDER_ID,
          by: 'alice',
          reason: d.approval === 'blank' ? ' ' : 'seen the event',
          at: AT,
        };
  if (addsRisk && d.probabilityPermille < 10 * base.minProbabilityPct && d.approval !== 'this')
    failing.add('probability');

  // --- proof
  const p = d.proof;
  const proofSummary: ProofSummary | undefined =
    p.kind === 'missing'
      ? undefined
      : validProof({
          strategyId: p.kind === 'strategy' ? 'other' : STRATEGY.strategyId,
          strategyVersion: p.kind === 'version' ? 'v-old' : STRATEGY.strategyVersion,
          source: p.kind === 'backtest' ? 'backtest' : 'paper',
          trades: p.trades,
          maxDrawdown: p.drawdownBp / 10_000,
          expectancyCents: p.expectancy,
        });
  const proofOk =
    p.kind === 'ok' || (p.kind === 'backtest' && domain === 'paper')
      ? p.trades >= p.minTrades && p.drawdownBp <= p.maxDrawdownBp && p.expectancy > p.minExpectancy
      : false;
  if (addsRisk && !proofOk) failing.add('backtest-proof');

  // --- price collar: the reference is offset from the price, often by exactly the band +/- 1
  let referencePrice: string | undefined;
  if (!d.collar.missing) {
    if (raw.venue === 'kalshi') {
      const band = d.collar.kalshiMaxCents * 100;
      const offset =
        d.collar.edge === null ? d.collar.offset : Math.sign(d.collar.offset || 1) * (band + d.collar.edge);
      const reference = Math.min(10_000, Math.max(0, raw.price + offset));
      referencePrice = (reference / 10_000).toFixed(4);
      if (Math.abs(raw.price - reference) > band) failing.add('price-collar');
    } else {
      const reference = Math.max(1, raw.price + Math.trunc((raw.price * d.collar.offset) / 15_000));
      referencePrice = (reference / 100).toFixed(2);
      if (BigInt(Math.abs(raw.price - reference)) * 1_000_000n > BigInt(d.collar.spotPpm) * BigInt(reference))
        failing.add('price-collar');
    }
  } else {
    failing.add('price-collar');
  }

  // --- recent orders: others in other markets, maybe this client order id, maybe the same order again
  const r = d.recent;
  const recentOrders: RecentOrder[] = r.others.map((age, i) => ({
    clientOrderId: `o${i}`,
    order: toOrder({ ...raw, market: `${raw.market}-R${i}` }),
    placedAt: NOW - age,
  }));
  if (r.sameId !== null)
    recentOrders.push({
      clientOrderId: CLIENT_ORDER_ID,
      order: toOrder({ ...raw, market: 'ELSEWHERE' }),
      placedAt: NOW - r.sameId,
    });
  if (r.similarAge !== null)
    recentOrders.push({ clientOrderId: 'similar', order: toOrder(raw), placedAt: NOW - r.similarAge });
  if (r.sameId !== null || (r.similarAge !== null && r.similarAge < r.duplicateWindowMs))
    failing.add('duplicate-order');
  if (recentOrders.filter((o) => NOW - o.placedAt < r.windowMs).length >= r.maxOrders) failing.add('order-rate');

  // --- short sales and the exposure limits of a buy
  if (intent === 'short') failing.add('no-short');
  const liveCapCents = domain === 'live' ? base.usd * 100 : undefined;
  const totalExposure = d.marketExposure + otherExposure;
  if (intent === 'buy') {
    if (d.marketExposure + cost > Math.floor((equity * base.bp.position) / 10_000)) failing.add('position-limit');
    if (liveCapCents !== undefined && d.marketExposure + cost > liveCapCents) failing.add('live-position-cap');
    if (totalExposure + cost > exposureCap) failing.add('total-exposure');
    if (cost > cash - reserved) failing.add('free-balance');
  }

  const policy: RiskPolicy = {
    limits: {
      maxPositionFraction: base.bp.position / 10_000,
      maxPositionUsd: base.usd,
      maxExposureFraction: base.bp.exposure / 10_000,
      maxDailyLossFraction: base.bp.daily / 10_000,
      maxTotalLossFraction: base.bp.total / 10_000,
      minProbability: base.minProbabilityPct / 100,
      hotWalletMaxUsd: 1_500,
    },
    proof: { minTrades: p.minTrades, maxDrawdown: p.maxDrawdownBp / 10_000, minExpectancyCents: p.minExpectancy },
    collar: { kalshiMaxCents: d.collar.kalshiMaxCents, spotMaxFraction: d.collar.spotPpm / 1_000_000 },
    throttle: { maxOrders: r.maxOrders, windowMs: r.windowMs },
    duplicates: { windowMs: r.duplicateWindowMs },
    approvedMarkets,
  };

  return {
    proposal: {
      clientOrderId: CLIENT_ORDER_ID,
      ...STRATEGY,
      order,
      probability,
      ...(approval ? { probabilityApproval: approval } : {}),
    },
    snapshot: {
      domain,
      trading: {
        status: base.status,
        reconciling: base.status === 'REDUCING',
        day: '2026-02-12',
        startingValueCents: d.starting,
        dayBaselineCents: d.dayBaseline,
        equityCents: equity,
        since: AT,
      },
      cashCents: cash,
      positions,
      exposure,
      recentOrders,
    },
    policy,
    evidence: { proof: proofSummary, referencePrice, now: NOW },
    expect: {
      failing,
      intent,
      costCents: intent === 'buy' ? cost : 0,
      figures: {
        equity,
        positionBp: base.bp.position,
        exposureBp: base.bp.exposure,
        liveCapCents,
        marketExposure: d.marketExposure,
        totalExposure,
        reserved,
        cash,
        dayBaseline: d.dayBaseline,
        dailyBp: base.bp.daily,
        starting: d.starting,
        totalBp: base.bp.total,
      },
    },
  };
}
