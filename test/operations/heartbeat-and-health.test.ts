import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { readCheckpoint, readCheckpoints, readEntries, verifyChain } from '../../ledger/ledger-store';
import { unkeyedEntryHash } from '../../ledger/hash-chain';
import { incidentStatusQuery, type IncidentStatus } from '../../contracts/incidents';
import { TEST_LEDGER_KEY } from '../support/ledger-key';
import { rewriteLedgerFrom } from '../support/ledger-tamper';
import { until } from '../support/until';
import { TASK_QUEUES } from '../../policies/domains';
import { controlActivities } from '../../activities/control-domain';
import { testClient, testConfig, testAppPool } from '../support/stack';
import { startDomainWorkers } from '../support/workers';
import { startTestVenues } from '../support/loopback-venues';
import { saveHistoryFixture } from '../support/histories';
import { nemoHome } from '../../platform/nemo-home';
import type { NemoConfig } from '../../platform/config';
import type { Client } from '@temporalio/client';

describe('heartbeat and health check workflows on a real Temporal server', () => {
  let config: NemoConfig;
  let client: Client;
  before(async () => {
    const venues = await startTestVenues({ kalshiMarkets: 20 });
    config = await testConfig({ ...venues.config });
    client = await testClient(config);
    await startDomainWorkers(config, [
      { domain: 'control', activities: controlActivities, secrets: venues.secretsFor('control') },
    ]);
  });

  it('heartbeat records which domain workers poll and publishes the ledger head outside the database', async () => {
    const workflowId = `heartbeat-test-${Date.now()}`;
    const result = await client.workflow.execute('heartbeat', { taskQueue: TASK_QUEUES.control, workflowId });
    const pool = testAppPool(config.DATABASE_URL);
    const [entry] = await readEntries(pool, { kind: 'heartbeat' });
    assert.ok(entry, 'a heartbeat entry is in the ledger');
    assert.equal(entry.seq, result.seq);
    const workers = entry.payload.workers as { domain: string; workflowPollers: number }[];
    assert.equal(
      workers.find((w) => w.domain === 'control')!.workflowPollers > 0,
      true,
      'the control worker is seen polling',
    );
    // Only the control worker runs in this test, so the other four domains are reported down.
    assert.deepEqual([...result.workersDown].sort(), ['live', 'paper', 'research', 'upgrade']);
    assert.ok(
      readCheckpoint(nemoHome(config.NEMO_HOME).ledgerCheckpoints),
      'the ledger head was published to NEMO_HOME',
    );
    await saveHistoryFixture(client, workflowId, 'control');
  });

  it('health check reports Temporal, PostgreSQL and both venues up with latency, and records the report', async () => {
    const workflowId = `health-test-${Date.now()}`;
    const report = await client.workflow.execute('healthCheck', { taskQueue: TASK_QUEUES.control, workflowId });
    const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
    assert.equal(byName.temporal.status, 'up');
    assert.equal(byName.postgresql.status, 'up');
    assert.equal(typeof byName.postgresql.latencyMs, 'number');
    assert.equal(byName.kalshi.status, 'up', 'the venue answers the read-only key');
    assert.equal(byName.coinbase.status, 'up');
    const pool = testAppPool(config.DATABASE_URL);
    const [entry] = await readEntries(pool, { kind: 'health.check' });
    assert.equal(entry?.payload.allUp, true);
    await saveHistoryFixture(client, workflowId, 'control');
  });

  it('a superuser rewrite of the chain is caught by the next heartbeat: never published, a security-breach incident opens', async () => {
    const home = nemoHome(config.NEMO_HOME);
    const say = (line: string) => console.log(`[ledger-rewrite] ${line}`);
    const pool = testAppPool(config.DATABASE_URL);
    await client.workflow.execute('heartbeat', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `heartbeat-before-${Date.now()}`,
    });
    const before = readCheckpoints(home.ledgerCheckpoints);
    const published = before.at(-1)!;
    say(
      `published head before the attack: entry ${published.seq} ${published.hash} (${before.length} checkpoint(s) in ${home.ledgerCheckpoints})`,
    );

    // The attacker: database superuser, no vault. Triggers off, a past entry changed, every hash from it on recomputed
    // (plain SHA-256: the MAC key is not in the database), chained, triggers back on.
    const from = Math.max(1, published.seq - 2);
    const last = await rewriteLedgerFrom(config.DATABASE_URL, from, unkeyedEntryHash, (payload, seq) =>
      seq === from ? { ...payload, rewritten: true } : payload,
    );
    say(
      `attacker rewrote entries ${from}..${last} as superuser (trigger disabled, every hash recomputed without the key)`,
    );

    // One heartbeat later.
    const result = await client.workflow.execute('heartbeat', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `heartbeat-after-${Date.now()}`,
    });
    const [beat] = (await readEntries(pool, { kind: 'heartbeat', afterSeq: published.seq })).filter(
      (e) => e.seq === result.seq,
    );
    const ledgerBreak = beat!.payload.ledgerBreak as { seq: number; reason: string; detail: string } | null;
    say(`next heartbeat (entry ${result.seq}): ledgerBreak = ${JSON.stringify(ledgerBreak)}`);
    assert.ok(ledgerBreak, 'the heartbeat found the break');
    assert.deepEqual(
      [ledgerBreak.seq, ledgerBreak.reason],
      [published.seq, 'checkpoint-mismatch'],
      'the published head is no longer in the chain',
    );
    assert.equal(beat!.payload.ledgerCheckpoint, null, 'the heartbeat published nothing');
    const after = readCheckpoints(home.ledgerCheckpoints);
    assert.deepEqual(after, before, 'the checkpoint series is unchanged: the rewritten head was not published');
    say(
      `checkpoint series unchanged: ${after.length} checkpoint(s), newest still entry ${after.at(-1)!.seq} ${after.at(-1)!.hash}`,
    );

    const incident = client.workflow.getHandle('incident/security-breach/ledger-rewritten');
    const status = await until(async () => {
      const s: IncidentStatus | undefined = await incident.query(incidentStatusQuery).catch(() => undefined);
      return s?.steps.some((step) => step.step === 'critical alert') ? s : undefined;
    }, 'the security-breach incident to alert the operator');
    say(`incident ${status!.incidentId} ${status!.stage}: trigger "${status!.triggers[0]!.summary}"`);
    for (const step of status!.steps) say(`  step ${step.step}: ${step.outcome}`);
    assert.equal(status!.type, 'security-breach');
    assert.equal(status!.triggers[0]!.source, 'heartbeat');

    // A second heartbeat still refuses, and `ledger verify` against the series still fails.
    await client.workflow.execute('heartbeat', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `heartbeat-again-${Date.now()}`,
    });
    assert.deepEqual(readCheckpoints(home.ledgerCheckpoints), before, 'never re-published');
    const verify = await verifyChain(pool, {
      key: TEST_LEDGER_KEY,
      checkpoint: readCheckpoint(home.ledgerCheckpoints),
    });
    assert.deepEqual([verify.ok, verify.firstBreak?.seq], [false, from]);
    say(
      `ledger verify: BROKEN at entry ${verify.firstBreak!.seq} (${verify.firstBreak!.reason}): ${verify.firstBreak!.detail}`,
    );

    // The incident watch finds it too (every minute), landing in the same incident.
    const watch = await client.workflow.execute('incidentWatch', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `watch-${Date.now()}`,
      args: [{ heartbeatEvery: '5m' }],
    });
    say(`incident watch run: ${watch.triggers} trigger(s) -> ${watch.incidents.join(', ')}`);
    assert.ok(watch.incidents.includes(incident.workflowId), 'the watch finds the break in the chain tail as well');
  });
});
