import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../../cli/nemo';
import type { CliIO } from '../../cli/command';
import { createKeysCommand } from '../../cli/commands/keys';
import { readEntries } from '../../ledger/ledger-store';
import { keyFileOf } from '../../platform/vault/master-key';
import { openVault } from '../../platform/vault/vault';
import { findSecrets, type PlantedSecret } from '../support/canary';
import { freshDatabase, testAppPool } from '../support/stack';
import { writeTestLedgerKey } from '../support/ledger-key';

const ROOT = path.resolve(__dirname, '..', '..');
const TWILIO_TOKEN = 'planted-twilio-token-31337';
const ANTHROPIC = 'sk-ant-planted-cli-000111';
const REPLACEMENT = 'sk-ant-planted-cli-000222';
const PLANTED: PlantedSecret[] = [
  { label: 'twilio token', value: TWILIO_TOKEN },
  { label: 'anthropic', value: ANTHROPIC },
  { label: 'replacement', value: REPLACEMENT },
];

function capture(): CliIO & { text(): string } {
  const lines: string[] = [];
  return { out: (l) => lines.push(l), err: (l) => lines.push(l), text: () => lines.join('\n') };
}

describe('nemo keys', () => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  const output: string[] = [];

  /** Runs one keys action in-process with `secret` as what the operator typed or piped. */
  async function keys(args: string[], secret = '', values: Record<string, string | boolean> = {}) {
    const io = capture();
    const command = createKeysCommand(async () => secret);
    const code = await command.run({ positionals: args, values, io, env });
    output.push(io.text());
    return { code, text: io.text() };
  }

  before(async () => {
    home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'keys-cli-'));
    env = {
      PATH: process.env.PATH,
      NEMO_HOME: home,
      DATABASE_URL: await freshDatabase('keys'),
      NEMO_OPERATOR: 'ops-test',
    };
    writeTestLedgerKey(home);
  });

  it('reads the secret from stdin (a real process), never from an argument', () => {
    const nemo = (args: string[], input?: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'nemo.ts'), 'keys', ...args], {
        cwd: ROOT,
        env,
        input,
        encoding: 'utf8',
      });
    const init = nemo(['init']);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, /created vault master key [0-9a-f]{16} in .*master.key \(owner-only\)/);
    const add = nemo(['add', 'anthropic'], `${ANTHROPIC}\n`);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /stored anthropic \(scope llm, key [0-9a-f]{16}\)/);
    assert.equal(
      openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {})!.reveal('anthropic'),
      ANTHROPIC,
      'the trailing newline is not part of it',
    );
    output.push(init.stdout + init.stderr + add.stdout + add.stderr);
  });

  it('refuses a secret given as an argument, and a revocation without a reason', async () => {
    const io = capture();
    assert.equal(await runCli(['keys', 'add', 'twilio', TWILIO_TOKEN], io, env), 2);
    assert.match(io.text(), /never pass a secret as an argument/);
    assert.equal(await runCli(['keys', 'revoke', 'anthropic'], io, env), 2);
    assert.match(io.text(), /--reason TEXT is required/);
    assert.equal(await runCli(['keys', 'add', 'twillio'], io, env), 1);
    assert.match(io.text(), /"twillio" is not a vault entry NEMO knows; known entries: /);
    output.push(io.text());
  });

  it('adds, lists, rotates, checks and revokes without ever printing a secret', async () => {
    const twilio = JSON.stringify({ accountSid: `AC${'2'.repeat(32)}`, authToken: TWILIO_TOKEN, from: '+15550002222' });
    assert.equal((await keys(['add', 'twilio'], twilio)).code, 0);
    const listed = await keys(['list']);
    assert.match(listed.text, /^twilio\s+alerts\s+created \S+\s+rotated \S+\s+0 days old$/m);
    assert.match(listed.text, /^anthropic\s+llm\s+/m);
    const json = JSON.parse((await keys(['list'], '', { json: true })).text) as { name: string }[];
    assert.deepEqual(json.map((e) => e.name).sort(), ['anthropic', 'twilio']);

    const rotated = await keys(['rotate']);
    assert.match(rotated.text, /master key rotated to [0-9a-f]{16}: 2 entries re-encrypted; retired [0-9a-f]{16}/);
    assert.match((await keys(['rotate', 'anthropic'], REPLACEMENT)).text, /replaced anthropic; its age starts again/);
    assert.equal(openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {})!.reveal('anthropic'), REPLACEMENT);

    const check = await keys(['check']);
    assert.equal(check.code, 0, check.text);
    assert.match(check.text, /2 entries; all decrypt, none overdue for rotation/);

    const revoked = await keys(['revoke', 'anthropic'], '', { reason: 'key shown on a stream' });
    assert.equal(revoked.code, 0);
    assert.match(revoked.text, /revoked anthropic at \S+: no NEMO process will use it again/);
    const [entry] = await readEntries(testAppPool(env.DATABASE_URL!), { kind: 'keys.revoked' });
    assert.equal(entry!.domain, 'operator');
    assert.equal(entry!.payload.reason, 'key shown on a stream');
  });

  it('reports overdue keys and a loosened key file in `keys check`', async () => {
    openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {})!.add(
      'kimi',
      'sk-kimi-planted-0001',
      new Date(Date.now() - 120 * 86_400_000),
    );
    const overdue = await keys(['check']);
    assert.equal(overdue.code, 1);
    assert.match(overdue.text, /kimi: 120 days old, over the 90-day rotation limit/);
    const keyFile = keyFileOf({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined });
    chmodSync(keyFile, 0o644);
    const io = capture();
    assert.equal(await runCli(['keys', 'check'], io, env), 1);
    assert.match(io.text(), new RegExp(`permissions 644, readable by others: fix with \`chmod 600 ${keyFile}\``));
    chmodSync(keyFile, 0o600);
    output.push(io.text());
  });

  it('printed no planted secret in any form, in any output above', () => {
    assert.ok(output.join('\n').length > 500, 'the commands did print their reports');
    assert.deepEqual(findSecrets(output.join('\n'), PLANTED, 'nemo keys output'), []);
  });
});
