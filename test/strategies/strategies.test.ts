import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kalshiFeeCents } from '../../policies/fees';
import { barrierWinProbability } from '../../strategies/barrier';
import { maCrossover } from '../../strategies/coinbase-ma-crossover';
import { kalshiMispricing } from '../../strategies/kalshi-mispricing';
import { computeFeatures } from '../../strategies/features';
import { decideNow, SeriesView } from '../../strategies/market-view';
import { strategyById, STRATEGIES, UnknownStrategyError } from '../../strategies/registry';
import { seriesFromBars } from '../../strategies/series';
import { sha256Hex } from '../../strategies/sha256';
import { LookAheadError } from '../../strategies/types';

const kalshiBar = (p: number, bid: number, ask: number, t = 1) => ({
  time: t,
  close: (bid + ask) / 2,
  bid,
  ask,
  volume: 100,
  inputs: { analystProbability: p },
});

describe('strategy versions', () => {
  it('hashes with a SHA-256 that matches node:crypto', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        (text) => sha256Hex(text) === createHash('sha256').update(text).digest('hex'),
      ),
      { numRuns: 300 },
    );
  });

  it('gives a new version when a parameter changes, and the same one for the same parameters', () => {
    assert.equal(kalshiMispricing().version, kalshiMispricing({}).version);
    assert.notEqual(kalshiMispricing().version, kalshiMispricing({ minEdge: 0.04 }).version);
    assert.notEqual(maCrossover().version, maCrossover({ fast: 10 }).version);
    assert.match(maCrossover().version, /^[0-9a-f]{16}$/);
  });

  it('finds shipped strategies by id and names the known ones for an unknown id', () => {
    assert.deepEqual(Object.keys(STRATEGIES).sort(), ['coinbase-ma-crossover', 'kalshi-mispricing']);
    assert.equal(strategyById('kalshi-mispricing').venue, 'kalshi');
    assert.throws(
      () => strategyById('nope'),
      (err: unknown) => err instanceof UnknownStrategyError && /coinbase-ma-crossover/.test(err.message),
    );
  });

  it('runs each strategy with the tunable parameters of its file in strategies/parameters (what upgrades change)', () => {
    for (const id of Object.keys(STRATEGIES)) {
      const file = JSON.parse(
        readFileSync(path.join(__dirname, '..', '..', 'strategies', 'parameters', `${id}.json`), 'utf8'),
      ) as Record<string, unknown>;
      const { params } = strategyById(id) as { params: Record<string, unknown> };
      for (const [name, value] of Object.entries(file)) assert.equal(params[name], value, `${id}.${name}`);
      assert.ok(!('feeRate' in file), 'the venue fee is not a tunable parameter');
      assert.ok(Number(file.minProbability) >= 0.8, 'no parameter file lowers the seed floor');
    }
  });
});

describe('kalshi-mispricing', () => {
  const strategy = kalshiMispricing();

  it('buys YES when the analyst probability beats the ask by more than the fee-aware edge', () => {
    const signal = decideNow(strategy, seriesFromBars('kalshi', 'KX-1', [kalshiBar(0.92, 0.8, 0.82)]))!;
    const fee = kalshiFeeCents('10', '0.8200') / 100 / 10;
    assert.equal(signal.side, 'yes');
    assert.equal(signal.probability, 0.92);
    assert.equal(signal.price, 0.82);
    assert.ok(Math.abs(signal.expectedValue - (0.92 - 0.82 - fee) / (0.82 + fee)) < 1e-12);
    assert.match(signal.rationale, /edge/);
  });

  it('buys NO at 1 - bid when the analyst rates NO highly', () => {
    const signal = decideNow(strategy, seriesFromBars('kalshi', 'KX-1', [kalshiBar(0.05, 0.2, 0.22)]))!;
    assert.equal(signal.side, 'no');
    assert.ok(Math.abs(signal.price - 0.8) < 1e-12);
    assert.ok(Math.abs(signal.probability - 0.95) < 1e-12);
  });

  it('stays out when the fee eats the edge, below the seed 0.80 probability, or without an analyst input', () => {
    // 0.85 - 0.83 = 0.02 before the fee: under the 0.03 edge threshold.
    assert.equal(decideNow(strategy, seriesFromBars('kalshi', 'KX-1', [kalshiBar(0.85, 0.81, 0.83)])), undefined);
    assert.equal(decideNow(strategy, seriesFromBars('kalshi', 'KX-1', [kalshiBar(0.79, 0.3, 0.32)])), undefined);
    assert.equal(
      decideNow(strategy, seriesFromBars('kalshi', 'KX-1', [{ time: 1, close: 0.5, volume: 1 }])),
      undefined,
    );
  });
});

describe('coinbase-ma-crossover', () => {
  const strategy = maCrossover({
    fast: 2,
    slow: 4,
    volatilityWindow: 4,
    takeProfit: 0.01,
    stopLoss: 0.05,
    minExpectedValue: -1,
  });
  const closes = [100, 101, 99, 100, 98, 97, 96, 95, 96, 99, 103];
  const series = seriesFromBars(
    'coinbase',
    'BTC-USD',
    closes.map((close, i) => ({ time: i * 60_000, close, volume: 1 })),
  );

  it('buys on the bar where the fast average crosses above the slow one, with a bracket and its win probability', () => {
    const view = new SeriesView(series, strategy);
    const signals: number[] = [];
    for (let i = 0; i < closes.length; i++) {
      view.advance(i);
      if (i >= strategy.warmup && strategy.decide(view)) signals.push(i);
    }
    assert.deepEqual(signals, [9]);
    const signal = decideNow(
      strategy,
      seriesFromBars(
        'coinbase',
        'BTC-USD',
        closes.slice(0, 10).map((close, i) => ({ time: i, close, volume: 1 })),
      ),
    )!;
    assert.equal(signal.side, 'buy');
    assert.deepEqual(signal.exit, { takeProfit: 99 * 1.01, stopLoss: 99 * 0.95 });
    assert.ok(signal.probability >= 0.8 && signal.probability <= 1);
    assert.match(signal.rationale, /crossed above/);
  });

  it('stays out when the expected value after both fees is below the minimum', () => {
    // A 1% take-profit cannot pay 0.6% in and 0.6% out: every win loses money after fees.
    const strict = maCrossover({ ...strategy.params, minExpectedValue: 0 });
    assert.equal(
      decideNow(
        strict,
        seriesFromBars(
          'coinbase',
          'BTC-USD',
          closes.slice(0, 10).map((close, i) => ({ time: i, close, volume: 1 })),
        ),
      ),
      undefined,
    );
  });

  it('refuses a slow period not longer than the fast one', () => {
    assert.throws(() => maCrossover({ fast: 5, slow: 5 }), /slow period \(5\) must be longer than the fast one \(5\)/);
  });
});

describe('first-passage probability', () => {
  it('is down/(up+down) without drift, rises with positive drift and falls with negative drift', () => {
    assert.ok(Math.abs(barrierWinProbability(0, 0.01, 0.01, 0.04) - 0.8) < 1e-12);
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e-3, noNaN: true }),
        fc.double({ min: 1e-3, max: 0.05, noNaN: true }),
        (mu, sigma) => {
          const flat = barrierWinProbability(0, sigma, 0.01, 0.04);
          const up = barrierWinProbability(mu, sigma, 0.01, 0.04);
          const down = barrierWinProbability(-mu, sigma, 0.01, 0.04);
          return up >= flat - 1e-12 && down <= flat + 1e-12 && up <= 1 && down >= 0;
        },
      ),
      { numRuns: 2_000 },
    );
    assert.ok(Number.isNaN(barrierWinProbability(0, 0, 0.01, 0.04)));
  });
});

describe('market view', () => {
  it('refuses any read after now with LookAheadError naming the strategy and the bar', () => {
    const series = seriesFromBars(
      'coinbase',
      'BTC-USD',
      [1, 2, 3].map((close, i) => ({ time: i, close, volume: 1 })),
    );
    const view = new SeriesView(series, { id: 'peeker', features: [{ kind: 'sma', period: 2 }] });
    view.advance(0);
    view.advance(1);
    assert.equal(view.bar('close'), 2);
    assert.equal(view.bar('close', 1), 1);
    assert.ok(Number.isNaN(view.bar('close', 5)), 'before the first bar is NaN, not an error');
    assert.throws(
      () => view.bar('close', -1),
      (err: unknown) =>
        err instanceof LookAheadError && /peeker read close 1 bar\(s\) after now \(bar 1/.test(err.message),
    );
    assert.throws(() => view.feature(0, -1), LookAheadError);
    assert.throws(() => view.input('analystProbability', -2), LookAheadError);
    assert.throws(() => view.advance(3), /bars must arrive in order/);
  });

  it('computes every feature from trailing bars only: a prefix of the series gives the same values', () => {
    const specs = [
      { kind: 'sma', period: 3 },
      { kind: 'stdev', period: 4 },
      { kind: 'return', period: 2 },
    ] as const;
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 2, maxLength: 60 }),
        fc.nat(),
        (prices, cut) => {
          const close = Float64Array.from(prices);
          const n = 1 + (cut % close.length);
          const full = computeFeatures(specs, close);
          const prefix = computeFeatures(specs, close.subarray(0, n));
          return full.every((values, k) => values.subarray(0, n).every((v, i) => Object.is(v, prefix[k]![i])));
        },
      ),
      { numRuns: 2_000 },
    );
    const [sma, stdev, ret] = computeFeatures(specs, Float64Array.from([5, 6, 7, 8, 10]));
    assert.deepEqual(
      [...sma!].map((v) => (Number.isNaN(v) ? null : v)),
      [null, null, 6, 7, 25 / 3],
    );
    assert.ok(Math.abs(ret![2]! - 0.4) < 1e-12);
    assert.ok(Number.isNaN(stdev![3]!) && stdev![4]! > 0);
  });
});
