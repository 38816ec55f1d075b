import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dataHash } from '../../backtest/data-hash';
import { DEFAULT_BACKTEST_OPTIONS, runBacktest, type BacktestOptions } from '../../backtest/engine';
import { proofSummary } from '../../backtest/proof-artifact';
import { syntheticBinaryMarkets, syntheticCandles } from '../../backtest/synthetic';
import { coinbaseFeeCents, kalshiFeeCents } from '../../policies/fees';
import { notionalCents } from '../../policies/money';
import { proofProblems } from '../../policies/proof-check';
import { DEFAULT_RISK_POLICY, tightenedRiskPolicy } from '../../policies/risk-policy';
import {
  applyTradingEvent,
  openTradingState,
  tradingDayOf,
  type TradingEvent,
  type TransitionRecord,
} from '../../policies/trading-state';
import { maCrossover } from '../../strategies/coinbase-ma-crossover';
import { computeFeatures } from '../../strategies/features';
import { kalshiMispricing } from '../../strategies/kalshi-mispricing';
import { FEATURE_HISTORY, SeriesView } from '../../strategies/market-view';
import { seriesFromBars, type Bar, type PriceSeries } from '../../strategies/series';
import { LookAheadError, type MarketView, type Signal, type Strategy } from '../../strategies/types';

const HOUR = 3_600_000;
const OPTIONS: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, policy: DEFAULT_RISK_POLICY, lookAheadAudit: false };

/** A test strategy: signals from a table of bar index -> signal parts. */
function scripted(venue: 'kalshi' | 'coinbase', plan: Record<number, Partial<Signal>>): Strategy {
  return {
    id: 'scripted',
    version: 'v1',
    venue,
    description: 'test',
    params: {},
    features: [],
    inputs: [],
    warmup: 0,
    decide(view: MarketView) {
      const s = plan[view.index];
      return (
        s && {
          market: view.market,
          side: 'buy',
          probability: 0.9,
          expectedValue: 0.01,
          price: view.bar('close'),
          rationale: 'test',
          ...s,
        }
      );
    },
  };
}

const candle = (i: number, open: number, close: number, extra: Partial<Bar> = {}): Bar => ({
  time: Date.UTC(2024, 0, 1) + i * HOUR,
  open,
  high: Math.max(open, close),
  low: Math.min(open, close),
  close,
  volume: 10,
  ...extra,
});

describe('backtest engine: execution', () => {
  it('fills at the next bar with slippage and the venue fee, and exits at the take-profit', () => {
    const bars = [
      candle(0, 100, 100),
      candle(1, 100, 100),
      candle(2, 100.2, 102),
      candle(3, 102, 103),
      candle(4, 103, 111, { high: 112 }),
      candle(5, 110, 110),
    ];
    const series = seriesFromBars('coinbase', 'BTC-USD', bars);
    const strategy = scripted('coinbase', { 1: { exit: { takeProfit: 110, stopLoss: 90 } } });
    const result = runBacktest(strategy, [series], OPTIONS);
    assert.equal(result.trades.length, 1);
    const [trade] = result.trades;
    assert.equal(trade!.entryTime, bars[2]!.time, 'filled on the bar after the signal, never on the signal bar');
    const entryPrice = 100.2 * (1 + 5 / 10_000);
    assert.ok(Math.abs(trade!.entryPrice - entryPrice) < 1e-9);
    // $50 cap (seed, live) with room for the fee, at the limit price (close + 0.5%).
    const quantity = Math.floor((5_000 / 100 / (100 * 1.005)) * 0.99 * 1e8) / 1e8;
    assert.equal(trade!.quantity, quantity);
    const notional = notionalCents(entryPrice.toFixed(8), quantity.toFixed(8));
    const exitPrice = 110 * (1 - 5 / 10_000);
    const gross = Math.floor(exitPrice * quantity * 100 + 1e-9);
    assert.equal(trade!.exitReason, 'take-profit');
    assert.equal(trade!.exitTime, bars[4]!.time);
    assert.equal(trade!.feesCents, coinbaseFeeCents(notional) + coinbaseFeeCents(gross));
    assert.equal(trade!.pnlCents, gross - coinbaseFeeCents(gross) - notional - coinbaseFeeCents(notional));
    assert.equal(result.stats.netPnlCents, trade!.pnlCents);
  });

  it('fills only a share of a thin bar and cancels the rest (IOC), counting the partial fill', () => {
    const bars = [
      candle(0, 100, 100),
      candle(1, 100, 100),
      candle(2, 100, 100, { volume: 0.002 }),
      candle(3, 100, 100),
    ];
    const result = runBacktest(scripted('coinbase', { 1: {} }), [seriesFromBars('coinbase', 'BTC-USD', bars)], OPTIONS);
    assert.equal(result.partialFills, 1);
    assert.equal(result.trades[0]!.quantity, 0.0002);
    assert.equal(result.trades[0]!.exitReason, 'end-of-data');
  });

  it('closes a position on a sell signal at the next bar', () => {
    const bars = [0, 1, 2, 3, 4, 5].map((i) => candle(i, 100, 100));
    const result = runBacktest(
      scripted('coinbase', { 1: {}, 3: { side: 'sell' } }),
      [seriesFromBars('coinbase', 'BTC-USD', bars)],
      OPTIONS,
    );
    assert.equal(result.trades.length, 1);
    assert.equal(result.trades[0]!.exitReason, 'signal');
    assert.equal(result.trades[0]!.exitTime, bars[4]!.time);
  });

  it('settles a binary market at $1 per winning contract with no settlement fee', () => {
    const bars: Bar[] = [0, 1, 2, 3].map((i) => ({ time: i * HOUR, close: 0.6, bid: 0.59, ask: 0.61, volume: 500 }));
    const series = seriesFromBars('kalshi', 'KXT-1', bars, { yes: true });
    const result = runBacktest(scripted('kalshi', { 0: { side: 'yes', price: 0.61 } }), [series], OPTIONS);
    const [trade] = result.trades;
    assert.equal(trade!.exitReason, 'settlement');
    const count = trade!.quantity;
    const cost = notionalCents('0.6100', String(count)) + kalshiFeeCents(String(count), '0.6100');
    assert.equal(trade!.pnlCents, count * 100 - cost);
    assert.ok(count * (61 + 2) <= 5_000, 'sized within the $50 cap');
  });
});

describe('backtest engine: the same risk checks as live', () => {
  it('passes every order through validateTrade and counts refusals by check', () => {
    const bars = [0, 1, 2, 3].map((i) => candle(i, 100, 100));
    const result = runBacktest(
      scripted('coinbase', { 1: { probability: 0.6 } }),
      [seriesFromBars('coinbase', 'BTC-USD', bars)],
      OPTIONS,
    );
    assert.equal(result.trades.length, 0);
    assert.equal(result.orders, 0);
    assert.deepEqual(result.refusals, { probability: 1 });
  });

  // A 1% daily limit (tighter than the seed's 5%): a $50 position losing 40% costs 2% of $1,000. The price falls at
  // bar 3; the position is sold at bar 5 (a sell is risk-reducing); entries are tried at bars 6 and 30 (the next day).
  const policy = tightenedRiskPolicy({ limits: { maxDailyLossFraction: 0.01 } });
  const bars = Array.from({ length: 34 }, (_, i) => candle(i, i === 3 ? 60 : i < 3 ? 100 : 60, i < 3 ? 100 : 60));
  const plan = { 1: { exit: { takeProfit: 1e9, stopLoss: 1 } }, 4: { side: 'sell' as const }, 6: {}, 30: {} };

  it('pauses on the daily loss like the guardian: a new day does not lift it, only an operator resume (never, by default)', () => {
    const result = runBacktest(scripted('coinbase', plan), [seriesFromBars('coinbase', 'BTC-USD', bars)], {
      ...OPTIONS,
      policy,
    });
    assert.equal(result.trades.length, 1, 'the first trade closes; both later entries are refused');
    assert.equal(result.refusals['trading-state'], 2);
    assert.equal(result.pauses, 1);
    assert.equal(result.pausedMs, bars[33]!.time - bars[3]!.time, 'paused from the fall to the end of the data');
    assert.deepEqual(
      result.transitions.map((t) => `${t.from}->${t.to} (${t.cause})`),
      ['ACTIVE->PAUSED (equity)'],
    );
  });

  it('lets the simulated operator resume after a stated delay, counting the time paused', () => {
    const result = runBacktest(scripted('coinbase', plan), [seriesFromBars('coinbase', 'BTC-USD', bars)], {
      ...OPTIONS,
      policy,
      operatorResume: { afterMs: 2 * HOUR },
    });
    assert.equal(result.pauses, 1);
    assert.equal(result.pausedMs, 2 * HOUR);
    assert.deepEqual(
      result.transitions.map((t) => `${t.from}->${t.to} (${t.cause}, ${t.by})`),
      ['ACTIVE->PAUSED (equity, guardian)', 'PAUSED->ACTIVE (operator-resume, simulated operator)'],
    );
    assert.equal(result.refusals['trading-state'], undefined, 'the entry of bar 6 goes ahead (and is held to the end)');
    assert.equal(result.trades.length, 2);
  });

  it('ends in the state the guardian reaches on the same events (the same reducer, fed what the backtest marked)', () => {
    const result = runBacktest(scripted('coinbase', plan), [seriesFromBars('coinbase', 'BTC-USD', bars)], {
      ...OPTIONS,
      policy,
      operatorResume: { afterMs: 5 * HOUR },
    });
    // The guardian's sequence: the opening value of each UTC day, a mark per bar, the operator's resume when it came.
    const resumeAt = Date.parse(result.transitions.find((t) => t.cause === 'operator-resume')!.at);
    let guardian = openTradingState({
      startingValueCents: OPTIONS.initialEquityCents,
      day: '',
      at: new Date(0).toISOString(),
    });
    const recorded: TransitionRecord[] = [];
    const apply = (event: TradingEvent) => {
      const step = applyTradingEvent(guardian, event, policy.limits);
      guardian = step.state;
      for (const e of step.effects) if (e.kind === 'record-transition') recorded.push(e.transition);
    };
    for (const point of result.equity) {
      const at = new Date(point.time).toISOString();
      if (tradingDayOf(point.time) !== guardian.day)
        apply({ kind: 'day-rollover', day: tradingDayOf(point.time), openingValueCents: point.equityCents, at });
      if (point.time === resumeAt)
        apply({ kind: 'operator-resume', by: 'simulated operator', reason: 'backtest option operatorResume', at });
      apply({ kind: 'equity', source: 'mark', equityCents: point.equityCents, at });
    }
    assert.deepEqual(
      recorded.map((t) => [t.from, t.to, t.cause, t.at]),
      result.transitions.map((t) => [t.from, t.to, t.cause, t.at]),
    );
    assert.equal(guardian.status, 'ACTIVE');
    assert.equal(guardian.dayBaselineCents, result.transitions.at(-1)!.dayBaselineCents);
  });
});

describe('backtest engine: the view it moves bar by bar', () => {
  const specs = [
    { kind: 'sma', period: 7 },
    { kind: 'stdev', period: 30 },
    { kind: 'return', period: 12 },
  ] as const;

  it('reads every feature as computed over the whole series, across the blocks the view folds them in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 * FEATURE_HISTORY + 50 }),
        fc.nat(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        (n, seed, backs) => {
          const series = syntheticCandles({ seed, bars: n, ohlc: false });
          const whole = computeFeatures(specs, series.close);
          const view = new SeriesView(series, { id: 'reader', features: specs });
          for (let i = 0; i < n; i++) {
            view.advance(i);
            for (const b of backs) {
              const back = b % FEATURE_HISTORY;
              specs.forEach((_, k) =>
                assert.ok(
                  Object.is(view.feature(k, back), i - back < 0 ? Number.NaN : whole[k]![i - back]!),
                  `feature ${k} at bar ${i}, ${back} back`,
                ),
              );
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a feature read further back than it keeps, and an unknown feature', () => {
    const view = new SeriesView(syntheticCandles({ seed: 1, bars: 2 * FEATURE_HISTORY, ohlc: false }), {
      id: 'reader',
      features: specs,
    });
    for (let i = 0; i < 2 * FEATURE_HISTORY; i++) view.advance(i);
    assert.ok(Number.isFinite(view.feature(0, FEATURE_HISTORY - 1)));
    assert.throws(
      () => view.feature(0, FEATURE_HISTORY),
      /reader read feature 0 1024 bars back; the view keeps the last 1024/,
    );
    assert.throws(() => view.feature(3), /reader has no feature 3/);
    assert.throws(() => view.feature(1, -1), LookAheadError);
  });
});

describe('backtest engine: no look-ahead', () => {
  const candles = syntheticCandles({ seed: 3, bars: 3_000 });

  it('refuses a strategy that asks the view for the next bar', () => {
    const peeker: Strategy = {
      ...scripted('coinbase', {}),
      id: 'peeker',
      decide: (view) => (view.bar('close', -1) > view.bar('close') ? undefined : undefined),
    };
    assert.throws(
      () => runBacktest(peeker, [candles], OPTIONS),
      (err: unknown) => err instanceof LookAheadError && /peeker read close 1 bar\(s\) after now/.test(err.message),
    );
  });

  it('catches a strategy that reads the next bar through a reference to the data set', () => {
    const future = candles.close;
    const smuggler: Strategy = {
      ...scripted('coinbase', {}),
      id: 'smuggler',
      decide: (view) =>
        future[view.index + 1]! > view.bar('close')
          ? {
              market: view.market,
              side: 'buy',
              probability: 0.9,
              expectedValue: 0.01,
              price: view.bar('close'),
              exit: { takeProfit: view.bar('close') * 1.01, stopLoss: view.bar('close') * 0.9 },
              rationale: 'knows',
            }
          : undefined,
    };
    assert.throws(
      () => runBacktest(smuggler, [candles], { ...OPTIONS, lookAheadAudit: { cuts: 16, horizon: 8 } }),
      (err: unknown) =>
        err instanceof LookAheadError && /smuggler: its decision at bar \d+ of BTC-USD changed/.test(err.message),
    );
    assert.deepEqual(
      candles.close,
      syntheticCandles({ seed: 3, bars: 3_000 }).close,
      'the audit restores the data it changed',
    );
  });

  it('clears an honest strategy', () => {
    const result = runBacktest(
      maCrossover({
        fast: 5,
        slow: 20,
        volatilityWindow: 60,
        takeProfit: 0.0025,
        stopLoss: 0.0125,
        minExpectedValue: -1,
      }),
      [candles],
      {
        ...OPTIONS,
        lookAheadAudit: { cuts: 64, horizon: 16 },
      },
    );
    assert.ok(result.trades.length > 0);
  });
});

describe('backtest engine: synthetic data and proof', () => {
  it('is reproducible from its seed: same data hash, same result', () => {
    const a = syntheticBinaryMarkets({ seed: 5, markets: 30 });
    const b = syntheticBinaryMarkets({ seed: 5, markets: 30 });
    assert.equal(dataHash(a), dataHash(b));
    assert.notEqual(dataHash(a), dataHash(syntheticBinaryMarkets({ seed: 6, markets: 30 })));
    assert.deepEqual(
      runBacktest(kalshiMispricing(), a, OPTIONS).stats,
      runBacktest(kalshiMispricing(), b, OPTIONS).stats,
    );
  });

  it('produces a ProofSummary that the proof check reads, across many binary markets in time order', () => {
    const markets: PriceSeries[] = syntheticBinaryMarkets({ seed: 11, markets: 400 });
    const result = runBacktest(kalshiMispricing(), markets, { ...OPTIONS, lookAheadAudit: { cuts: 32, horizon: 8 } });
    const summary = proofSummary(result, dataHash(markets));
    assert.equal(summary.strategyId, 'kalshi-mispricing');
    assert.equal(summary.strategyVersion, kalshiMispricing().version);
    assert.equal(summary.trades, result.trades.length);
    assert.equal(summary.wins, result.trades.filter((t) => t.pnlCents > 0).length);
    assert.equal(
      summary.netPnlCents,
      result.trades.reduce((a, t) => a + t.pnlCents, 0),
    );
    assert.match(summary.proofId, /^proof:kalshi-mispricing:[0-9a-f]{16}:[0-9a-f]{16}$/);
    assert.ok(summary.periodStart < summary.periodEnd);
    // The analyst in the synthetic data is better informed than the market, so the edge is real after fees.
    assert.deepEqual(
      proofProblems(
        summary,
        { strategyId: 'kalshi-mispricing', strategyVersion: kalshiMispricing().version },
        'paper',
        DEFAULT_RISK_POLICY.proof,
      ),
      [],
    );
    assert.ok(
      result.equity.length > 10 &&
        result.equity.every((p) => p.drawdown >= 0 && p.drawdown <= summary.maxDrawdown + 1e-12),
    );
  });
});
