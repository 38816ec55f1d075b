import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { readEntries } from '../../ledger/ledger-store';
import { readCheckpoint } from '../../ledger/ledger-store';
import { TASK_QUEUES } from '../../policies/domains';
import { controlActivities } from '../../activities/control-domain';
import { testClient, testConfig, testAppPool } from '../helpers/stack';
import { startDomainWorkers } from '../helpers/workers';
import { startTestVenues } from '../exchanges/loopback-venues';
import { saveHistoryFixture } from '../helpers/histories';
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
    await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities, secrets: venues.secretsFor('control') }]);
  });

  it('heartbeat records which domain workers poll and publishes the ledger head outside the database', async () => {
    const workflowId = `heartbeat-test-${Date.now()}`;
    const result = await client.workflow.execute('heartbeat', { taskQueue: TASK_QUEUES.control, workflowId });
    const pool = testAppPool(config.DATABASE_URL);
    const [entry] = await readEntries(pool, { kind: 'heartbeat' });
    assert.ok(entry, 'a heartbeat entry is in the ledger');
    assert.equal(entry.seq, result.seq);
    const workers = entry.payload.workers as { domain: string; workflowPollers: number }[];
    assert.equal(workers.find((w) => w.domain === 'control')!.workflowPollers > 0, true, 'the control worker is seen polling');
    // Only the control worker runs in this test, so the other four domains are reported down.
    assert.deepEqual([...result.workersDown].sort(), ['live', 'paper', 'research', 'upgrade']);
    assert.ok(readCheckpoint(nemoHome(config.NEMO_HOME).ledgerHead), 'the ledger head was published to NEMO_HOME');
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
});
