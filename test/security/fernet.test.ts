import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateKalshiKey } from '../../simulators/kalshi/auth';
import {
  fernetDecrypt,
  fernetEncrypt,
  FernetError,
  generateFernetKey,
  parseFernetKey,
  type FernetFailure,
} from '../../platform/vault/fernet';

/** Python's `cryptography` package (Debian's, under /usr/bin/python3) is the reference implementation. */
function python(request: object): { key?: string; tokens?: string[]; results?: { ok: boolean; plaintext?: string }[] } {
  const script = `
import json, sys
from cryptography.fernet import Fernet, InvalidToken
req = json.load(sys.stdin)
if req["op"] == "make":
    key = Fernet.generate_key()
    f = Fernet(key)
    print(json.dumps({"key": key.decode(), "tokens": [f.encrypt(p.encode()).decode() for p in req["plaintexts"]]}))
else:
    f = Fernet(req["key"].encode())
    out = []
    for t in req["tokens"]:
        try:
            out.append({"ok": True, "plaintext": f.decrypt(t.encode()).decode()})
        except InvalidToken:
            out.append({"ok": False})
    print(json.dumps({"results": out}))
`;
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(request), encoding: 'utf8' });
  assert.equal(run.status, 0, `python failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const vectors = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'fernet-spec-vectors.json'), 'utf8')) as {
  generate: { token: string; now: string; iv: number[]; src: string; secret: string }[];
  verify: { token: string; now: string; ttl_sec: number; src: string; secret: string }[];
  invalid: { desc: string; token: string; now: string; ttl_sec: number; secret: string }[];
};

const PLAINTEXTS = [
  'hello',
  '',
  'ünïcödé ✓ 🚀',
  JSON.stringify({ keyId: 'abc', privateKeyPem: generateKalshiKey().privateKeyPem }),
  'x'.repeat(15),
  'y'.repeat(16),
  'z'.repeat(200_000),
];

function refusal(fn: () => unknown): FernetError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FernetError, `expected a FernetError, got ${String(err)}`);
    return err;
  }
  assert.fail('the token was accepted');
}

describe('Fernet on node:crypto', () => {
  it('produces the spec generate vector byte for byte', () => {
    for (const v of vectors.generate) {
      assert.equal(
        fernetEncrypt(parseFernetKey(v.secret), v.src, { now: new Date(v.now), iv: Buffer.from(v.iv) }),
        v.token,
      );
    }
  });

  it('verifies the spec verify vector within its TTL', () => {
    for (const v of vectors.verify) {
      assert.equal(
        fernetDecrypt(parseFernetKey(v.secret), v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }).toString(),
        v.src,
      );
    }
  });

  it('refuses every spec invalid vector, naming the reason', () => {
    const expected: Record<string, FernetFailure> = {
      'incorrect mac': 'bad-signature',
      'too short': 'too-short',
      'invalid base64': 'not-base64url',
      // 72 bytes: less than one whole block of ciphertext after the header.
      'payload size not multiple of block size': 'too-short',
      'payload padding error': 'bad-ciphertext',
      'far-future TS (unacceptable clock skew)': 'from-the-future',
      'expired TTL': 'expired',
      'incorrect IV (causes padding error)': 'bad-ciphertext',
      'trailing characters after b64 padding': 'not-base64url',
      'invalid characters in b64': 'not-base64url',
      'invalid non-urlsafe characters in b64': 'not-base64url',
    };
    for (const v of vectors.invalid) {
      const err = refusal(() =>
        fernetDecrypt(parseFernetKey(v.secret), v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }),
      );
      assert.equal(err.reason, expected[v.desc], `${v.desc}: ${err.message}`);
      assert.match(err.message, /^Fernet token refused: /);
    }
  });

  it('decrypts tokens made by Python cryptography', () => {
    const made = python({ op: 'make', plaintexts: PLAINTEXTS });
    const key = parseFernetKey(made.key!);
    made.tokens!.forEach((token, i) => assert.equal(fernetDecrypt(key, token).toString('utf8'), PLAINTEXTS[i]));
  });

  it('makes tokens Python cryptography decrypts', () => {
    const keyText = generateFernetKey();
    const key = parseFernetKey(keyText);
    const { results } = python({ op: 'open', key: keyText, tokens: PLAINTEXTS.map((p) => fernetEncrypt(key, p)) });
    assert.deepEqual(
      results,
      PLAINTEXTS.map((plaintext) => ({ ok: true, plaintext })),
    );
  });

  it('refuses tampered, truncated and wrong-version tokens (in NEMO and in Python alike)', () => {
    const keyText = generateFernetKey();
    const key = parseFernetKey(keyText);
    const token = fernetEncrypt(key, 'a secret worth protecting');
    const raw = Buffer.from(token, 'base64url');
    const mutate = (at: number) => {
      const copy = Buffer.from(raw);
      copy[at]! ^= 0x01;
      return copy.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    };
    const cases: [string, string, FernetFailure][] = [
      ['version byte', mutate(0), 'bad-version'],
      ['timestamp', mutate(4), 'bad-signature'],
      ['IV', mutate(12), 'bad-signature'],
      ['ciphertext', mutate(30), 'bad-signature'],
      ['signature', mutate(raw.length - 1), 'bad-signature'],
      ['truncated to 40 bytes', raw.subarray(0, 40).toString('base64url').padEnd(56, '='), 'too-short'],
      [
        'last byte cut',
        raw
          .subarray(0, raw.length - 1)
          .toString('base64')
          .replace(/\+/g, '-')
          .replace(/\//g, '_'),
        'bad-signature',
      ],
      ['unpadded', token.replace(/=+$/, ''), 'not-base64url'],
      ['made with another key', fernetEncrypt(parseFernetKey(generateFernetKey()), 'other'), 'bad-signature'],
    ];
    for (const [what, bad, reason] of cases) {
      const err = refusal(() => fernetDecrypt(key, bad));
      assert.equal(err.reason, reason, `${what}: ${err.message}`);
      assert.ok(
        !err.message.includes(keyText) && !err.message.includes(bad),
        'the message quotes neither key nor token',
      );
    }
    const { results } = python({
      op: 'open',
      key: keyText,
      tokens: cases.filter(([w]) => w !== 'unpadded').map(([, bad]) => bad),
    });
    assert.ok(
      results!.every((r) => !r.ok),
      'Python refuses the same tokens',
    );
  });

  it('refuses malformed keys with the expected form in the message', () => {
    for (const bad of [
      '',
      'short',
      generateFernetKey().slice(0, 40),
      `${generateFernetKey()}AAAA`,
      'not base64!'.padEnd(44, '='),
    ]) {
      assert.throws(
        () => parseFernetKey(bad),
        (err: Error) =>
          err instanceof FernetError &&
          err.reason === 'invalid-key' &&
          /32 bytes in padded base64url/.test(err.message),
      );
    }
  });
});
