import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { appendEntry } from '../../ledger/ledger-store';
import { dropDatabase, ownerClient, withDatabase } from '../../platform/postgres/postgres';
import {
  clusterPersistence,
  ensureClusterBinaries,
  type ClusterBinaries,
} from '../../platform/temporal/temporal-cluster';
import { TASK_QUEUES } from '../../policies/domains';
import { guardianWorkflowId } from '../../contracts/guardian';
import {
  clusterNemoSettings,
  stackServerPid,
  startClusterNemo,
  workerProcesses,
  type ClusterNemo,
} from '../../bench/crash-storm/cluster-nemo';
import { checkStormInvariants, stormReport } from '../../bench/crash-storm/invariants';
import { runCrashStorm, seedStormEvidence, type StormRecord } from '../../bench/crash-storm/storm';
import { nemoEnv } from '../support/nemo-cli';
import { writeTestLedgerKey } from '../support/ledger-key';
import { atFileEnd, freshDatabase, testAppPool } from '../support/stack';

/**
 * `nemo up --cluster` as an operator runs it (the CLI process: the Temporal server built from go.temporal.io/server on
 * PostgreSQL, two worker processes per trading domain, SIMULATED venues), and on it the crash storm of
 * bench/crash-storm.ts with smaller counts: live trades on Kalshi and Coinbase while trading workers are SIGKILLed
 * every few seconds and the Temporal server once, every invariant checked; then Ctrl-C stops it.
 */
describe('nemo up --cluster, a crash storm on it, and Ctrl-C', () => {
  let binaries: ClusterBinaries;
  let stack: ClusterNemo;
  let databaseUrl: string;
  let pool: pg.Pool;
  let record: StormRecord | undefined;

  before(async () => {
    binaries = await ensureClusterBinaries((line) => process.stdout.write(`# ${line}\n`));
    databaseUrl = await freshDatabase('storm');
    const persistence = clusterPersistence(databaseUrl);
    atFileEnd(async () => {
      await dropDatabase(withDatabase(databaseUrl, persistence.database));
      await dropDatabase(withDatabase(databaseUrl, persistence.visibilityDatabase));
    });
    const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'cluster-storm-'));
    // The storm appends its strategy's evidence with the test ledger key: `nemo up` must chain with the same one.
    writeTestLedgerKey(home);
    stack = await startClusterNemo(nemoEnv(await clusterNemoSettings(home, databaseUrl)));
    atFileEnd(() => stack.client.connection.close());
    pool = testAppPool(databaseUrl);
    await seedStormEvidence(pool);
  });

  after(async () => {
    await stack?.interrupt(30_000);
    await record?.server?.stop();
  });

  it('runs the Temporal server on PostgreSQL (not the dev server), with two workers per trading domain polling it', async () => {
    assert.match(stack.output(), /Temporal: cluster \S+temporal-server \((cache|go install)\); schema in /);
    assert.match(stack.output(), /namespace nemo-storm registered; search attributes registered NemoDomain/);
    assert.equal(
      readFileSync(`/proc/${stackServerPid(stack.home)}/cmdline`, 'utf8').split('\0')[0],
      binaries.server,
      'the server process is the cluster build',
    );
    const [cluster] = (await stack.client.connection.operatorService.listClusters({})).clusters ?? [];
    assert.equal(
      cluster?.historyShardCount,
      4,
      'the shard count of temporal-cluster/config/nemo.yaml (the dev server has 1)',
    );
    const db = ownerClient(withDatabase(databaseUrl, clusterPersistence(databaseUrl).database));
    await db.connect();
    const ids = (
      await db.query<{ workflow_id: string }>('SELECT workflow_id FROM current_executions').finally(() => db.end())
    ).rows.map((r) => r.workflow_id);
    assert.ok(
      ids.includes(guardianWorkflowId('live', 'coinbase')),
      `the live Coinbase guardian is a row of the cluster database (${ids.length} rows)`,
    );
    for (const domain of ['live', 'paper'] as const) {
      const { pollers } = await stack.client.workflowService.describeTaskQueue({
        namespace: stack.config.TEMPORAL_NAMESPACE,
        taskQueue: { name: TASK_QUEUES[domain], kind: 1 },
        taskQueueType: 1,
      });
      const identities = new Set((pollers ?? []).map((p) => p.identity!.split('/')[0]));
      assert.deepEqual(
        [...identities].sort(),
        [`nemo-${domain}#2@${os.hostname()}`, `nemo-${domain}@${os.hostname()}`],
        `${domain}: two processes polling`,
      );
    }
    assert.deepEqual(
      workerProcesses(stack.home)
        .filter((p) => /^(live|paper)/.test(p.name))
        .map((p) => `${p.name}:${p.state}`)
        .sort(),
      ['live#2:running', 'live:running', 'paper#2:running', 'paper:running'],
    );
    // The operator's view: both processes of each trading domain, and both pollers.
    const status = await stack.nemo(['status']);
    for (const name of ['live', 'live#2', 'paper', 'paper#2'])
      assert.match(status, new RegExp(`Processes .*\\b${name} pid \\d+`), status);
    for (const domain of ['live', 'paper'])
      assert.match(status, new RegExp(`Workers .*\\b${domain} up \\(2 pollers\\)`), status);
  });

  it('survives a crash storm: trades on both venues while workers are SIGKILLed and the server restarted, every invariant holds', async () => {
    record = await runCrashStorm(stack, {
      trades: 20,
      kills: 10,
      serverRestarts: 1,
      killEveryMs: [2500, 5000],
      lanesPerVenue: 3,
      maxDurationMs: 4 * 60_000,
      say: (line) => process.stdout.write(`# ${line}\n`),
    });
    const results = await checkStormInvariants(stack, pool, record);
    for (const line of stormReport(record, results)) process.stdout.write(`# ${line}\n`);
    assert.ok(record.trades.length >= 20, `${record.trades.length} trades`);
    assert.ok(record.kills.length >= 10, `${record.kills.length} kills`);
    assert.equal(record.serverRestarts, 1);
    // Every kill was a first failure to the supervisor (NEMO_WORKER_STABLE_AFTER): none was given up on, no safe mode.
    assert.deepEqual(
      workerProcesses(stack.home).filter((p) => p.state === 'failed'),
      [],
    );
    assert.equal(existsSync(path.join(stack.home, 'run', 'safe-mode.json')), false);
    for (const venue of ['kalshi', 'coinbase']) {
      const filled = record.trades.filter(
        (t) => t.venue === venue && t.outcome?.outcome === 'done' && Number(t.outcome.filledQuantity) > 0,
      );
      assert.ok(
        filled.length >= 2,
        `${venue}: ${filled.length} trades filled (the invariants must have something to check)`,
      );
    }
    for (const result of results) assert.ok(result.ok, `${result.name}: ${result.detail}`);

    // The checks find what they look for: a fill recorded twice fails the ledger invariant, naming the order.
    const twice = record.trades.find((t) => t.outcome?.outcome === 'done' && Number(t.outcome.filledQuantity) > 0)!;
    const clientOrderId = twice.outcome!.outcome === 'done' ? twice.outcome!.clientOrderId : '';
    await appendEntry(pool, {
      kind: 'trade.fill',
      domain: 'live',
      account: `live:${twice.venue}`,
      idempotencyKey: `storm-test:second-fill:${clientOrderId}`,
      payload: { clientOrderId, workflowId: twice.workflowId, filledQuantity: '1' },
    });
    const tampered = (await checkStormInvariants(stack, pool, record)).find((r) => r.name.startsWith('every fill'))!;
    assert.equal(tampered.ok, false);
    assert.match(tampered.detail, new RegExp(`${clientOrderId}: 2 ledger fills`));
  });

  it('stops cleanly on Ctrl-C: every worker process gone, the stack file removed', async () => {
    const pids = workerProcesses(stack.home).flatMap((p) => (p.pid ? [p.pid] : []));
    assert.equal(await stack.interrupt(), 0, stack.output().slice(-2000));
    assert.match(stack.output(), /stopping NEMO[^]*\nstopped\n/);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `worker ${pid} is gone`);
    assert.equal(existsSync(path.join(stack.home, 'run', 'stack.json')), false);
  });
});
