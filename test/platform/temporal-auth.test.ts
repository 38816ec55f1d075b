import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { runDoctor } from '../../cli/commands/doctor';
import { temporalAuth, temporalAuthProblems } from '../../platform/temporal/temporal-connection';

/** Temporal Cloud settings (README "Outgrowing one machine"): what `nemo doctor` and every connection validate. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-auth-'));
const file = (name: string) => path.join(dir, name);

function makeCertificate(name: string): void {
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.pem`),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  chmodSync(file(`${name}.key`), 0o600);
}

const cloud = { TEMPORAL_ADDRESS: 'nemo.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'nemo.a1b2c' };

describe('Temporal client authentication settings (Temporal Cloud)', () => {
  before(() => {
    makeCertificate('client');
    makeCertificate('other');
    writeFileSync(file('api-key'), 'tc-api-key-value\n', { mode: 0o600 });
    writeFileSync(file('open-api-key'), 'tc-api-key-value\n', { mode: 0o644 });
    chmodSync(file('open-api-key'), 0o644);
  });

  it('accepts a Cloud address with its namespace and a matching certificate and key, and connects with them', () => {
    const config = { ...cloud, TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key') };
    assert.deepEqual(temporalAuthProblems(config), []);
    const auth = temporalAuth(config);
    assert.ok(auth?.tls && typeof auth.tls === 'object' && auth.tls.clientCertPair, 'mTLS client certificate pair');
  });

  it('accepts an API key file (owner-only) and sends it over TLS', () => {
    const auth = temporalAuth({ ...cloud, TEMPORAL_API_KEY_FILE: file('api-key') });
    assert.deepEqual(auth, { tls: true, apiKey: 'tc-api-key-value' });
  });

  it('names each wrong setting', () => {
    const problems = (extra: Record<string, string>) =>
      temporalAuthProblems({ ...cloud, ...extra } as Parameters<typeof temporalAuthProblems>[0]).join('\n');
    assert.match(problems({}), /Temporal Cloud needs TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or TEMPORAL_API_KEY_FILE/);
    assert.match(
      problems({ TEMPORAL_NAMESPACE: 'nemo', TEMPORAL_API_KEY_FILE: file('api-key') }),
      /TEMPORAL_NAMESPACE=nemo: Temporal Cloud namespaces are <namespace>\.<account-id>/,
    );
    assert.match(
      problems({ TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('other.key') }),
      /TEMPORAL_TLS_KEY is not the key of TEMPORAL_TLS_CERT/,
    );
    assert.match(
      problems({ TEMPORAL_TLS_CERT: file('client.pem') }),
      /mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/,
    );
    assert.match(
      problems({
        TEMPORAL_TLS_CERT: file('client.pem'),
        TEMPORAL_TLS_KEY: file('client.key'),
        TEMPORAL_API_KEY_FILE: file('api-key'),
      }),
      /either mTLS .* or TEMPORAL_API_KEY_FILE, not both/,
    );
    assert.match(
      problems({ TEMPORAL_API_KEY_FILE: file('open-api-key') }),
      /open-api-key can be read by others; chmod 600 it/,
    );
    assert.match(
      problems({ TEMPORAL_API_KEY_FILE: file('missing') }),
      /TEMPORAL_API_KEY_FILE=.*missing cannot be read: ENOENT/,
    );
    assert.throws(
      () => temporalAuth({ ...cloud, TEMPORAL_API_KEY_FILE: file('open-api-key') }),
      /Temporal client authentication settings: .*chmod 600/,
    );
  });

  it('`nemo doctor` fails on wrong Cloud settings and reports the method when they are right', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'doctor-home-'));
    const base = { NEMO_HOME: home, DATABASE_URL: 'postgres://127.0.0.1:1/none', ...cloud };
    const wrong = (
      await runDoctor({ ...base, TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('other.key') })
    ).find((c) => c.name === 'Temporal client auth');
    assert.equal(wrong?.verdict, 'fail');
    assert.match(wrong!.detail, /not the key of TEMPORAL_TLS_CERT/);
    // Right settings: the auth check passes (the server itself is not reachable from here, so that check fails).
    const right = await runDoctor({ ...base, TEMPORAL_API_KEY_FILE: file('api-key') });
    assert.equal(right.find((c) => c.name === 'Temporal client auth')?.verdict, 'ok');
    assert.ok(
      right.some((c) => c.name === 'Temporal server'),
      'and it goes on to try the server',
    );
  });
});
