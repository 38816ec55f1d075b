import assert from 'node:assert/strict';
import { createVerify, constants, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createKalshiKeyRevoker } from '../../activities/security/kalshi-key-revoker';
import { scrub } from '../../platform/secret-scrubber';
import { VaultEntryError } from '../../platform/vault/entries';
import { createKeyFile, readMasterKeyring, VaultKeyError } from '../../platform/vault/master-key';
import { loadDomainSecrets, SecretScopeError, VaultSecretSource } from '../../platform/vault/secret-source';
import { openVault, Vault, VaultError } from '../../platform/vault/vault';

const scratch = () => mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'vault-'));

function freshVault(): { vault: Vault; home: string; keyFile: string } {
  const home = scratch();
  const keyFile = path.join(home, 'vault', 'master.key');
  createKeyFile(keyFile);
  const vault = openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {})!;
  return { vault, home, keyFile };
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const kalshi = (keyId: string) => JSON.stringify({ keyId, privateKeyPem: PEM });
const TWILIO = JSON.stringify({
  accountSid: 'AC0123456789abcdef',
  authToken: 'tw-auth-token-planted-4242',
  from: '+15550001111',
});

describe('vault master key', () => {
  it('creates an owner-only key file and refuses it once its permissions are loosened, naming the fix', () => {
    const { keyFile } = freshVault();
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    for (const loose of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(keyFile, loose);
      assert.throws(
        () => readMasterKeyring({ env: {}, keyFile }),
        (err: Error) =>
          err instanceof VaultKeyError &&
          err.message.includes(`chmod 600 ${keyFile}`) &&
          err.message.includes(loose.toString(8)),
      );
    }
    chmodSync(keyFile, 0o400);
    assert.equal(readMasterKeyring({ env: {}, keyFile })!.keys.length, 1);
  });

  it('takes NEMO_VAULT_KEY before the file, and names a malformed key without quoting it', () => {
    const { keyFile } = freshVault();
    const fileKey = readMasterKeyring({ env: {}, keyFile })!.keys[0]!.id;
    const other = scratch();
    const otherFile = path.join(other, 'k');
    createKeyFile(otherFile);
    const envText = readFileSync(otherFile, 'utf8')
      .split('\n')
      .find((l) => l && !l.startsWith('#'))!;
    const ring = readMasterKeyring({ env: { NEMO_VAULT_KEY: envText }, keyFile })!;
    assert.equal(ring.source.kind, 'env');
    assert.notEqual(ring.keys[0]!.id, fileKey);
    assert.throws(
      () => readMasterKeyring({ env: { NEMO_VAULT_KEY: 'not-a-key-at-all' }, keyFile }),
      (err: Error) =>
        err instanceof VaultKeyError &&
        /NEMO_VAULT_KEY key 1/.test(err.message) &&
        !err.message.includes('not-a-key-at-all'),
    );
  });

  it('is SIMULATED (no vault) without key or file, and an error with a vault file but no key', () => {
    const home = scratch();
    assert.equal(openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {}), undefined);
    const { home: withVault, vault } = freshVault();
    vault.add('anthropic', 'sk-ant-planted-0001');
    // The key file is configured somewhere it does not exist (lost, or not mounted).
    assert.throws(
      () => openVault({ NEMO_HOME: withVault, NEMO_VAULT_KEY_FILE: path.join(withVault, 'elsewhere') }, {}),
      /exists but there is no master key/,
    );
  });
});

describe('vault entries', () => {
  it('stores values encrypted and lists metadata only', () => {
    const { vault } = freshVault();
    vault.add('twilio', TWILIO);
    vault.add('anthropic', 'sk-ant-planted-0002');
    const onDisk = readFileSync(vault.file, 'utf8');
    assert.ok(!onDisk.includes('tw-auth-token-planted-4242') && !onDisk.includes('sk-ant-planted-0002'));
    assert.equal(statSync(vault.file).mode & 0o777, 0o600);
    const listed = JSON.stringify(vault.list());
    assert.ok(!listed.includes('planted') && !listed.includes('token"'));
    assert.deepEqual(
      vault.list().map((e) => [e.name, e.scope, e.ageDays]),
      [
        ['twilio', 'alerts', 0],
        ['anthropic', 'llm', 0],
      ],
    );
    assert.equal(vault.reveal('twilio'), TWILIO);
  });

  it('refuses unknown names, invalid values (without quoting them) and duplicate adds', () => {
    const { vault } = freshVault();
    assert.throws(
      () => vault.add('kalshi.prod', kalshi('k')),
      (e: Error) => e instanceof VaultEntryError && /known entries: kalshi.production/.test(e.message),
    );
    assert.throws(
      () => vault.add('twilio', '{"authToken": "leaky-value-123'),
      (e: Error) => /twilio must be a JSON object/.test(e.message) && !e.message.includes('leaky-value-123'),
    );
    assert.throws(
      () => vault.add('twilio', JSON.stringify({ accountSid: 'XX1', authToken: 'leaky-value-456', from: '5550001' })),
      (e: Error) =>
        /accountSid: accountSid must start with AC/.test(e.message) &&
        /from: from must be an E.164/.test(e.message) &&
        !e.message.includes('leaky-value-456'),
    );
    vault.add('anthropic', 'sk-ant-planted-0003');
    assert.throws(
      () => vault.add('anthropic', 'sk-ant-planted-0004'),
      /already exists: use `nemo keys rotate anthropic`/,
    );
  });

  it('refuses a token moved to another entry and a tampered token', () => {
    const { vault } = freshVault();
    vault.add('kalshi.demo', kalshi('demo-key'));
    vault.add('kalshi.production', kalshi('prod-key'));
    const doc = JSON.parse(readFileSync(vault.file, 'utf8'));
    const [demo, prod] = doc.entries;
    [demo.token, prod.token] = [prod.token, demo.token];
    writeFileSync(vault.file, JSON.stringify(doc));
    assert.throws(() => vault.reveal('kalshi.demo'), /sealed for another entry: the vault file was tampered with/);
    // One character of the token replaced by a different one (never by itself: a tamper that changes nothing).
    const at = 20;
    const replacement = prod.token[at] === 'A' ? 'B' : 'A';
    demo.token = `${prod.token.slice(0, at)}${replacement}${prod.token.slice(at + 1)}`;
    assert.notEqual(demo.token, prod.token);
    writeFileSync(vault.file, JSON.stringify(doc));
    assert.throws(
      () => vault.reveal('kalshi.demo'),
      (e: Error) => e instanceof VaultError && /kalshi.demo: Fernet token refused/.test(e.message),
    );
  });

  it('rotates the master key: re-encrypts every entry with the new key and retires the old one', async () => {
    const { vault, keyFile, home } = freshVault();
    vault.add('twilio', TWILIO);
    vault.add('anthropic', 'sk-ant-planted-0005');
    vault.add('kalshi.demo', kalshi('demo-key'));
    await vault.revoke('anthropic', 'test');
    const runningWorker = loadDomainSecrets({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, 'control', {});
    const oldId = vault.keyring.keys[0]!.id;
    const before = readFileSync(vault.file, 'utf8');
    const result = vault.rotateMasterKey();
    assert.equal(result.reencrypted, 2, 'live entries re-encrypted; the revoked one holds nothing');
    assert.deepEqual(result.retired, [oldId]);
    assert.notEqual(result.keyId, oldId);
    const after = JSON.parse(readFileSync(vault.file, 'utf8')).entries as { keyId: string; token?: string }[];
    assert.ok(after.filter((e) => e.token).every((e) => e.keyId === result.keyId));
    const keyLines = readFileSync(keyFile, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(keyLines.length, 2);
    assert.match(keyLines[1]!, /^retired \d{4}-\d\d-\d\dT\S+ \S{44}$/);
    // A fresh process reading the rotated key file decrypts everything.
    const reopened = new Vault(vault.file, readMasterKeyring({ env: {}, keyFile })!);
    assert.equal(reopened.reveal('twilio'), TWILIO);
    assert.equal(reopened.reveal('kalshi.demo'), kalshi('demo-key'));
    assert.equal(runningWorker.get('twilio'), TWILIO, 'a worker started before the rotation picks up the new key');
    // The old vault file (an old backup) no longer opens: its key is retired.
    writeFileSync(vault.file, before);
    assert.throws(
      () => reopened.reveal('twilio'),
      (e: Error) => e instanceof VaultKeyError && new RegExp(`master key ${oldId}, retired`).test(e.message),
    );
  });

  it('refuses to rotate a key that comes from NEMO_VAULT_KEY', () => {
    const { home, keyFile } = freshVault();
    const text = readFileSync(keyFile, 'utf8')
      .split('\n')
      .find((l) => l && !l.startsWith('#'))!;
    const vault = openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, { NEMO_VAULT_KEY: text })!;
    assert.throws(() => vault.rotateMasterKey(), /comes from NEMO_VAULT_KEY, which NEMO cannot rewrite/);
  });

  it('replaces a credential (value rotation) and restarts its age', () => {
    const { vault } = freshVault();
    const created = new Date('2025-01-01T00:00:00Z');
    vault.add('anthropic', 'sk-ant-planted-0006', created);
    assert.equal(vault.list(new Date('2025-04-11T00:00:00Z'))[0]!.ageDays, 100);
    vault.replace('anthropic', 'sk-ant-planted-0007', new Date('2025-04-10T00:00:00Z'));
    const [entry] = vault.list(new Date('2025-04-11T00:00:00Z'));
    assert.equal(entry!.ageDays, 1);
    assert.equal(entry!.createdAt, created.toISOString());
    assert.equal(vault.reveal('anthropic'), 'sk-ant-planted-0007');
  });
});

describe('vault scopes', () => {
  it('gives each domain only its own entries and refuses the others with a clear error', () => {
    const { vault, home } = freshVault();
    vault.add('kalshi.production', kalshi('prod'));
    vault.add('kalshi.demo', kalshi('demo'));
    vault.add('kalshi.readonly', kalshi('ro'));
    vault.add('anthropic', 'sk-ant-planted-0008');
    vault.add('twilio', TWILIO);
    const config = { NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined };
    const live = loadDomainSecrets(config, 'live', {});
    const paper = loadDomainSecrets(config, 'paper', {});
    const research = loadDomainSecrets(config, 'research', {});
    const control = loadDomainSecrets(config, 'control', {});
    const upgrade = loadDomainSecrets(config, 'upgrade', {});
    assert.deepEqual(live.names(), ['kalshi.production']);
    assert.deepEqual(paper.names(), ['kalshi.demo']);
    assert.deepEqual(research.names().sort(), ['anthropic', 'kalshi.readonly']);
    assert.deepEqual(control.names().sort(), ['kalshi.readonly', 'twilio']);
    assert.deepEqual(upgrade.names(), []);
    assert.equal(live.get('kalshi.production'), kalshi('prod'));
    assert.equal(live.get('coinbase.production'), undefined, 'in scope but not configured');
    const refusals: [VaultSecretSource, string, RegExp][] = [
      [
        research as VaultSecretSource,
        'kalshi.production',
        /the research domain may not load vault entry kalshi.production \(scope venue.production; its scopes: venue.readonly, llm, ledger\)/,
      ],
      [paper as VaultSecretSource, 'kalshi.production', /the paper domain may not load vault entry kalshi.production/],
      [live as VaultSecretSource, 'kalshi.demo', /the live domain may not load vault entry kalshi.demo/],
      [research as VaultSecretSource, 'twilio', /scope alerts/],
      [upgrade as VaultSecretSource, 'kalshi.readonly', /its scopes: ledger\)/],
    ];
    for (const [source, entry, message] of refusals) {
      assert.throws(
        () => source.get(entry),
        (e: Error) => e instanceof SecretScopeError && message.test(e.message),
      );
    }
    assert.throws(() => live.get('kalshi.prod'), VaultEntryError);
  });

  it("in SIMULATED mode gives workers the loopback venue keys beside the vault's LLM and alert entries", () => {
    const { vault, home } = freshVault();
    vault.add('anthropic', 'sk-ant-planted-0009');
    vault.add('twilio', TWILIO);
    const credentialsFile = path.join(home, 'simulated.credentials.json');
    writeFileSync(
      credentialsFile,
      JSON.stringify({
        credentials: { 'kalshi.readonly': kalshi('sim-ro'), 'kalshi.demo': kalshi('sim-demo') },
        controlToken: 't',
      }),
    );
    const description = path.join(home, 'simulated.json');
    writeFileSync(description, JSON.stringify({ credentialsFile }));
    const env = { NEMO_SIMULATED_VENUES: description };
    const config = { NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined };
    const research = loadDomainSecrets(config, 'research', env);
    assert.deepEqual(research.names().sort(), ['anthropic', 'kalshi.readonly']);
    assert.equal(research.get('kalshi.readonly'), kalshi('sim-ro'));
    assert.equal(research.get('anthropic'), 'sk-ant-planted-0009');
    assert.deepEqual(loadDomainSecrets(config, 'paper', env).names(), ['kalshi.demo']);
    assert.throws(
      () => research.get('twilio'),
      SecretScopeError,
      'the vault view still refuses entries outside the scope',
    );
  });

  it('registers every loaded secret with the log scrubber', () => {
    const { vault, home } = freshVault();
    vault.add(
      'twilio',
      JSON.stringify({ accountSid: 'AC0123456789abcdef', authToken: 'scrub-me-token-777', from: '+15550001111' }),
    );
    loadDomainSecrets({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, 'control', {}).get('twilio');
    assert.equal(
      scrub('token=scrub-me-token-777 b64=' + Buffer.from('scrub-me-token-777').toString('base64')),
      'token=[SECRET] b64=[SECRET]',
    );
    assert.equal(scrub('from +15550001111'), 'from +15550001111', 'public fields stay readable');
  });
});

describe('vault revocation', () => {
  it('takes effect at once in a running worker and is never undone by a later read', async () => {
    const { vault, home } = freshVault();
    vault.add('anthropic', 'sk-ant-planted-0009');
    const research = loadDomainSecrets({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, 'research', {});
    assert.equal(research.get('anthropic'), 'sk-ant-planted-0009');
    const result = await vault.revoke('anthropic', 'leaked in a screenshot');
    assert.equal(result.venue, 'not-applicable');
    assert.equal(research.get('anthropic'), undefined, 'the running source stops handing it out');
    assert.equal(vault.reveal('anthropic'), undefined);
    assert.ok(!readFileSync(vault.file, 'utf8').includes('"token"'), 'the ciphertext itself is gone');
    const [entry] = vault.list();
    assert.equal(entry!.revokedReason, 'leaked in a screenshot');
    assert.throws(() => vault.replace('anthropic', 'sk-ant-planted-0010'), /is revoked/);
  });

  it('deletes a Kalshi key at the venue with a DELETE signed by that key, retrying after a venue failure', async () => {
    const requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
    let failNext = true;
    // The loopback Kalshi venue (simulators/kalshi) is not there yet; this server checks what the real one does:
    // RSA-PSS/SHA-256 over timestamp + METHOD + path, with the key id header.
    const server = createServer((req, res) => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers });
      const verify = createVerify('RSA-SHA256').update(
        `${req.headers['kalshi-access-timestamp']}${req.method}${req.url!.split('?')[0]}`,
      );
      const valid = verify.verify(
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        String(req.headers['kalshi-access-signature']),
        'base64',
      );
      if (!valid || req.headers['kalshi-access-key'] !== 'prod-key-id') {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":{"code":"unauthorized","message":"bad signature"}}');
      } else if (failNext) {
        failNext = false;
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"code":"unavailable","message":"try later"}}');
      } else res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trade-api/v2`;
    try {
      const { vault, home } = freshVault();
      vault.add('kalshi.production', kalshi('prod-key-id'));
      const live = loadDomainSecrets({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, 'live', {});
      const revoker = createKalshiKeyRevoker(() => base);

      const first = await vault.revoke('kalshi.production', 'incident 7', revoker);
      assert.equal(first.venue, 'failed');
      assert.match(first.venueError!, /HTTP 503 try later/);
      assert.equal(live.get('kalshi.production'), undefined, 'revoked locally at once, whatever the venue said');
      assert.equal(vault.list()[0]!.venueRevocation!.status, 'failed');

      const second = await vault.revoke('kalshi.production', 'incident 7', revoker);
      assert.equal(second.venue, 'deleted');
      assert.equal(requests.length, 2);
      assert.deepEqual(
        requests.map((r) => [r.method, r.url]),
        [
          ['DELETE', '/trade-api/v2/api_keys/prod-key-id'],
          ['DELETE', '/trade-api/v2/api_keys/prod-key-id'],
        ],
      );
      assert.ok(!readFileSync(vault.file, 'utf8').includes('"token"'), 'token wiped once the venue deleted the key');
      const third = await vault.revoke('kalshi.production', 'again', revoker);
      assert.equal(third.venue, 'deleted', 'nothing left to do');
      assert.equal(requests.length, 2);
      assert.equal(vault.list()[0]!.revokedReason, 'incident 7', 'the first reason stands');
    } finally {
      server.close();
    }
  });
});
