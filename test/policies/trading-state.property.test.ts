/**
 * The trading-state reducer under generated event sequences (10,000 per invariant): marks and fills that move the
 * portfolio around the loss limits, day rollovers, operators' commands with and without a name or reason,
 * reconciliations and incidents. Loss limits are drawn in basis points and judged with exact integers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Limits } from '../../policies/limits';
import {
  applyTradingEvent,
  openTradingState,
  type TradingEvent,
  type TradingState,
  type TradingStep,
} from '../../policies/trading-state';
import { AT } from '../support/builders';

const RUNS = { numRuns: 10_000 };

/** An event as drawn; equity moves are relative to the value at that point, so paths cross the limits often. */
type Spec =
  | { kind: 'equity'; source: 'fill' | 'mark'; moveBp: number; cents: number }
  | { kind: 'day-rollover'; gapCents: number }
  | { kind: 'operator-halt' | 'operator-resume' | 'operator-reset'; by: string; reason: string }
  | { kind: 'reconciliation-started' | 'reconciliation-ended' }
  | { kind: 'incident' };

const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: usual }, { weight: 1, arbitrary: other });
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('equity' as const),
      source: fc.constantFrom('fill' as const, 'mark' as const),
      moveBp: fc.integer({ min: -700, max: 400 }),
      cents: fc.integer({ min: -3, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('day-rollover' as const),
      gapCents: mostly(fc.constant(0), fc.integer({ min: -2_000, max: 2_000 })),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'operator-halt' as const,
        'operator-resume' as const,
        'operator-resume' as const,
        'operator-reset' as const,
      ),
      by: mostly(fc.constant('alice'), fc.constantFrom('', ' ', 'bob')),
      reason: mostly(fc.constant('reviewed the book'), fc.constantFrom('', '  ', 'ok')),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('reconciliation-started' as const, 'reconciliation-ended' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('incident' as const) }) },
);

const runArb = fc.record({
  starting: mostly(fc.constant(100_000), fc.integer({ min: 1, max: 10_000_000 })),
  dailyBp: mostly(fc.constant(500), fc.integer({ min: 0, max: 500 })),
  totalBp: mostly(fc.constant(6_500), fc.integer({ min: 0, max: 6_500 })),
  specs: fc.array(specArb, { minLength: 5, maxLength: 40, size: 'max' }),
});

function limitsOf(dailyBp: number, totalBp: number): Limits {
  return {
    maxPositionFraction: 0.05,
    maxPositionUsd: 50,
    maxExposureFraction: 0.1,
    maxDailyLossFraction: dailyBp / 10_000,
    maxTotalLossFraction: totalBp / 10_000,
    minProbability: 0.8,
    hotWalletMaxUsd: 1_500,
  };
}

function toEvent(spec: Spec, state: TradingState, i: number): TradingEvent {
  const at = `${AT}#${i}`;
  switch (spec.kind) {
    case 'equity':
      return {
        kind: 'equity',
        source: spec.source,
        equityCents: Math.max(
          0,
          state.equityCents + Math.trunc((state.equityCents * spec.moveBp) / 10_000) + spec.cents,
        ),
        at,
      };
    case 'day-rollover':
      return {
        kind: 'day-rollover',
        day: `day-${i}`,
        openingValueCents: Math.max(0, state.equityCents + spec.gapCents),
        at,
      };
    case 'operator-halt':
    case 'operator-resume':
    case 'operator-reset':
      return { kind: spec.kind, by: spec.by, reason: spec.reason, at };
    case 'incident':
      return { kind: 'incident', source: 'monitor', description: 'venue returned unknown orders', at };
    default:
      return { kind: spec.kind, at };
  }
}

/** Runs the sequence, calling `check` with each step. */
type Run = typeof runArb extends fc.Arbitrary<infer R> ? R : never;

function replay(run: Run, check: (prev: TradingState, event: TradingEvent, step: TradingStep) => void): TradingState {
  const limits = limitsOf(run.dailyBp, run.totalBp);
  let state = openTradingState({ startingValueCents: run.starting, day: 'day-0', at: AT });
  run.specs.forEach((spec, i) => {
    const event = toEvent(spec, state, i);
    const step = applyTradingEvent(state, event, limits);
    check(state, event, step);
    state = step.state;
  });
  return state;
}

const named = (event: TradingEvent) => 'by' in event && event.by.trim() !== '' && event.reason.trim() !== '';
/** Exact: loss of at least `bp` basis points of the baseline. */
const breached = (baseline: number, equity: number, bp: number) =>
  baseline - equity > 0 && (baseline - equity) * 10_000 >= baseline * bp;

describe('trading state properties', () => {
  it('PAUSED never lifts without an operator resume naming who and why', () => {
    let lifted = 0;
    fc.assert(
      fc.property(runArb, (run) => {
        replay(run, (prev, event, { state }) => {
          if (prev.status !== 'PAUSED' || state.status === 'PAUSED') return;
          if (state.status === 'ACTIVE' || state.status === 'REDUCING') {
            lifted++;
            assert.equal(event.kind, 'operator-resume');
            assert.ok(named(event));
          } else {
            // only toward something stricter: the kill switch, an incident, the total-loss stop
            assert.ok(state.status === 'HALTED' || state.status === 'SHUTDOWN');
          }
        });
      }),
      RUNS,
    );
    assert.ok(lifted > 1_000, `pauses were lifted by resumes (${lifted})`);
  });

  it('SHUTDOWN never lifts without an operator reset naming who and why', () => {
    let reset = 0;
    fc.assert(
      fc.property(runArb, (run) => {
        replay(run, (prev, event, { state }) => {
          if (prev.status !== 'SHUTDOWN' || state.status === 'SHUTDOWN') return;
          reset++;
          assert.equal(event.kind, 'operator-reset');
          assert.ok(named(event));
        });
      }),
      RUNS,
    );
    assert.ok(reset > 200, `shutdowns were reset (${reset})`);
  });

  it('every transition is recorded once, alerted, and chained; nothing else is recorded', () => {
    let transitions = 0;
    fc.assert(
      fc.property(runArb, (run) => {
        const records: { from: string; to: string }[] = [];
        const initial = openTradingState({ startingValueCents: run.starting, day: 'day-0', at: AT }).status;
        const final = replay(run, (prev, event, step) => {
          const recorded = step.effects.flatMap((e) => (e.kind === 'record-transition' ? [e.transition] : []));
          const alerts = step.effects.filter((e) => e.kind === 'alert-operator');
          if (prev.status === step.state.status) {
            assert.deepEqual(recorded, []);
          } else {
            transitions++;
            assert.equal(recorded.length, 1);
            const [record] = recorded;
            assert.deepEqual(
              [record!.from, record!.to, record!.cause, record!.at],
              [prev.status, step.state.status, event.kind, event.at],
            );
            assert.ok(record!.reason.length > 10 && record!.by.length > 0);
            assert.ok(alerts.length === 1);
            assert.equal(step.state.since, event.at);
            records.push(record!);
          }
          if (step.refused !== undefined) {
            assert.equal(step.state, prev);
            assert.deepEqual(step.effects, []);
          }
        });
        // the records alone tell the whole story: each starts where the previous ended
        let status: string = initial;
        for (const r of records) {
          assert.equal(r.from, status);
          status = r.to;
        }
        assert.equal(status, final.status);
      }),
      RUNS,
    );
    assert.ok(transitions > 20_000, `transitions happened (${transitions})`);
  });

  it('breakers trip on the loss, stopped statuses cancel working orders, and trading never runs past a loss limit', () => {
    let trips = 0;
    fc.assert(
      fc.property(runArb, (run) => {
        replay(run, (prev, event, { state, effects }) => {
          const f = state;
          if (event.kind === 'equity' || event.kind === 'day-rollover') {
            // seed: "Complete shutdown at 65% total loss"
            if (breached(f.startingValueCents, f.equityCents, run.totalBp)) assert.equal(state.status, 'SHUTDOWN');
            // seed: "Automatic trading halt on 5% daily drawdown"
            if (
              (prev.status === 'ACTIVE' || prev.status === 'REDUCING') &&
              breached(f.dayBaselineCents, f.equityCents, run.dailyBp)
            ) {
              trips++;
              assert.ok(state.status === 'PAUSED' || state.status === 'SHUTDOWN');
            }
          }
          if (state.status === 'ACTIVE' || state.status === 'REDUCING') {
            assert.ok(
              !breached(f.dayBaselineCents, f.equityCents, run.dailyBp),
              'trading with the daily loss past its limit',
            );
            assert.ok(
              !breached(f.startingValueCents, f.equityCents, run.totalBp),
              'trading with the total loss past its limit',
            );
          }
          if (prev.status !== state.status && ['PAUSED', 'HALTED', 'SHUTDOWN'].includes(state.status)) {
            assert.ok(effects.some((e) => e.kind === 'cancel-working-orders'));
          }
          // the kill switch always stops trading
          if (event.kind === 'operator-halt') assert.ok(state.status === 'HALTED' || state.status === 'SHUTDOWN');
          // REDUCING means a reconciliation is running, and ACTIVE that none is
          if (state.status === 'REDUCING') assert.ok(state.reconciling);
          if (state.status === 'ACTIVE') assert.ok(!state.reconciling);
        });
      }),
      RUNS,
    );
    assert.ok(trips > 1_000, `daily-loss breakers tripped (${trips})`);
  });
});
