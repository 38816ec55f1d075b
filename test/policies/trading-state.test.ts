/**
 * The trading-state reducer, as the seed's circuit breakers read: on a $1,000 account a 5% daily loss pauses until an
 * operator resumes, a 65% total loss shuts down until an operator resets with a reason, a kill switch or an incident
 * halts, and a reconciliation lets only risk-reducing orders through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../policies/limits';
import {
  admitsOrder,
  applyTradingEvent,
  openTradingState,
  tradingDayOf,
  TRADING_STATUSES,
  type TradingEffect,
  type TradingEvent,
  type TradingState,
  type TradingStep,
} from '../../policies/trading-state';
import { AT } from '../support/builders';

const start = () => openTradingState({ startingValueCents: 100_000, day: '2026-02-12', at: AT });
const step = (state: TradingState, event: TradingEvent): TradingStep => applyTradingEvent(state, event, DEFAULT_LIMITS);
const equity = (equityCents: number, source: 'fill' | 'mark' = 'mark'): TradingEvent => ({
  kind: 'equity',
  source,
  equityCents,
  at: AT,
});
const operator = (
  kind: 'operator-halt' | 'operator-resume' | 'operator-reset',
  reason = 'reviewed the losses',
  by = 'alice',
): TradingEvent => ({ kind, by, reason, at: AT });

function run(state: TradingState, ...events: TradingEvent[]): TradingStep {
  let result: TradingStep = { state, effects: [] };
  for (const event of events) result = step(result.state, event);
  return result;
}

function kinds(effects: TradingEffect[]): string[] {
  return effects.map((e) => (e.kind === 'alert-operator' ? `alert:${e.severity}` : e.kind));
}

describe('trading state', () => {
  it('starts ACTIVE with both loss baselines at the starting value', () => {
    const state = start();
    assert.equal(state.status, 'ACTIVE');
    assert.equal(state.dayBaselineCents, 100_000);
    assert.equal(state.startingValueCents, 100_000);
  });

  it('pauses on a 5% daily loss with a record, a critical alert and cancels (seed: circuit breakers)', () => {
    const below = step(start(), equity(95_001));
    assert.equal(below.state.status, 'ACTIVE');
    assert.deepEqual(below.effects, []);

    // fees are part of the loss: the portfolio value after a fill is net of the fee paid
    const paused = step(below.state, equity(95_000, 'fill'));
    assert.equal(paused.state.status, 'PAUSED');
    assert.deepEqual(kinds(paused.effects), ['record-transition', 'alert:critical', 'cancel-working-orders']);
    const record = paused.effects[0];
    assert.ok(record?.kind === 'record-transition');
    assert.equal(record.transition.from, 'ACTIVE');
    assert.equal(record.transition.to, 'PAUSED');
    assert.equal(record.transition.by, 'guardian');
    assert.match(
      record.transition.reason,
      /daily loss \$50\.00 is 5% of the day's opening value \$1000\.00, reaching the 5% limit, on a fill/,
    );
  });

  it('stays PAUSED through recoveries and new days until an operator resumes after review', () => {
    const paused = step(start(), equity(94_000)).state;
    const later = run(
      paused,
      equity(120_000),
      { kind: 'day-rollover', day: '2026-02-13', openingValueCents: 120_000, at: AT },
      { kind: 'reconciliation-started', at: AT },
      { kind: 'reconciliation-ended', at: AT },
    );
    assert.equal(later.state.status, 'PAUSED');

    const noReason = step(later.state, operator('operator-resume', ' '));
    assert.equal(noReason.refused, 'a reason is required');
    assert.equal(noReason.state, later.state);

    const resumed = step(later.state, operator('operator-resume'));
    assert.equal(resumed.state.status, 'ACTIVE');
    assert.equal(
      resumed.state.dayBaselineCents,
      120_000,
      'the loss reviewed is accepted: the day is measured from the resume',
    );
    const record = resumed.effects[0];
    assert.ok(record?.kind === 'record-transition');
    assert.equal(record.transition.by, 'alice');
    assert.match(record.transition.reason, /resumed by alice after review: reviewed the losses/);
  });

  it('a trading day is the UTC calendar date', () => {
    assert.equal(tradingDayOf(Date.UTC(2026, 1, 12, 23, 59, 59, 999)), '2026-02-12');
    assert.equal(tradingDayOf(Date.UTC(2026, 1, 13)), '2026-02-13');
  });

  it('a new day measures the daily loss from its opening value', () => {
    const state = run(start(), equity(97_000), {
      kind: 'day-rollover',
      day: '2026-02-13',
      openingValueCents: 97_000,
      at: AT,
    }).state;
    assert.equal(state.dayBaselineCents, 97_000);
    assert.equal(step(state, equity(92_151)).state.status, 'ACTIVE'); // $48.49 lost of $970: 4.999%
    assert.equal(step(state, equity(92_150)).state.status, 'PAUSED'); // $48.50 = 5%
  });

  it('shuts down at 65% total loss from any status, and only a named reset with a reason lifts it', () => {
    for (const status of ['ACTIVE', 'REDUCING', 'PAUSED', 'HALTED'] as const) {
      const shut = step({ ...start(), status }, equity(35_000));
      assert.equal(shut.state.status, 'SHUTDOWN', status);
      assert.deepEqual(kinds(shut.effects), ['record-transition', 'alert:critical', 'cancel-working-orders']);
    }
    const shut = step(start(), equity(35_000)).state;
    assert.equal(step(shut, equity(200_000)).state.status, 'SHUTDOWN');
    assert.equal(
      step(shut, operator('operator-resume')).refused,
      'SHUTDOWN is lifted only by an operator reset with a reason',
    );
    assert.equal(step(shut, operator('operator-reset', '')).refused, 'a reason is required');
    assert.equal(step(shut, operator('operator-reset', 'new capital', '')).refused, 'the operator must be named');

    const reset = step(shut, operator('operator-reset', 'losses reviewed, strategy retired'));
    assert.equal(reset.state.status, 'ACTIVE');
    assert.equal(reset.state.startingValueCents, 35_000);
    assert.equal(reset.state.dayBaselineCents, 35_000);
    assert.equal(step(start(), operator('operator-reset')).refused, 'only SHUTDOWN is reset; trading is ACTIVE');
  });

  it('halts on the kill switch or an incident, cancelling working orders; a halt is never refused for want of a reason', () => {
    const halted = step(start(), operator('operator-halt', ''));
    assert.equal(halted.state.status, 'HALTED');
    assert.deepEqual(kinds(halted.effects), ['record-transition', 'alert:critical', 'cancel-working-orders']);
    assert.equal(step(halted.state, operator('operator-halt')).refused, 'trading is already HALTED');

    const incident = step(start(), {
      kind: 'incident',
      source: 'vault',
      description: 'key used from unknown IP',
      at: AT,
    });
    assert.equal(incident.state.status, 'HALTED');
    const again = step(incident.state, { kind: 'incident', source: 'vault', description: 'again', at: AT });
    assert.deepEqual(kinds(again.effects), ['alert:critical']);

    assert.equal(step(halted.state, operator('operator-resume')).state.status, 'ACTIVE');
  });

  it('resuming from HALTED into a loss past the daily limit lands in PAUSED, not ACTIVE', () => {
    const halted = run(start(), operator('operator-halt'), equity(90_000)).state;
    assert.equal(halted.status, 'HALTED');
    const resumed = step(halted, operator('operator-resume'));
    assert.equal(resumed.state.status, 'PAUSED');
    assert.match(
      resumed.effects[0]?.kind === 'record-transition' ? resumed.effects[0].transition.reason : '',
      /resumed by alice .*; but daily loss/,
    );
  });

  it('reduces while reconciling with the venue and returns to ACTIVE when it ends', () => {
    const reducing = step(start(), { kind: 'reconciliation-started', at: AT });
    assert.equal(reducing.state.status, 'REDUCING');
    assert.deepEqual(kinds(reducing.effects), ['record-transition', 'alert:warning']);
    const resumedDuring = run(reducing.state, operator('operator-halt'), operator('operator-resume'));
    assert.equal(resumedDuring.state.status, 'REDUCING');
    assert.equal(step(resumedDuring.state, { kind: 'reconciliation-ended', at: AT }).state.status, 'ACTIVE');
  });

  it('admits only cancels and risk-reducing orders unless ACTIVE', () => {
    for (const status of TRADING_STATUSES) {
      assert.equal(admitsOrder(status, 'cancel'), true);
      assert.equal(admitsOrder(status, 'reduce'), true);
      assert.equal(admitsOrder(status, 'increase'), status === 'ACTIVE');
    }
  });
});
