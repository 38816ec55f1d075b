import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { openIncidentFor } from '../../activities/incidents/open-incident';
import { readEntries } from '../../ledger/ledger-store';
import { nemoHome } from '../../platform/nemo-home';
import { openVault } from '../../platform/vault/vault';
import { TASK_QUEUES } from '../../policies/domains';
import { workerFailureTrigger } from '../../policies/incident-triggers';
import { incidentStatusQuery, type IncidentOutcome } from '../../contracts/incidents';
import { saveHistoryFixture } from '../support/histories';
import { atFileEnd } from '../support/stack';
import { startOpsStack, type OpsStack } from '../support/ops-stack';
import { until } from '../support/until';
import { safeModeFile } from '../../platform/safe-mode';

const HEALTH = 'incident/technical-failure/health/kalshi';
const HEARTBEAT = 'incident/technical-failure/heartbeat-missed';
const WORKER = 'incident/technical-failure/worker/live';
const LOSS = 'incident/financial-loss/loss/live:kalshi';
const BREACH = 'incident/security-breach/domain-violation';

/**
 * Each incident protocol on the loopback stack, from its real trigger to the operator's approval: a venue that stops
 * answering its health check, a worker the supervisor gave up on, a heartbeat gone silent, a daily-loss breaker, and
 * domain violations. Live and paper
 * guardians run throughout, so each protocol's effect on trading is observed on the guardians themselves.
 */
describe('incident response: each protocol from its trigger to the operator (real Temporal, PostgreSQL, loopback venues)', () => {
  let stack: OpsStack;
  let watches = 0;
  const steps = async (incidentId: string) => {
    const opened = (await readEntries(stack.pool, { kind: 'incident.opened' }))
      .filter((e) => e.payload.incidentId === incidentId)
      .at(-1)!;
    return (await readEntries(stack.pool, { kind: 'incident.step' }))
      .filter((e) => e.payload.runId === opened.payload.runId)
      .map((e) => ({ step: String(e.payload.step), outcome: String(e.payload.outcome) }));
  };
  const awaitingOperator = (incidentId: string) =>
    until(async () => {
      const { rows } = await stack.pool.query<{ id: string }>(
        "SELECT id FROM approvals WHERE workflow_id = $1 AND status = 'pending'",
        [incidentId],
      );
      return rows[0];
    }, `${incidentId} to ask the operator`);
  const statuses = async () => [
    (await stack.status('live', 'kalshi')).trading.status,
    (await stack.status('paper', 'kalshi')).trading.status,
  ];
  const watch = (heartbeatEvery: string) =>
    stack.client.workflow.execute('incidentWatch', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `incident-watch-${++watches}`,
      args: [{ heartbeatEvery }],
    }) as Promise<{ triggers: number; incidents: string[] }>;
  const alerts = async (title: RegExp) =>
    (await readEntries(stack.pool, { kind: 'alert' })).filter((a) => title.test(String(a.payload.title)));

  before(async () => {
    stack = await startOpsStack({
      vault: true,
      guardians: [
        { domain: 'live', venue: 'kalshi' },
        { domain: 'paper', venue: 'kalshi' },
      ],
      probes: (venues) => [
        {
          name: 'kalshi',
          async check() {
            const answer = await fetch(`${venues.config.NEMO_KALSHI_PRODUCTION_URL}/exchange/status`);
            if (!answer.ok) throw new Error(`exchange status answered ${answer.status}`);
          },
        },
      ],
    });
  });

  it('technical failure: a venue health check that fails, then answers again, closes as recovered without stopping trading', async () => {
    await stack.venues.control.kalshi.production.addFault({ kind: 'server-error', path: '/exchange/status', times: 2 });
    const report = await stack.client.workflow.execute('healthCheck', {
      taskQueue: TASK_QUEUES.control,
      workflowId: 'health-check-1',
    });
    assert.equal(report.allUp, false);
    const outcome = (await stack.client.workflow.getHandle(HEALTH).result()) as IncidentOutcome;
    assert.equal(outcome.outcome, 'recovered');
    const taken = await steps(HEALTH);
    assert.deepEqual(
      taken.map((s) => s.step),
      ['automatic restart', 'log full error context'],
    );
    assert.match(taken[0]!.outcome, /kalshi up again at check 2 of 3/);
    assert.deepEqual(await statuses(), ['ACTIVE', 'ACTIVE']);
    await saveHistoryFixture(stack.client, 'health-check-1', 'control', 'down');
    await saveHistoryFixture(stack.client, HEALTH, 'control', 'recovered');
  });

  it('technical failure: a venue that stays down gets 3 checks, a rollback attempt, a critical alert and safe mode until the operator resolves it', async () => {
    await stack.venues.control.kalshi.production.addFault({ kind: 'server-error', path: '/exchange/status' });
    await stack.client.workflow.execute('healthCheck', {
      taskQueue: TASK_QUEUES.control,
      workflowId: 'health-check-2',
    });
    await awaitingOperator(HEALTH);
    // A second failing check is the same cause: it lands in the open incident.
    await stack.client.workflow.execute('healthCheck', {
      taskQueue: TASK_QUEUES.control,
      workflowId: 'health-check-3',
    });
    const live = await until(async () => {
      const s = await stack.client.workflow.getHandle(HEALTH).query(incidentStatusQuery);
      return s.triggerCount === 2 ? s : undefined;
    }, 'the second trigger in the same incident');
    assert.equal(live.stage, 'AWAITING_APPROVAL');
    assert.equal(
      (await readEntries(stack.pool, { kind: 'incident.opened' })).filter((e) => e.payload.incidentId === HEALTH)
        .length,
      2,
      'the recovered run and this one: no third',
    );

    const taken = await steps(HEALTH);
    assert.deepEqual(
      taken.map((s) => s.step),
      [
        'automatic restart',
        'log full error context',
        'roll back to the last known good version',
        'alert: restarts failed',
        'enter safe mode',
        'halt all trading (monitoring only)',
        'incident report',
      ],
    );
    assert.match(taken[0]!.outcome, /kalshi still down after 3 attempts, 1s apart/);
    assert.match(taken[2]!.outcome, /no rollback target exists/);
    assert.equal(
      (await readEntries(stack.pool, { kind: 'upgrade.rollback-unavailable' })).length,
      1,
      'the rollback activity recorded it',
    );
    assert.equal((await alerts(/^TECHNICAL FAILURE: health\/kalshi/))[0]?.payload.severity, 'critical');
    assert.ok(existsSync(safeModeFile(nemoHome(stack.config.NEMO_HOME))), 'safe mode is on');
    assert.deepEqual(await statuses(), ['HALTED', 'HALTED']);

    assert.equal(await stack.cli('incident', 'list', '--open'), 0);
    assert.match(stack.output.join('\n'), new RegExp(`${HEALTH}  \\(run [0-9a-f]{8}, opened [^)]+\\)  OPEN`));
    assert.equal(await stack.cli('incident', 'health', '--json'), 0);
    const health = JSON.parse(stack.output.at(-1)!) as { healthChecks: { allUp: boolean }[] };
    assert.deepEqual(
      health.healthChecks.slice(0, 3).map((h) => h.allUp),
      [false, false, false],
    );

    await stack.venues.control.kalshi.production.clearFaults();
    assert.equal(
      await stack.cli('incident', 'resolve', HEALTH, '--reason', 'the venue restored its status endpoint'),
      0,
      stack.output.join('\n'),
    );
    const outcome = (await stack.client.workflow.getHandle(HEALTH).result()) as IncidentOutcome;
    assert.deepEqual(
      [outcome.outcome, outcome.by, outcome.reason],
      ['resolved', 'alice', 'the venue restored its status endpoint'],
    );
    assert.ok(!existsSync(safeModeFile(nemoHome(stack.config.NEMO_HOME))), 'safe mode is cleared');
    assert.deepEqual(await statuses(), ['ACTIVE', 'ACTIVE']);
    await saveHistoryFixture(stack.client, HEALTH, 'control');
  });

  it('technical failure: a worker the supervisor gave up on (restarted 3 times) goes straight to rollback, alert and safe mode', async () => {
    // What `nemo up` does when its supervisor gives up on a worker: safe mode on disk, then the incident.
    const safeMode = safeModeFile(nemoHome(stack.config.NEMO_HOME));
    mkdirSync(path.dirname(safeMode), { recursive: true });
    writeFileSync(
      safeMode,
      JSON.stringify({ since: '2026-02-12T10:00:00.000Z', reason: 'live worker failed after 3 restarts' }),
    );
    await openIncidentFor(
      stack.client,
      stack.config,
      workerFailureTrigger({
        worker: 'live',
        restarts: 3,
        exitCode: null,
        signal: 'SIGKILL',
        exitedAt: new Date().toISOString(),
        outputTail: 'Killed',
      }),
    );
    await awaitingOperator(WORKER);
    const taken = await steps(WORKER);
    assert.deepEqual(taken.map((s) => s.step).slice(0, 5), [
      'automatic restart',
      'log full error context',
      'roll back to the last known good version',
      'alert: restarts failed',
      'enter safe mode',
    ]);
    assert.match(
      taken[0]!.outcome,
      /the supervisor restarted the worker 3 times; it kept failing \(last exit SIGKILL\)/,
    );
    assert.equal(
      taken[4]!.outcome,
      'safe mode since 2026-02-12T10:00:00.000Z',
      "the supervisor's safe mode is kept, not replaced",
    );
    assert.deepEqual(await statuses(), ['HALTED', 'HALTED']);
    assert.equal(
      await stack.cli('incident', 'resolve', WORKER, '--reason', 'the live worker runs again after the fix'),
      0,
      stack.output.join('\n'),
    );
    assert.equal(((await stack.client.workflow.getHandle(WORKER).result()) as IncidentOutcome).outcome, 'resolved');
    assert.ok(!existsSync(safeMode), 'the operator cleared safe mode');
    assert.deepEqual(await statuses(), ['ACTIVE', 'ACTIVE']);
  });

  it('technical failure: a missed heartbeat opens an incident whose restart runs the heartbeat again', async () => {
    await stack.client.workflow.execute('heartbeat', { taskQueue: TASK_QUEUES.control, workflowId: 'heartbeat-1' });
    await new Promise((r) => setTimeout(r, 2_500));
    const seen = await watch('1s');
    assert.deepEqual(seen.incidents, [HEARTBEAT]);
    const outcome = (await stack.client.workflow.getHandle(HEARTBEAT).result()) as IncidentOutcome;
    assert.equal(outcome.outcome, 'recovered');
    assert.match((await steps(HEARTBEAT))[0]!.outcome, /heartbeat ran again at attempt 1 of 3/);
    assert.equal((await readEntries(stack.pool, { kind: 'heartbeat' })).length, 2, 'the restart recorded a heartbeat');
    await saveHistoryFixture(stack.client, 'incident-watch-1', 'control');
  });

  it('financial loss: a daily-loss breaker stops new positions, evaluates the account, reports, and the approval lifts the pause', async () => {
    await stack.venues.control.kalshi.production.setBalance(90_000);
    await until(
      async () => ((await stack.status('live', 'kalshi')).trading.status === 'PAUSED' ? true : undefined),
      'the daily-loss breaker',
    );
    const seen = await watch('1h');
    assert.deepEqual(seen.incidents, [LOSS]);
    await awaitingOperator(LOSS);
    const taken = await steps(LOSS);
    assert.deepEqual(
      taken.map((s) => s.step),
      [
        'stop all new positions',
        'evaluate open positions',
        'alert with full context',
        'incident report',
        'propose corrective measures',
      ],
    );
    assert.match(taken[0]!.outcome, /live:kalshi: already PAUSED/);
    assert.match(taken[1]!.outcome, /live:kalshi PAUSED: equity \$900\.00, day -\$100\.00/);
    assert.match(taken[4]!.outcome, /live:kalshi: down 10% today \(limit 5%\)/);
    assert.deepEqual(await statuses(), ['PAUSED', 'ACTIVE'], 'a live loss stops live trading only');
    const [alert] = await alerts(/^FINANCIAL LOSS: loss\/live:kalshi/);
    assert.equal(alert?.payload.severity, 'critical');
    assert.match(String(alert?.payload.body), /Proposed: live:kalshi: down 10% today/);

    assert.equal(
      await stack.cli('incident', 'resolve', LOSS, '--reason', 'a balance correction at the venue; accept the loss'),
      0,
      stack.output.join('\n'),
    );
    const outcome = (await stack.client.workflow.getHandle(LOSS).result()) as IncidentOutcome;
    assert.deepEqual(
      outcome.resumed.map((r) => `${r.account}:${r.action}:${r.status}`),
      ['live:kalshi:resume:ACTIVE'],
    );
    assert.deepEqual(await statuses(), ['ACTIVE', 'ACTIVE']);
    await saveHistoryFixture(stack.client, LOSS, 'control');
  });

  it('an account resumed before the incident is resolved: approvals show its state now, and resume without --account exits 0', async () => {
    await stack.venues.control.kalshi.production.setBalance(84_000);
    await until(
      async () => ((await stack.status('live', 'kalshi')).trading.status === 'PAUSED' ? true : undefined),
      'the daily-loss breaker again',
    );
    await watch('1h');
    await awaitingOperator(LOSS);
    // live:kalshi is PAUSED, paper:kalshi ACTIVE: resuming everything lifts one and finds the other already trading.
    assert.equal(await stack.cli('resume', '--reason', 'reviewed the loss'), 0, stack.output.join('\n'));
    assert.deepEqual(await statuses(), ['ACTIVE', 'ACTIVE']);
    const from = stack.output.length;
    assert.equal(await stack.cli('approvals'), 0);
    const listed = stack.output.slice(from).join('\n');
    assert.match(listed, /PAUSED/, 'the request still says what it was asked about');
    assert.match(listed, /now: {4}live:kalshi ACTIVE since/, 'and shows the account as it is now');
    assert.equal(
      await stack.cli('incident', 'resolve', LOSS, '--reason', 'already resumed after review'),
      0,
      stack.output.join('\n'),
    );
    await stack.client.workflow.getHandle(LOSS).result();
  });

  it('security breach: domain violations halt all trading, revoke the keys, alert, report, and one approval resumes; repeats land in one incident', async () => {
    // A research workflow that tries to place a live order: the live worker's domain guard refuses and records it.
    const connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS! });
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '..', 'fixtures', 'workflows', 'venue-probes.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const research = await Worker.create({
      connection,
      namespace: stack.config.TEMPORAL_NAMESPACE,
      taskQueue: TASK_QUEUES.research,
      workflowBundle,
    });
    const running = research.run();
    atFileEnd(async () => {
      if (research.getState() === 'RUNNING') research.shutdown();
      await running;
      await connection.close();
    });
    const order = {
      venue: 'kalshi',
      market: 'KX-ANY',
      clientOrderId: 'breach-1',
      side: 'buy',
      type: 'limit',
      timeInForce: 'ioc',
      quantity: '1',
      limitPrice: '0.5',
    };
    for (const n of [1, 2]) {
      await assert.rejects(
        stack.client.workflow.execute('researchScan', {
          taskQueue: TASK_QUEUES.research,
          workflowId: `research-scan-${n}`,
          args: [order],
        }),
        WorkflowFailedError,
      );
    }
    assert.equal((await readEntries(stack.pool, { kind: 'security.domain-violation' })).length, 2);

    const seen = await watch('1h');
    assert.deepEqual(
      seen,
      { triggers: 2, incidents: [BREACH] },
      'two violations, one incident; the failed workflows are not a second one',
    );
    assert.deepEqual((await watch('1h')).triggers, 0, 'the watch does not read them again');
    await awaitingOperator(BREACH);
    const live = await stack.client.workflow.getHandle(BREACH).query(incidentStatusQuery);
    assert.equal(live.triggerCount, 2);

    const taken = await steps(BREACH);
    assert.deepEqual(
      taken.map((s) => s.step),
      ['halt all trading', 'revoke all venue keys', 'critical alert', 'incident report'],
    );
    assert.deepEqual(await statuses(), ['HALTED', 'HALTED']);
    assert.match(taken[1]!.outcome, /kalshi\.production: revoked, venue deleted/);
    const vault = openVault(stack.config, {})!.list();
    assert.deepEqual(
      vault
        .filter((e) => e.revokedAt)
        .map((e) => e.name)
        .sort(),
      ['kalshi.production', 'kalshi.readonly'],
    );
    assert.equal((await alerts(/^SECURITY BREACH/))[0]?.payload.severity, 'critical');
    const report = readFileSync(live.report!.markdown, 'utf8');
    assert.match(report, /## Keys revoked/);
    assert.match(report, /domain violation: researchScan tried placeLiveOrder on the live worker/);

    assert.equal(
      await stack.cli('incident', 'resolve', BREACH, '--reason', 'the probe was a drill; new keys issued'),
      0,
      stack.output.join('\n'),
    );
    const outcome = (await stack.client.workflow.getHandle(BREACH).result()) as IncidentOutcome;
    assert.deepEqual(outcome.resumed.map((r) => `${r.account}:${r.action}:${r.status}`).sort(), [
      'live:kalshi:resume:ACTIVE',
      'paper:kalshi:resume:ACTIVE',
    ]);
    assert.equal(await stack.cli('incident', 'show', BREACH), 0);
    assert.match(stack.output.join('\n'), /resolved by alice: the probe was a drill; new keys issued/);
    await saveHistoryFixture(stack.client, BREACH, 'control');
  });

  it('refuses bad `nemo incident` input, naming what is wrong', async () => {
    assert.equal(await stack.cli('incident', 'close'), 2);
    assert.match(stack.output.at(-1)!, /unknown incident action "close": use list, show, resolve or health/);
    assert.equal(await stack.cli('incident', 'show', 'guardian/live/kalshi'), 2);
    assert.match(stack.output.at(-1)!, /"guardian\/live\/kalshi" is not an incident id/);
    assert.equal(
      await stack.cli('incident', 'resolve', BREACH, '--reason', 'again'),
      1,
      'a closed incident waits for no one',
    );
    assert.match(stack.output.at(-1)!, /is not waiting for the operator/);
    assert.equal(await stack.cli('incident', 'health', '--limit', 'lots'), 2);
  });
});
