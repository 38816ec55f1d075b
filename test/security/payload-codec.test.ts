import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { controlActivities } from '../../activities/control-domain';
import { readEntries } from '../../ledger/ledger-store';
import { startCodecServer, webUiOrigins } from '../../platform/temporal/codec-server';
import {
  codecKeysOf,
  ENCRYPTED_ENCODING,
  PayloadCodecError,
  VaultPayloadCodec,
  payloadCodecFor,
} from '../../platform/temporal/payload-codec';
import { connectClient } from '../../platform/temporal/temporal-connection';
import { UndecodablePayloadWatch, type UndecodablePayload } from '../../platform/undecodable-payloads';
import { createKeyFile, readMasterKeyring } from '../../platform/vault/master-key';
import { openVault } from '../../platform/vault/vault';
import { TASK_QUEUES } from '../../policies/domains';
import { showWorkflow, testTemporalTarget } from '../support/canary';
import { atFileEnd, testAppPool, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';
import { generateKalshiKey } from '../../simulators/kalshi/auth';

const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value)!;
const fromPayload = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const scratchKeyFile = () =>
  path.join(mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'codec-')), 'master.key');

describe('payload codec (AES-256-GCM, keys derived from the vault master key)', () => {
  it('round-trips payloads and leaves no plaintext in the encoded form', async () => {
    const ring = createKeyFile(scratchKeyFile());
    const codec = new VaultPayloadCodec(codecKeysOf(ring));
    const values = [
      'kalshi.production',
      { order: { ticker: 'KXBTC', count: 3 } },
      null,
      'ünïcödé',
      'x'.repeat(100_000),
    ];
    const encoded = await codec.encode(values.map(toPayload));
    for (const p of encoded) {
      assert.equal(Buffer.from(p.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
      assert.equal(Buffer.from(p.metadata!['encryption-key-id']!).toString(), ring.keys[0]!.id);
      assert.ok(!Buffer.from(p.data!).includes('kalshi') && !Buffer.from(p.data!).includes('KXBTC'));
    }
    assert.deepEqual((await codec.decode(encoded)).map(fromPayload), values);
    const plain = toPayload('written before encryption was on');
    assert.deepEqual(await codec.decode([plain]), [plain], 'plain payloads pass through');
  });

  it('refuses an altered payload and a payload under a key it does not hold', async () => {
    const codec = new VaultPayloadCodec(codecKeysOf(createKeyFile(scratchKeyFile())));
    const [sealed] = await codec.encode([toPayload('secret-ish')]);
    const altered = { ...sealed!, data: Buffer.from(sealed!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await assert.rejects(
      codec.decode([altered]),
      (e: Error) => e instanceof PayloadCodecError && /failed authentication: it was altered/.test(e.message),
    );
    const stranger = new VaultPayloadCodec(codecKeysOf(createKeyFile(scratchKeyFile())));
    await assert.rejects(
      stranger.decode([sealed!]),
      (e: Error) => e instanceof PayloadCodecError && /which the vault keyring does not hold/.test(e.message),
    );
  });

  it("a worker's watched codec reports a payload it cannot decode once per workflow, unless the key arrives within the grace", async () => {
    const ring = createKeyFile(scratchKeyFile());
    const [sealed] = await new VaultPayloadCodec(codecKeysOf(ring)).encode([
      toPayload('started by a client with a newer key'),
    ]);
    const worker = new VaultPayloadCodec({ keys: new Map() });
    const reports: UndecodablePayload[] = [];
    const watch = new UndecodablePayloadWatch(worker, async (failure) => void reports.push(failure), 200);
    const context = (workflowId: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId });
    const grace = () => new Promise((r) => setTimeout(r, 400));

    // Reported after the grace, once however often the task is retried.
    for (let attempt = 0; attempt < 3; attempt++)
      await assert.rejects(watch.decode([sealed!], context('wf-no-key')), PayloadCodecError);
    await grace();
    assert.deepEqual(
      reports.map((r) => r.workflowId),
      ['wf-no-key'],
    );
    assert.match(
      reports[0]!.error,
      new RegExp(`payload encrypted with key ${ring.keys[0]!.id}, which the vault keyring does not hold`),
    );

    // The key is handed over within the grace (nemo keys init while NEMO runs): no report, and the payload decodes.
    await assert.rejects(watch.decode([sealed!], context('wf-key-arrives')), PayloadCodecError);
    worker.update(codecKeysOf(ring));
    await grace();
    assert.deepEqual(
      reports.map((r) => r.workflowId),
      ['wf-no-key'],
    );
    assert.equal(
      fromPayload((await watch.decode([sealed!], context('wf-key-arrives')))[0]!),
      'started by a client with a newer key',
    );
  });

  it('after a master-key rotation, encodes with the new key and still decodes old payloads', async () => {
    const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'codec-home-'));
    const config = { NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined };
    createKeyFile(path.join(home, 'vault', 'master.key'));
    const before = payloadCodecFor(config, {})!;
    const [old] = await before.encode([toPayload('from before the rotation')]);
    const { keyId } = openVault(config, {})!.rotateMasterKey();
    const after = payloadCodecFor(config, {})!;
    const [fresh] = await after.encode([toPayload('after')]);
    assert.equal(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString(), keyId);
    assert.equal(fromPayload((await after.decode([old!]))[0]!), 'from before the rotation');
    assert.equal(
      fromPayload((await before.decode([fresh!]))[0]!),
      'after',
      'a process started before the rotation reads new payloads',
    );
    assert.equal(
      readMasterKeyring({ env: {}, keyFile: path.join(home, 'vault', 'master.key') })!.keys.filter((k) => k.retiredAt)
        .length,
      1,
    );
  });

  it('is off in SIMULATED mode (no master key)', () => {
    const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'codec-none-'));
    assert.equal(payloadCodecFor({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {}), undefined);
  });
});

describe('codec endpoint for the Web UI and CLI', () => {
  it('decodes and encodes over HTTP, answers the Web UI origin only, and refuses bad requests', async () => {
    const codec = new VaultPayloadCodec(codecKeysOf(createKeyFile(scratchKeyFile())));
    const server = await startCodecServer({ codec, allowedOrigins: webUiOrigins(8233) });
    atFileEnd(() => server.close());
    const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const json = (p: Payload) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    });
    const [sealed] = await codec.encode([toPayload({ hello: 'operator' })]);

    const decoded = await post(
      '/nemo-test/decode',
      { payloads: [json(sealed!)] },
      { origin: 'http://localhost:8233', 'x-namespace': 'nemo-test' },
    );
    assert.equal(decoded.status, 200);
    assert.equal(decoded.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    const [payload] = ((await decoded.json()) as { payloads: { data: string; metadata: Record<string, string> }[] })
      .payloads;
    assert.equal(Buffer.from(payload!.metadata.encoding!, 'base64').toString(), 'json/plain');
    assert.deepEqual(JSON.parse(Buffer.from(payload!.data, 'base64').toString()), { hello: 'operator' });

    const encoded = (await (await post('/encode', { payloads: [json(toPayload('x'))] })).json()) as {
      payloads: { metadata: Record<string, string> }[];
    };
    assert.equal(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString(), ENCRYPTED_ENCODING);

    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8233', 'access-control-request-headers': 'x-namespace' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers')!, /X-Namespace/);
    assert.equal((await post('/decode', { payloads: [] }, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await fetch(`${server.url}/decode`)).status, 405);
    assert.equal((await post('/decode', { payloads: 'nope' })).status, 400);
    assert.deepEqual(await (await post('/decode', {})).json(), { payloads: [] }, 'proto3 JSON omits an empty list');
    assert.equal((await post('/elsewhere', { payloads: [] })).status, 404);
  });
});

describe('workflow histories on the Temporal server are encrypted', () => {
  let config: Awaited<ReturnType<typeof testConfig>>;
  before(async () => {
    config = await testConfig({ NEMO_LOG_LEVEL: 'error' });
    createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
    // A credential overdue for rotation, so the key-age check has something to say.
    openVault(config, {})!.add(
      'kalshi.readonly',
      JSON.stringify({ keyId: 'ro-key-id', privateKeyPem: generateKalshiKey().privateKeyPem }),
      new Date(Date.now() - 100 * 86_400_000),
    );
    await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities }]);
  });

  it('runs the key-age check through the real control worker with every payload sealed on the server', async () => {
    const workflowId = `key-age-encrypted-${Date.now()}`;
    const client = await connectClient({
      address: config.TEMPORAL_ADDRESS!,
      namespace: config.TEMPORAL_NAMESPACE,
      payloadCodec: payloadCodecFor(config, {}),
    });
    atFileEnd(() => client.connection.close());
    const result = await client.workflow.execute('keyAgeCheck', { taskQueue: TASK_QUEUES.control, workflowId });
    assert.deepEqual(result, { checked: 1, stale: ['kalshi.readonly'] });
    const [warning] = (await readEntries(testAppPool(config.DATABASE_URL), { kind: 'alert' })).filter(
      (e) => e.payload.dedupeKey === 'key-age:kalshi.readonly',
    );
    assert.equal(warning!.payload.severity, 'warning');
    assert.match(String(warning!.payload.title), /Vault key kalshi.readonly is 100 days old/);

    // The raw history, as the server stores it: every payload is ciphertext, and no plaintext field shows.
    const raw = await connectClient({ address: config.TEMPORAL_ADDRESS!, namespace: config.TEMPORAL_NAMESPACE });
    atFileEnd(() => raw.connection.close());
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const bytes = Buffer.from(
      temporal.api.history.v1.History.encode(history as temporal.api.history.v1.History).finish(),
    );
    for (const needle of ['kalshi.readonly', 'Vault key', 'keys.age-check', 'stale', 'json/plain']) {
      assert.ok(!bytes.includes(needle), `"${needle}" is not readable in the stored history`);
    }
    assert.ok(bytes.includes(ENCRYPTED_ENCODING), 'payloads are marked encrypted');

    // An operator sees it through the codec endpoint, exactly as the Web UI would.
    const target = testTemporalTarget();
    const sealed = await showWorkflow(target, workflowId);
    assert.ok(!sealed.json.includes('kalshi.readonly') && !sealed.text.includes('kalshi.readonly'));
    const server = await startCodecServer({ codec: payloadCodecFor(config, {})!, allowedOrigins: [] });
    atFileEnd(() => server.close());
    const opened = await showWorkflow({ ...target, codecEndpoint: server.url }, workflowId);
    assert.ok(opened.text.includes('kalshi.readonly'), 'the codec endpoint decodes for `temporal workflow show`');
  });
});
