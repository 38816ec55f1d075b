import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { boundedSides, sidesOf } from '../../policies/estimate-provenance';
import { kalshiMispricing } from '../../strategies/kalshi-mispricing';
import { decideNow } from '../../strategies/market-view';
import { decideWithProvenance, type DecideWith } from '../../strategies/provenance-decision';
import { seriesFromBars } from '../../strategies/series';

/**
 * Outside text can only lower a probability, never raise it (issue 13), as properties over any estimates and any
 * market: the bounded side probabilities never exceed the trusted ones; outside text never adds a trade the trusted
 * estimate would not make (on either side); and an `endorsable` decision appears only where outside text would
 * raise the probability of the side it would buy.
 */
const RUNS = { numRuns: 10_000 };
const strategy = kalshiMispricing();
const probability = fc.double({ min: 0, max: 1, noNaN: true });
const book = fc
  .tuple(fc.integer({ min: 1, max: 97 }), fc.integer({ min: 1, max: 30 }))
  .map(([bid, spread]) => ({ bid: bid / 100, ask: Math.min(99, bid + spread) / 100 }));

const decideOn =
  (market: { bid: number; ask: number }): DecideWith =>
  (inputs) =>
    decideNow(
      strategy,
      seriesFromBars('kalshi', 'KXTEST-1', [
        {
          time: 1,
          close: (market.bid + market.ask) / 2,
          volume: 100,
          bid: market.bid,
          ask: market.ask,
          inputs: { ...inputs },
        },
      ]),
    );

describe('estimate provenance: outside text only lowers', () => {
  it('bounds each side by the lower of the two estimates, never above the trusted one', () => {
    fc.assert(
      fc.property(probability, probability, (trusted, outside) => {
        const bounded = boundedSides(trusted, outside);
        const alone = sidesOf(trusted);
        const other = sidesOf(outside);
        for (const side of ['yes', 'no'] as const) {
          assert.ok(
            bounded[side] <= alone[side] && bounded[side] <= other[side],
            `${side} is never above either estimate`,
          );
          assert.ok(
            bounded[side] === alone[side] || bounded[side] === other[side],
            `${side} is one of the two estimates`,
          );
        }
        assert.deepEqual(boundedSides(trusted), alone, 'with no outside text, the trusted estimate stands');
      }),
      RUNS,
    );
  });

  it('never adds a trade: a signal with outside text is a signal the trusted estimate alone gives, on the same side', () => {
    fc.assert(
      fc.property(probability, probability, book, (trusted, outside, market) => {
        const decide = decideOn(market);
        const withOutside = decide({ analystProbability: trusted, outsideProbability: outside });
        if (!withOutside) return;
        const alone = decide({ analystProbability: trusted });
        assert.ok(alone, 'the trusted estimate alone trades too');
        // A lower probability can only lower the expected value: the bounded signal is never worth more.
        assert.ok(withOutside.probability <= sidesOf(trusted)[withOutside.side as 'yes' | 'no'] + 1e-12);
        assert.ok(alone.side === withOutside.side || alone.expectedValue >= withOutside.expectedValue - 1e-12);
      }),
      RUNS,
    );
  });

  it('asks for an endorsement only where outside text raises the side it would buy, and only when trusted inputs alone do not trade', () => {
    fc.assert(
      fc.property(probability, fc.option(probability, { nil: undefined }), book, (trusted, outside, market) => {
        const decision = decideWithProvenance(decideOn(market), trusted, outside);
        if (decision.kind !== 'endorsable') return;
        assert.ok(outside !== undefined);
        assert.equal(
          decideOn(market)({ analystProbability: trusted, outsideProbability: outside }),
          undefined,
          'the bounded estimate does not trade',
        );
        const side = decision.signal.side as 'yes' | 'no';
        assert.ok(decision.outsideProbability > decision.trustedProbability);
        assert.equal(decision.trustedProbability, sidesOf(trusted)[side]);
        assert.equal(decision.outsideProbability, sidesOf(outside)[side]);
      }),
      RUNS,
    );
  });
});
