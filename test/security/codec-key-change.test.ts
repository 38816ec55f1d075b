import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { runCli } from '../../cli/nemo';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import {
  codecKeysOf,
  ENCRYPTED_ENCODING,
  payloadCodecFor,
  VaultPayloadCodec,
} from '../../platform/temporal/payload-codec';
import { workerSandboxArgs } from '../../platform/sandbox';
import { SECRETS_FD_ENV } from '../../platform/secrets';
import { Supervisor } from '../../platform/supervisor';
import { connectClient } from '../../platform/temporal/temporal-connection';
import { SecretCustodian } from '../../platform/vault/custodian';
import { createKeyFile, keyFileOf, readMasterKeyring } from '../../platform/vault/master-key';
import { SECRETS_FD } from '../../platform/vault/secret-handover';
import { TASK_QUEUES } from '../../policies/domains';
import { atFileEnd, testAppPool, testConfig } from '../support/stack';
import { until } from '../support/until';

// issue 18 E: `nemo keys init` (or a rotation) while NEMO runs. The running workers are handed the new codec key and
// go on with workflows a client now encrypts, without a restart; a payload encrypted with a key no worker holds opens
// a technical-failure incident (ledger entry, alert) instead of failing every workflow task silently.

const ROOT = path.resolve(__dirname, '..', '..');
const INCIDENT = 'incident/technical-failure/payload-undecodable';

describe('codec keys while the workers run (real control worker, handed its secrets, in its sandbox)', () => {
  let config: NemoConfig;
  let supervisor: Supervisor;
  let output = '';
  const clients: Client[] = [];
  /** A client as the CLI makes one: it encrypts with the home's master key once there is one. */
  const client = async (payloadCodec = payloadCodecFor(config, {})) => {
    const c = await connectClient({
      address: config.TEMPORAL_ADDRESS!,
      namespace: config.TEMPORAL_NAMESPACE,
      payloadCodec,
    });
    clients.push(c);
    return c;
  };
  let watches = 0;
  const watch = (c: Client) =>
    c.workflow.execute('incidentWatch', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `codec-watch-${++watches}`,
      args: [{ heartbeatEvery: '1h' }],
      // A worker that cannot read the payload would retry its task forever: fail the test instead.
      workflowExecutionTimeout: '60s',
    }) as Promise<{ triggers: number; incidents: string[] }>;
  const controlWorker = () => supervisor.statuses().find((s) => s.name === 'control')!;

  before(async () => {
    config = await testConfig();
    const home = nemoHome(config.NEMO_HOME);
    mkdirSync(home.vault, { recursive: true, mode: 0o700 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NEMO_HOME: config.NEMO_HOME,
      DATABASE_URL: config.DATABASE_URL,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      NEMO_LOG_LEVEL: 'warn',
    };
    delete env.NEMO_VAULT_KEY;
    // As `nemo up` runs a worker: handed its secrets by the custodian, the vault hidden by its sandbox.
    const custodian = new SecretCustodian(config, env, { revokeKalshiKey: async () => undefined });
    supervisor = new Supervisor({
      maxRestarts: 0,
      restartDelayMs: 10,
      stableAfterMs: 60_000,
      onOutput: (name, line) => (output = `${output}[${name}] ${line}\n`.slice(-20_000)),
    });
    supervisor.start({
      name: 'control',
      command: process.execPath,
      args: ['--import', 'tsx', path.join(ROOT, 'workers', 'control.ts')],
      env: { ...env, [SECRETS_FD_ENV]: String(SECRETS_FD) },
      ...custodian.workerIsolation('control', workerSandboxArgs([home.vault, keyFileOf(config)])),
    });
    const stopWatching = custodian.watch(() => supervisor.handOverSecrets(), 200);
    atFileEnd(async () => {
      stopWatching();
      for (const c of clients) await c.connection.close();
      await supervisor.stopAll(5_000);
    });
  });

  after(() => {
    if (process.exitCode) process.stdout.write(`\nworker output (tail):\n${output}\n`);
  });

  it('after `nemo keys init` while it runs, the same worker process decodes and answers workflows the CLI now encrypts', async () => {
    assert.equal(payloadCodecFor(config, {}), undefined, 'no master key yet: plain payloads');
    assert.deepEqual(await watch(await client()), { triggers: 0, incidents: [] });
    const pid = controlWorker().pid;

    const io = { out: [] as string[], err: [] as string[] };
    const code = await runCli(
      ['keys', 'init'],
      { out: (l) => io.out.push(l), err: (l) => io.err.push(l) },
      { PATH: process.env.PATH, NEMO_HOME: config.NEMO_HOME, DATABASE_URL: config.DATABASE_URL },
    );
    assert.equal(code, 0, io.err.join('\n'));
    const keyId = readMasterKeyring({ env: {}, keyFile: keyFileOf(config) })!.keys[0]!.id;

    const encrypting = await client();
    assert.deepEqual(await watch(encrypting), { triggers: 0, incidents: [] });
    assert.deepEqual([controlWorker().pid, controlWorker().restarts], [pid, 0], 'no restart');
    // The workflow's input and its result went through Temporal encrypted with the new key.
    const events = await encrypting.workflow
      .getHandle(`codec-watch-${watches}`)
      .fetchHistory()
      .then((h) => h.events ?? []);
    const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const result = events.at(-1)!.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
    for (const payload of [input, result]) {
      assert.equal(Buffer.from(payload.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
      assert.equal(Buffer.from(payload.metadata!['encryption-key-id']!).toString(), keyId);
    }
  });

  it('a workflow encrypted with a key the workers do not hold opens a technical-failure incident with a ledger entry and an alert', async () => {
    const elsewhere = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'other-key-'));
    createKeyFile(path.join(elsewhere, 'master.key'));
    const foreignRing = readMasterKeyring({ env: {}, keyFile: path.join(elsewhere, 'master.key') })!;
    const foreign = await client(new VaultPayloadCodec(codecKeysOf(foreignRing)));
    const stuck = await foreign.workflow.start('incidentWatch', {
      taskQueue: TASK_QUEUES.control,
      workflowId: 'codec-foreign-key',
      args: [{ heartbeatEvery: '1h' }],
    });

    const pool = testAppPool(config.DATABASE_URL);
    const recorded = await until(
      async () => (await readEntries(pool, { kind: 'worker.payload-undecodable' }))[0],
      'the worker to record the undecodable payload',
      60_000,
    );
    assert.equal(recorded.domain, 'control');
    assert.equal(recorded.payload.workflowId, 'codec-foreign-key');
    assert.match(
      String(recorded.payload.error),
      new RegExp(`payload encrypted with key ${foreignRing.keys[0]!.id}, which the vault keyring does not hold`),
    );

    const opened = await until(
      async () => (await readEntries(pool, { kind: 'incident.opened' })).find((e) => e.payload.incidentId === INCIDENT),
      'the technical-failure incident',
      60_000,
    );
    assert.ok(opened);
    const alert = await until(
      async () =>
        (await readEntries(pool, { kind: 'alert' })).find(
          (e) => e.payload.title === 'TECHNICAL FAILURE: payload-undecodable',
        ),
      'the alert',
      60_000,
    );
    assert.equal(alert.payload.severity, 'critical');
    assert.match(String(alert.payload.body), /the control worker cannot decode a payload of codec-foreign-key/);
    // Reported once, however often Temporal retries the workflow task.
    assert.equal((await readEntries(pool, { kind: 'worker.payload-undecodable' })).length, 1);
    assert.equal((await stuck.describe()).status.name, 'RUNNING', 'the workflow waits, it is not lost');
    await stuck.terminate('test over');
    await (await client()).workflow.getHandle(INCIDENT).terminate('test over');
  });
});
