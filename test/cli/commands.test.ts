import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../cli/commands';
import { runCli } from '../../cli/nemo';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the nemo command table', () => {
  it('names each command by the name it answers to', async () => {
    for (const [name, load] of Object.entries(COMMANDS)) assert.equal((await load()).name, name);
  });

  it('lists every command in help, and refuses an unknown one by name', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    assert.equal(await runCli(['help'], io), 0);
    for (const name of Object.keys(COMMANDS))
      assert.ok(
        out.some((l) => l.trimStart().startsWith(name)),
        `help lists ${name}`,
      );
    assert.equal(await runCli(['statuss'], io), 2);
    assert.match(err.join('\n'), /unknown command "statuss"/);
  });

  it('loads only the command that runs: nemo status never loads the worker, the venue SDKs or the vault', () => {
    const probe = [
      "require('./cli/nemo');",
      'const before = new Set(Object.keys(require.cache));',
      "require('./cli/commands/index').COMMANDS.status().then(() => {",
      '  const loaded = Object.keys(require.cache).filter((f) => !before.has(f));',
      '  console.log(JSON.stringify(loaded.filter((f) => /@temporalio[\\/]worker|[\\/]ccxt[\\/]|kalshi-typescript|[\\/]twilio[\\/]|platform[\\/]vault[\\/]vault/.test(f))));',
      "  console.log(loaded.some((f) => f.endsWith(`cli${require('path').sep}commands${require('path').sep}status.ts`)));",
      '});',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [heavy, statusLoaded] = run.stdout.trim().split('\n');
    assert.equal(statusLoaded, 'true', 'the status command itself was loaded');
    assert.deepEqual(JSON.parse(heavy!), []);
  });
});
