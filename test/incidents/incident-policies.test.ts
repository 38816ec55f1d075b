import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerEntry } from '../../ledger/entry';
import { DEFAULT_LIMITS } from '../../policies/limits';
import { closingEstimate, correctiveMeasures, type AccountEvaluation } from '../../policies/incident-evaluation';
import { resumePlan } from '../../policies/incident-resume';
import {
  checkTrigger,
  failedHealthTrigger,
  heartbeatMissed,
  incidentId,
  incidentScope,
  IncidentInputError,
  missedHeartbeatTrigger,
  parseIncidentId,
  triggerFromLedgerEntry,
} from '../../policies/incident-triggers';

function entry(kind: string, payload: LedgerEntry['payload'], account = 'nemo', seq = 7): LedgerEntry {
  return {
    seq,
    kind,
    domain: 'control',
    account,
    payload,
    idempotencyKey: `${kind}:${seq}`,
    recordedAt: '2026-02-12T10:00:00.000Z',
    prevHash: '0',
    hash: '1',
  };
}

describe('incident triggers: which incident, one per cause', () => {
  it('maps security events to a security breach and breaker trips to a financial loss of the account', () => {
    const violation = triggerFromLedgerEntry(
      entry('security.domain-violation', {
        workflowType: 'researchScan',
        activityType: 'placeLiveOrder',
        hostDomain: 'live',
        reason: 'no',
      }),
    )!;
    assert.equal(violation.type, 'security-breach');
    assert.equal(incidentId(violation.type, violation.cause), 'incident/security-breach/domain-violation');
    assert.equal(violation.key, 'security.domain-violation:7', 'the occurrence is the ledger entry');
    assert.equal(
      triggerFromLedgerEntry(entry('security.injection-detected', { source: 'x', verdict: 'injection' }))!.cause,
      'injection-detected',
    );
    assert.equal(
      triggerFromLedgerEntry(entry('security.unverified-approval-signal', { approvalId: 3, signalledWorkflow: 'w' }))!
        .cause,
      'forged-approval-signal',
    );
    const paused = triggerFromLedgerEntry(
      entry('guardian.transition', { transition: { to: 'PAUSED', reason: 'daily loss 6%' } }, 'live:kalshi'),
    )!;
    assert.deepEqual(
      [paused.type, paused.cause, paused.account],
      ['financial-loss', 'loss/live:kalshi', 'live:kalshi'],
    );
    const shutdown = triggerFromLedgerEntry(
      entry('guardian.transition', { transition: { to: 'SHUTDOWN', reason: 'total loss' } }, 'live:kalshi', 9),
    )!;
    assert.equal(
      incidentId(shutdown.type, shutdown.cause),
      incidentId(paused.type, paused.cause),
      'a pause then a shutdown of one account is one incident',
    );
  });

  it('ignores what NEMO does itself: halts, reconciliations, resumes, other kinds', () => {
    for (const to of ['HALTED', 'REDUCING', 'ACTIVE'])
      assert.equal(
        triggerFromLedgerEntry(entry('guardian.transition', { transition: { to } }, 'live:kalshi')),
        undefined,
      );
    assert.equal(triggerFromLedgerEntry(entry('security.sms-bad-code', { code: '1' })), undefined);
    assert.equal(triggerFromLedgerEntry(entry('heartbeat', {})), undefined);
  });

  it('scopes a financial loss to its domain, everything else to all trading', () => {
    assert.deepEqual(incidentScope('incident/financial-loss/loss/paper:coinbase'), ['paper']);
    assert.deepEqual(incidentScope('incident/financial-loss/reconciliation/live:kalshi'), ['live']);
    assert.deepEqual(incidentScope('incident/security-breach/domain-violation'), ['live', 'paper']);
    assert.deepEqual(parseIncidentId('incident/technical-failure/health/postgresql'), {
      type: 'technical-failure',
      cause: 'health/postgresql',
    });
    assert.equal(parseIncidentId('guardian/live/kalshi'), undefined);
  });

  it('names what is wrong with a bad trigger', () => {
    assert.throws(
      () => incidentId('security-breach', 'Has Spaces'),
      /incident cause "Has Spaces" must be lowercase words/,
    );
    assert.throws(() => incidentId('fire' as never, 'x'), IncidentInputError);
    const good = missedHeartbeatTrigger({ now: Date.parse('2026-02-12T10:00:00Z'), intervalMs: 300_000 });
    assert.throws(() => checkTrigger({ ...good, key: '' }), /key must be 1 to 300 characters/);
    assert.throws(() => checkTrigger({ ...good, at: 'yesterday' }), /"yesterday" is not an ISO time/);
    assert.throws(() => checkTrigger({ ...good, account: 'live:binance' }), /must be live\|paper:kalshi\|coinbase/);
  });

  it('groups failed health checks by the set of failing dependencies', () => {
    const t = failedHealthTrigger(
      {
        checkedAt: '2026-02-12T10:00:00Z',
        checks: [
          { name: 'temporal', status: 'up' },
          { name: 'kalshi', status: 'down', detail: '503' },
          { name: 'coinbase', status: 'down' },
        ],
      },
      'k',
    );
    assert.equal(t.cause, 'health/coinbase+kalshi');
    assert.equal(
      incidentId(t.type, t.cause),
      'incident/technical-failure/health/coinbase+kalshi',
      'the cause makes a valid incident id',
    );
    assert.match(t.summary, /kalshi down \(503\)/);
  });

  it('calls a heartbeat missed after two intervals of silence, counting a fresh ledger from its start', () => {
    const interval = 300_000;
    assert.equal(
      heartbeatMissed({ now: 1_000_000, intervalMs: interval, lastHeartbeatAt: 1_000_000 - 2 * interval }),
      false,
    );
    assert.equal(
      heartbeatMissed({ now: 1_000_000, intervalMs: interval, lastHeartbeatAt: 1_000_000 - 2 * interval - 1 }),
      true,
    );
    assert.equal(heartbeatMissed({ now: 1_000_000, intervalMs: interval }), false, 'an empty ledger misses nothing');
    assert.equal(
      heartbeatMissed({ now: 1_000_000, intervalMs: interval, ledgerSince: 0 }),
      true,
      'a ledger that never had a heartbeat',
    );
    const a = missedHeartbeatTrigger({ now: 1, intervalMs: interval, lastHeartbeatAt: 0, lastHeartbeatSeq: 4 });
    const b = missedHeartbeatTrigger({ now: 2, intervalMs: interval, lastHeartbeatAt: 0, lastHeartbeatSeq: 4 });
    assert.equal(a.key, b.key, 'one silent stretch is one occurrence however often the watch looks');
  });
});

describe('resume plan: lift only what incident response stopped', () => {
  it('resumes incident halts and the reviewed daily-loss pause; keeps shutdowns, operator halts and what others hold', () => {
    const plan = resumePlan({
      accounts: [
        { account: 'live:kalshi', status: 'PAUSED', lastCause: 'equity' },
        { account: 'live:coinbase', status: 'HALTED', lastCause: 'incident' },
        { account: 'paper:kalshi', status: 'HALTED', lastCause: 'operator-halt' },
        { account: 'paper:coinbase', status: 'SHUTDOWN', lastCause: 'equity' },
      ],
      tripped: ['live:kalshi'],
      heldByOthers: {},
    });
    assert.deepEqual(
      plan.map((p) => `${p.account}:${p.action}`),
      ['live:kalshi:resume', 'live:coinbase:resume', 'paper:kalshi:keep', 'paper:coinbase:keep'],
    );
    assert.match(plan[3]!.why, /nemo reset/);
    const held = resumePlan({
      accounts: [{ account: 'live:coinbase', status: 'HALTED', lastCause: 'incident' }],
      tripped: [],
      heldByOthers: { 'live:coinbase': ['incident/security-breach/domain-violation'] },
    });
    assert.equal(held[0]!.action, 'keep');
    assert.match(held[0]!.why, /still held by open incident incident\/security-breach\/domain-violation/);
    assert.equal(
      resumePlan({ accounts: [{ account: 'live:kalshi', status: 'PAUSED' }], tripped: [], heldByOthers: {} })[0]!
        .action,
      'none',
      'a pause another review covers',
    );
  });
});

describe('position evaluation: what closing would fetch', () => {
  const book = {
    bids: [
      { price: '0.40', quantity: '10' },
      { price: '0.35', quantity: '5' },
    ],
    asks: [{ price: '0.45', quantity: '8' }],
  };

  it('walks the bids for YES with the taker fee, and names what the book cannot take', () => {
    const e = closingEstimate({ venue: 'kalshi', market: 'M', side: 'yes', count: '20' }, book);
    assert.equal(e.markCents, 800, '20 YES at the best bid 0.40');
    // 10 at 0.40 + 5 at 0.35 = 575 cents; fees ceil(0.07*10*0.4*0.6)=17 and ceil(0.07*5*0.35*0.65)=8
    assert.equal(e.feesCents, 25);
    assert.equal(e.proceedsCents, 575 - 25);
    assert.equal(e.closingCostCents, 800 - 550);
    assert.equal(e.unfilled, '5');
  });

  it('closes NO by buying YES from the asks: each contract fetches 1 - the ask', () => {
    const e = closingEstimate({ venue: 'kalshi', market: 'M', side: 'no', count: '8' }, book);
    assert.equal(e.markCents, 440);
    assert.equal(e.unfilled, '0');
    assert.equal(e.proceedsCents, 440 - 14);
  });

  it('proposes measures from the figures', () => {
    const account: AccountEvaluation = {
      account: 'live:kalshi',
      status: 'PAUSED',
      equityCents: 90_000,
      dayBaselineCents: 100_000,
      startingValueCents: 100_000,
      exposureCents: 12_000,
      exposureLimitCents: 9_000,
      limits: DEFAULT_LIMITS,
      positions: [closingEstimate({ venue: 'kalshi', market: 'M', side: 'yes', count: '20' }, book)],
    };
    const measures = correctiveMeasures([account], 2);
    assert.match(measures.join('\n'), /down 10% today \(limit 5%\)/);
    assert.match(measures.join('\n'), /exposure \$120\.00 is above its limit \$90\.00/);
    assert.match(measures.join('\n'), /book cannot take 5 of 20 YES/);
    assert.match(measures.join('\n'), /Reconciliation found 2 difference/);
    assert.deepEqual(correctiveMeasures([], 0), [
      'No position is past a limit: resume after reviewing the trades that led here.',
    ]);
  });
});
