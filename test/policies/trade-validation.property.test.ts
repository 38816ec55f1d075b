/**
 * validateTrade under generated trades (10,000 per invariant). An independent oracle (trade-scenario.ts) decides each
 * check from raw integers; these properties hold the policy code to it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EMPTY_EXPOSURE_BOOK } from '../../policies/exposure-book';
import { DEFAULT_LIMITS } from '../../policies/limits';
import { orderCostCents, type RecentOrder, type VenueOrder } from '../../policies/orders';
import { DEFAULT_RISK_POLICY, type RiskPolicy } from '../../policies/risk-policy';
import {
  validateTrade,
  type PortfolioSnapshot,
  type TradeEvidence,
  type TradeProposal,
} from '../../policies/trade-validation';
import { TRADING_STATUSES } from '../../policies/trading-state';
import type { CheckName } from '../../policies/verdict';
import { AT, NOW, proof } from '../support/builders';
import { scenarioArb } from '../support/trade-scenario';

const RUNS = { numRuns: 10_000 };

describe('validateTrade properties', () => {
  it('no accepted order breaks any limit', () => {
    let accepted = 0;
    let acceptedBuys = 0;
    fc.assert(
      fc.property(scenarioArb(), ({ proposal, snapshot, policy, evidence, expect }) => {
        const verdict = validateTrade(proposal, snapshot, policy, evidence);
        if (!verdict.accepted) return;
        accepted++;
        const f = expect.figures;
        // seed: circuit breakers: only risk-reducing orders unless ACTIVE; never a short (no leverage or margin)
        assert.ok(snapshot.trading.status === 'ACTIVE' || expect.intent === 'reduce');
        assert.notEqual(expect.intent, 'short');
        if (expect.intent !== 'reduce') {
          // seed: 5% daily loss and 65% total loss stop new risk
          assert.ok(f.dayBaseline - f.equity <= 0 || (f.dayBaseline - f.equity) * 10_000 < f.dayBaseline * f.dailyBp);
          assert.ok(f.starting - f.equity <= 0 || (f.starting - f.equity) * 10_000 < f.starting * f.totalBp);
        }
        if (expect.intent === 'buy') {
          acceptedBuys++;
          const cost = expect.costCents;
          // seed: 5% per position, $50 per live position, both counting what the market already holds or reserves
          assert.ok((f.marketExposure + cost) * 10_000 <= f.equity * f.positionBp);
          if (f.liveCapCents !== undefined) assert.ok(f.marketExposure + cost <= f.liveCapCents);
          // seed: 10% exposure across fills and reservations
          assert.ok((f.totalExposure + cost) * 10_000 <= f.equity * f.exposureBp);
          // seed: no leverage or margin
          assert.ok(cost <= f.cash - f.reserved);
        }
      }),
      RUNS,
    );
    assert.ok(
      accepted > 2_000 && acceptedBuys > 500,
      `enough accepted orders to mean something (${accepted}, buys ${acceptedBuys})`,
    );
  });

  it('a verdict names exactly the checks that fail, and costs the order as the oracle does', () => {
    let refusedForSeveral = 0;
    fc.assert(
      fc.property(scenarioArb(), ({ proposal, snapshot, policy, evidence, expect }) => {
        const verdict = validateTrade(proposal, snapshot, policy, evidence);
        const named = verdict.failures.map((f) => f.check);
        assert.deepEqual(new Set(named), expect.failing, `named ${named.join(', ')}`);
        assert.equal(named.length, new Set(named).size, 'each check named once');
        assert.ok(
          verdict.failures.every((f) => f.reason.length > 10),
          'every failure has a reason',
        );
        assert.equal(verdict.accepted, expect.failing.size === 0);
        assert.equal(verdict.intent, expect.intent);
        assert.equal(verdict.costCents, expect.costCents);
        if (expect.failing.size >= 3) refusedForSeveral++;
      }),
      RUNS,
    );
    assert.ok(refusedForSeveral > 1_000, `many verdicts with several failures (${refusedForSeveral})`);
  });

  it('HALTED, SHUTDOWN (and PAUSED, REDUCING) accept only risk-reducing orders', () => {
    let acceptedReductions = 0;
    const stopped = fc.tuple(scenarioArb(), fc.constantFrom(...TRADING_STATUSES.filter((s) => s !== 'ACTIVE')));
    fc.assert(
      fc.property(stopped, ([{ proposal, snapshot, policy, evidence }, status]) => {
        const verdict = validateTrade(
          proposal,
          { ...snapshot, trading: { ...snapshot.trading, status } },
          policy,
          evidence,
        );
        if (!verdict.accepted) {
          if (verdict.intent !== 'reduce') assert.ok(verdict.failures.some((f) => f.check === 'trading-state'));
          return;
        }
        acceptedReductions++;
        assert.equal(verdict.intent, 'reduce');
        assert.equal(verdict.costCents, 0);
      }),
      RUNS,
    );
    assert.ok(acceptedReductions > 1_000, `risk-reducing orders do get through (${acceptedReductions})`);
  });

  it('a proposal that breaks k checks at once is refused naming all k, and only them', () => {
    fc.assert(
      fc.property(validTradeArb(), fc.subarray(BREAKABLE), fc.nat(), (valid, broken, n) => {
        const trade = structuredClone(valid);
        for (const check of broken) BREAK[check](trade, n);
        const verdict = validateTrade(trade.proposal, trade.snapshot, trade.policy, trade.evidence);
        const named = verdict.failures.map((f) => f.check);
        assert.deepEqual(
          [...named].sort(),
          [...broken].sort(),
          `broke ${broken.join(', ')}; named ${named.join(', ')}`,
        );
        assert.equal(verdict.accepted, broken.length === 0);
      }),
      RUNS,
    );
  });
});

interface Trade {
  proposal: TradeProposal;
  snapshot: PortfolioSnapshot;
  policy: RiskPolicy;
  evidence: TradeEvidence;
}

/** A live buy well inside every limit: at most $50, on an account of at least 20 times its cost. */
function validTradeArb(): fc.Arbitrary<Trade> {
  const kalshi = fc
    .record({
      hundredths: fc.integer({ min: 1, max: 2_000 }),
      bp: fc.integer({ min: 100, max: 9_900 }),
      side: fc.constantFrom('yes' as const, 'no' as const),
    })
    .map(({ hundredths, bp, side }): VenueOrder => ({
      venue: 'kalshi',
      market: 'KXBTCD-A',
      action: 'buy',
      side,
      count: (hundredths / 100).toFixed(2),
      price: (bp / 10_000).toFixed(4),
    }));
  const coinbase = fc
    .record({
      priceCents: fc.integer({ min: 1_000, max: 10_000_000 }),
      targetCents: fc.integer({ min: 100, max: 4_000 }),
    })
    .map(({ priceCents, targetCents }): VenueOrder => ({
      venue: 'coinbase',
      market: 'BTC-USD',
      side: 'BUY',
      baseSize: (Math.max(1, Math.floor((targetCents * 1e8) / priceCents)) / 1e8).toFixed(8),
      price: (priceCents / 100).toFixed(2),
    }));
  return fc
    .record({
      order: fc.oneof(kalshi, coinbase),
      extra: fc.integer({ min: 0, max: 1_000_000 }),
      probability: fc.integer({ min: 800, max: 1_000 }),
    })
    .map(({ order, extra, probability }) => {
      const equity = Math.max(20 * orderCostCents(order), 100_000) + extra;
      const old: RecentOrder[] = [1, 2, 3].map((i) => ({
        clientOrderId: `old-${i}`,
        order: { ...order, market: `OLD-${i}` },
        placedAt: NOW - i * 86_400_000,
      }));
      return {
        proposal: {
          clientOrderId: 'live-trade/momentum/x/1',
          strategyId: 'momentum',
          strategyVersion: 'v-abc123',
          order,
          probability: probability / 1_000,
        },
        snapshot: {
          domain: 'live',
          trading: {
            status: 'ACTIVE',
            reconciling: false,
            day: '2026-02-12',
            startingValueCents: equity,
            dayBaselineCents: equity,
            equityCents: equity,
            since: AT,
          },
          cashCents: equity,
          positions: [],
          exposure: EMPTY_EXPOSURE_BOOK,
          recentOrders: old,
        },
        policy: {
          ...DEFAULT_RISK_POLICY,
          limits: { ...DEFAULT_LIMITS },
          approvedMarkets: [
            { venue: 'kalshi', series: 'KXBTCD' },
            { venue: 'coinbase', market: 'BTC-USD' },
          ],
        },
        evidence: { proof: proof(), referencePrice: order.price, now: NOW },
      };
    });
}

/** One way to break each check, touching nothing another check reads. */
const BREAK: Record<Exclude<CheckName, 'order-form' | 'no-short'>, (t: Trade, n: number) => void> = {
  'trading-state': (t, n) => {
    t.snapshot.trading.status = (['REDUCING', 'PAUSED', 'HALTED', 'SHUTDOWN'] as const)[n % 4]!;
  },
  'daily-loss': (t, n) => {
    t.snapshot.trading.dayBaselineCents = Math.ceil((t.snapshot.trading.equityCents * 100) / 95) + (n % 100);
  },
  'total-loss': (t, n) => {
    t.snapshot.trading.startingValueCents = Math.ceil((t.snapshot.trading.equityCents * 100) / 35) + (n % 100);
  },
  'approved-market': (t, n) => {
    t.policy.approvedMarkets =
      n % 2
        ? []
        : [
            { venue: 'kalshi', series: 'KXBTC' },
            { venue: 'coinbase', market: 'BTC-USDC' },
          ];
  },
  probability: (t, n) => {
    t.proposal.probability = (500 + (n % 300)) / 1_000;
    if (n % 2) t.proposal.probabilityApproval = { clientOrderId: 'another-order', by: 'alice', reason: 'ok', at: AT };
  },
  'backtest-proof': (t, n) => {
    const broken = [
      undefined,
      proof({ strategyVersion: 'v-old' }),
      proof({ trades: 99 }),
      proof({ maxDrawdown: 0.25 }),
      proof({ expectancyCents: 0 }),
      proof({ source: 'backtest' }),
    ];
    t.evidence.proof = broken[n % broken.length];
  },
  'price-collar': (t, n) => {
    const { order } = t.proposal;
    if (n % 5 === 0) t.evidence.referencePrice = undefined;
    else if (order.venue === 'coinbase') t.evidence.referencePrice = (Number(order.price) * 2).toFixed(2);
    else {
      const bp = Math.round(Number(order.price) * 10_000);
      const offset = 1_001 + (n % 500);
      t.evidence.referencePrice = ((bp >= 5_000 ? bp - offset : bp + offset) / 10_000).toFixed(4);
    }
  },
  'duplicate-order': (t) => {
    t.snapshot.recentOrders = [
      ...t.snapshot.recentOrders,
      {
        clientOrderId: t.proposal.clientOrderId,
        order: { ...t.proposal.order, market: 'ELSEWHERE' },
        placedAt: NOW - 10 * 86_400_000,
      },
    ];
  },
  'order-rate': (t, n) => {
    const burst = Array.from({ length: 20 }, (_, i): RecentOrder => ({
      clientOrderId: `burst-${i}`,
      order: { ...t.proposal.order, market: `BURST-${i}` },
      placedAt: NOW - (n % 59_000),
    }));
    t.snapshot.recentOrders = [...t.snapshot.recentOrders, ...burst];
  },
  'position-limit': (t) => {
    t.policy.limits.maxPositionFraction = 0;
  },
  'live-position-cap': (t) => {
    t.policy.limits.maxPositionUsd = Math.floor((orderCostCents(t.proposal.order) - 1) / 100);
  },
  'total-exposure': (t) => {
    t.policy.limits.maxExposureFraction = 0;
  },
  'free-balance': (t, n) => {
    const cost = orderCostCents(t.proposal.order);
    t.snapshot.cashCents = Math.max(0, cost - 1 - (n % cost));
  },
};
const BREAKABLE = Object.keys(BREAK) as (keyof typeof BREAK)[];
