/**
 * validateTrade, one rule at a time. Each test starts from a trade that passes every check (a live Kalshi buy of
 * 10 YES at $0.50 costing $5.18 on a $1,000 account) and breaks it in one way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_EXPOSURE_BOOK, reserveExposure, restateCommitted } from '../../policies/exposure-book';
import { tightenedLimits } from '../../policies/limits';
import { orderCostCents, type RecentOrder } from '../../policies/orders';
import { validateTrade, type TradeVerdict } from '../../policies/trade-validation';
import { openTradingState } from '../../policies/trading-state';
import type { CheckName } from '../../policies/verdict';
import {
  AT,
  coinbaseOrder,
  evidence,
  kalshiOrder,
  MARKET,
  NOW,
  policy,
  proof,
  proposal,
  snapshot,
} from '../support/builders';

function failed(verdict: TradeVerdict): CheckName[] {
  return verdict.failures.map((f) => f.check);
}

function reasonOf(verdict: TradeVerdict, check: CheckName): string {
  const failure = verdict.failures.find((f) => f.check === check);
  assert.ok(failure, `expected ${check} to fail, failures: ${JSON.stringify(verdict.failures)}`);
  return failure.reason;
}

const tradingAt = (equityCents: number, overrides: Partial<ReturnType<typeof openTradingState>> = {}) => ({
  ...openTradingState({ startingValueCents: 100_000, day: '2026-02-12', at: AT }),
  equityCents,
  ...overrides,
});

describe('validateTrade', () => {
  it('accepts a trade that passes every check and says what to reserve', () => {
    const verdict = validateTrade(proposal(), snapshot(), policy(), evidence());
    assert.deepEqual(verdict.failures, []);
    assert.equal(verdict.accepted, true);
    assert.equal(verdict.intent, 'buy');
    assert.equal(verdict.costCents, 518);
  });

  it('costs a Kalshi NO at 1 - price and a Coinbase buy at notional plus the taker fee', () => {
    assert.equal(orderCostCents(kalshiOrder({ side: 'no', price: '0.8000' })), 200 + 12); // 10 x $0.20 + ceil(11.2c)
    assert.equal(orderCostCents(coinbaseOrder()), 1_006);
    const verdict = validateTrade(
      proposal({ order: coinbaseOrder() }),
      snapshot(),
      policy(),
      evidence({ referencePrice: '100000' }),
    );
    assert.equal(verdict.accepted, true, JSON.stringify(verdict.failures));
    assert.equal(verdict.costCents, 1_006);
  });

  it('refuses a position above 5% of the portfolio (seed: MAX_POSITION_SIZE), in the paper domain too', () => {
    // 110 contracts at $0.50 = $55 + $1.93 fee, on a $1,000 paper account: 5% is $50
    const verdict = validateTrade(
      proposal({ order: kalshiOrder({ count: '110' }) }),
      snapshot({ domain: 'paper' }),
      policy(),
      evidence({ proof: proof({ source: 'backtest' }) }),
    );
    assert.deepEqual(failed(verdict), ['position-limit']);
    assert.match(reasonOf(verdict, 'position-limit'), /above 5% of the \$1000\.00 portfolio \(\$50\.00\)/);
  });

  it('never lets a live position pass $50, however large the portfolio (seed: max $50 per live position)', () => {
    const rich = snapshot({
      trading: tradingAt(1_000_000, { startingValueCents: 1_000_000, dayBaselineCents: 1_000_000 }),
      cashCents: 1_000_000,
    });
    const verdict = validateTrade(proposal({ order: kalshiOrder({ count: '100' }) }), rich, policy(), evidence());
    assert.deepEqual(failed(verdict), ['live-position-cap']);
    assert.match(reasonOf(verdict, 'live-position-cap'), /above the \$50\.00 cap per live position/);
  });

  it('counts what is already held or reserved in the same market toward the position limits', () => {
    const held = restateCommitted(EMPTY_EXPOSURE_BOOK, { [`kalshi:${MARKET}`]: 4_600 });
    const verdict = validateTrade(proposal(), snapshot({ exposure: held }), policy(), evidence());
    assert.deepEqual(failed(verdict), ['position-limit', 'live-position-cap']);
    assert.match(
      reasonOf(verdict, 'live-position-cap'),
      /would be \$51\.18 \(\$46\.00 held or reserved \+ \$5\.18 for this order\)/,
    );
  });

  it('counts exposure on reservations for working orders, not only fills (seed: MAX_PORTFOLIO_EXPOSURE 10%)', () => {
    const limits = policy().limits;
    const context = { domain: 'live' as const, portfolioValueCents: 100_000, cashCents: 100_000, limits };
    let book = EMPTY_EXPOSURE_BOOK;
    for (const [i, market] of ['KXBTCD-A', 'KXBTCD-B'].entries()) {
      const result = reserveExposure(
        book,
        { reservationId: `r${i}`, venue: 'kalshi', market, amountCents: 4_800 },
        context,
      );
      assert.ok(result.ok);
      book = result.book;
    }
    const verdict = validateTrade(proposal(), snapshot({ exposure: book }), policy(), evidence());
    assert.deepEqual(failed(verdict), ['total-exposure']);
    assert.match(
      reasonOf(verdict, 'total-exposure'),
      /\$0\.00 filled \+ \$96\.00 reserved \+ \$5\.18\), above 10% of the \$1000\.00 portfolio/,
    );
  });

  it('refuses an order that costs more than the free balance: no leverage or margin', () => {
    const verdict = validateTrade(proposal(), snapshot({ cashCents: 517 }), policy(), evidence());
    assert.deepEqual(failed(verdict), ['free-balance']);
    assert.match(reasonOf(verdict, 'free-balance'), /may cost \$5\.18 but only \$5\.17 is free/);
  });

  it('refuses selling what is not held: a short is leverage (seed)', () => {
    const positions = [{ venue: 'kalshi' as const, market: MARKET, side: 'yes' as const, count: '5' }];
    const verdict = validateTrade(
      proposal({ order: kalshiOrder({ action: 'sell' }) }),
      snapshot({ positions }),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(verdict), ['no-short']);
    assert.match(reasonOf(verdict, 'no-short'), /sells more than the 5\.0000 held/);
    // holding YES does not cover a sale of NO
    const no = validateTrade(
      proposal({ order: kalshiOrder({ action: 'sell', side: 'no', count: '1' }) }),
      snapshot({ positions }),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(no), ['no-short']);
    const covered = validateTrade(
      proposal({ order: kalshiOrder({ action: 'sell', count: '5.00' }) }),
      snapshot({ positions }),
      policy(),
      evidence(),
    );
    assert.equal(covered.accepted, true);
    assert.equal(covered.intent, 'reduce');
    assert.equal(covered.costCents, 0);
  });

  it('needs probability 0.80, lower only with the operator approving this very order (seed)', () => {
    const low = validateTrade(proposal({ probability: 0.79 }), snapshot(), policy(), evidence());
    assert.deepEqual(failed(low), ['probability']);
    assert.match(
      reasonOf(low, 'probability'),
      /0\.79 is below the 0\.8 minimum and the operator has not approved this trade/,
    );

    const approval = { clientOrderId: proposal().clientOrderId, by: 'alice', reason: 'event-driven edge', at: AT };
    const approved = validateTrade(
      proposal({ probability: 0.7, probabilityApproval: approval }),
      snapshot(),
      policy(),
      evidence(),
    );
    assert.equal(approved.accepted, true);
    assert.match(approved.notes[0] ?? '', /accepted with the approval of alice/);

    const elsewhere = validateTrade(
      proposal({ probability: 0.7, probabilityApproval: { ...approval, clientOrderId: 'other' } }),
      snapshot(),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(elsewhere), ['probability']);
    const nonsense = validateTrade(proposal({ probability: Number.NaN }), snapshot(), policy(), evidence());
    assert.deepEqual(failed(nonsense), ['probability']);
  });

  it('trades approved markets only: an exact market or a whole Kalshi series (seed: APPROVED_MARKETS)', () => {
    const other = validateTrade(
      proposal({ order: kalshiOrder({ market: 'KXETHD-26FEB12-T4000' }) }),
      snapshot(),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(other), ['approved-market']);
    const prefixOnly = validateTrade(
      proposal({ order: kalshiOrder({ market: 'KXBTCDX-1' }) }),
      snapshot(),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(prefixOnly), ['approved-market']);
    const coinbase = validateTrade(
      proposal({ order: coinbaseOrder({ market: 'ETH-USD', price: '3000' }) }),
      snapshot(),
      policy(),
      evidence({ referencePrice: '3000' }),
    );
    assert.deepEqual(failed(coinbase), ['approved-market']);
  });

  it('needs a proof of this strategy version that meets the thresholds; live trading needs the paper record', () => {
    const cases: [Parameters<typeof evidence>[0], RegExp][] = [
      [
        { proof: undefined },
        /^no paper-trading record for strategy momentum version v-abc123 \(live trading needs the paper record, a backtest is not enough\)$/,
      ],
      [
        { proof: proof({ strategyVersion: 'v-old' }) },
        /is for version v-old; the strategy is now v-abc123 and needs a new proof/,
      ],
      [{ proof: proof({ strategyId: 'other' }) }, /is for strategy other, not momentum/],
      [{ proof: proof({ source: 'backtest' }) }, /live trading needs a proof from paper, this one comes from backtest/],
      [{ proof: proof({ trades: 99 }) }, /has 99 trades, at least 100 are required/],
      [{ proof: proof({ maxDrawdown: 0.21 }) }, /max drawdown 21% exceeds 20%/],
      [{ proof: proof({ expectancyCents: 0 }) }, /expectancy after fees, 0 cents per trade, is not above 0/],
    ];
    for (const [overrides, reason] of cases) {
      const verdict = validateTrade(proposal(), snapshot(), policy(), evidence(overrides));
      assert.deepEqual(failed(verdict), ['backtest-proof']);
      assert.match(reasonOf(verdict, 'backtest-proof'), reason);
    }
    const paper = validateTrade(
      proposal(),
      snapshot({ domain: 'paper' }),
      policy(),
      evidence({ proof: proof({ source: 'backtest' }) }),
    );
    assert.equal(paper.accepted, true);
    const unproven = validateTrade(proposal(), snapshot({ domain: 'paper' }), policy(), evidence({ proof: undefined }));
    assert.equal(
      reasonOf(unproven, 'backtest-proof'),
      'no backtest proof or paper-trading record for strategy momentum version v-abc123',
    );
  });

  it('lets only risk-reducing orders through unless trading is ACTIVE', () => {
    const positions = [{ venue: 'kalshi' as const, market: MARKET, side: 'yes' as const, count: '10' }];
    const sell = proposal({ order: kalshiOrder({ action: 'sell' }) });
    for (const status of ['REDUCING', 'PAUSED', 'HALTED', 'SHUTDOWN'] as const) {
      const state = snapshot({ positions, trading: tradingAt(100_000, { status }) });
      const buy = validateTrade(proposal(), state, policy(), evidence());
      assert.deepEqual(failed(buy), ['trading-state'], status);
      assert.match(reasonOf(buy, 'trading-state'), new RegExp(`trading is ${status}`));
      assert.equal(validateTrade(sell, state, policy(), evidence()).accepted, true, status);
    }
  });

  it('refuses new risk once the day has lost 5%, and once 65% of the start is gone, whatever the status says', () => {
    const daily = validateTrade(proposal(), snapshot({ trading: tradingAt(95_000) }), policy(), evidence());
    assert.deepEqual(failed(daily), ['daily-loss']);
    assert.match(
      reasonOf(daily, 'daily-loss'),
      /daily loss \$50\.00 is 5% of the day's opening value \$1000\.00, reaching the 5% limit/,
    );
    assert.equal(
      validateTrade(proposal(), snapshot({ trading: tradingAt(95_001) }), policy(), evidence()).accepted,
      true,
    );

    const total = snapshot({ trading: tradingAt(35_000, { dayBaselineCents: 35_000 }), cashCents: 35_000 });
    assert.deepEqual(failed(validateTrade(proposal(), total, policy(), evidence())), ['total-loss']);
  });

  it('refuses a price far from the reference price (erroneous order), or with no reference at all', () => {
    const far = validateTrade(proposal({ order: kalshiOrder({ price: '0.6100' }) }), snapshot(), policy(), evidence());
    assert.deepEqual(failed(far), ['price-collar']);
    assert.match(
      reasonOf(far, 'price-collar'),
      /YES price \$0\.6100 is more than 10 cents from the reference YES price \$0\.5000/,
    );
    assert.equal(
      validateTrade(proposal({ order: kalshiOrder({ price: '0.6000' }) }), snapshot(), policy(), evidence()).accepted,
      true,
    );
    assert.deepEqual(failed(validateTrade(proposal(), snapshot(), policy(), evidence({ referencePrice: undefined }))), [
      'price-collar',
    ]);

    const spot = (price: string) =>
      validateTrade(
        proposal({ order: coinbaseOrder({ price, baseSize: '0.00001' }) }),
        snapshot(),
        policy(),
        evidence({ referencePrice: '100000' }),
      );
    assert.equal(spot('105000').accepted, true);
    assert.deepEqual(failed(spot('105000.01')), ['price-collar']);
    assert.deepEqual(failed(spot('94999.99')), ['price-collar']);
  });

  it('refuses a reused client order id, and the same order again within the duplicate window', () => {
    const earlier = (clientOrderId: string, ageMs: number, order = kalshiOrder()): RecentOrder => ({
      clientOrderId,
      order,
      placedAt: NOW - ageMs,
    });
    const sameId = validateTrade(
      proposal(),
      snapshot({ recentOrders: [earlier(proposal().clientOrderId, 86_400_000, kalshiOrder({ market: 'KXBTCD-X' }))] }),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(sameId), ['duplicate-order']);
    assert.match(reasonOf(sameId, 'duplicate-order'), /client order id .* was already used/);

    const again = validateTrade(
      proposal(),
      snapshot({ recentOrders: [earlier('another', 29_999, kalshiOrder({ count: '10.00' }))] }),
      policy(),
      evidence(),
    );
    assert.deepEqual(failed(again), ['duplicate-order']);
    assert.match(
      reasonOf(again, 'duplicate-order'),
      /entered 29999 ms ago as another, within the 30000 ms duplicate window/,
    );
    assert.equal(
      validateTrade(proposal(), snapshot({ recentOrders: [earlier('another', 30_000)] }), policy(), evidence())
        .accepted,
      true,
    );
  });

  it('throttles the order rate: at most 20 orders a minute by default', () => {
    const recentOrders = Array.from({ length: 20 }, (_, i): RecentOrder => ({
      clientOrderId: `o${i}`,
      order: kalshiOrder({ market: `KXBTCD-M${i}` }),
      placedAt: NOW - 59_000 + i,
    }));
    const verdict = validateTrade(proposal(), snapshot({ recentOrders }), policy(), evidence());
    assert.deepEqual(failed(verdict), ['order-rate']);
    assert.match(reasonOf(verdict, 'order-rate'), /20 orders were entered in the last 60000 ms; at most 20/);
    assert.equal(
      validateTrade(proposal(), snapshot({ recentOrders: recentOrders.slice(1) }), policy(), evidence()).accepted,
      true,
    );
  });

  it('refuses an order it cannot read instead of throwing, and treats it as adding risk', () => {
    for (const order of [
      kalshiOrder({ price: '1.0000' }),
      kalshiOrder({ count: '0' }),
      kalshiOrder({ price: '0.12345' }),
      coinbaseOrder({ baseSize: 'lots' }),
    ]) {
      const verdict = validateTrade(
        proposal({ order }),
        snapshot({ trading: tradingAt(100_000, { status: 'HALTED' }) }),
        policy(),
        evidence(),
      );
      assert.deepEqual(failed(verdict).slice(0, 2), ['order-form', 'trading-state'], JSON.stringify(order));
      assert.equal(verdict.intent, undefined);
    }
  });

  it('names every failed check at once', () => {
    const limits = tightenedLimits({ maxPositionUsd: 5 });
    const verdict = validateTrade(
      proposal({ probability: 0.5, order: kalshiOrder({ market: 'KXOTHER-1' }) }),
      snapshot({ trading: tradingAt(100_000, { status: 'HALTED' }), cashCents: 100 }),
      { ...policy(), limits },
      evidence({ proof: undefined, referencePrice: '0.9000' }),
    );
    assert.deepEqual(failed(verdict).sort(), [
      'approved-market',
      'backtest-proof',
      'free-balance',
      'live-position-cap',
      'price-collar',
      'probability',
      'trading-state',
    ]);
    assert.equal(verdict.accepted, false);
  });
});
