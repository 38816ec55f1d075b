import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway NEMO project for the upgrade tests: a git repository holding a copy of this checkout's source (as it
 * is on disk, so work not yet committed is tested too), with a fast suite in upgrade-suite/ standing in for
 * `npm test`, and node_modules linked to this checkout's. The tests cut releases from it; this checkout's own
 * branches, tags and index are never touched.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SUITE = path.join(__dirname, '..', 'upgrade', 'fixtures', 'suite');
const IDENTITY = ['-c', 'user.name=NEMO test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false'];

export const FIXTURE_TEST_COMMAND =
  'node --import tsx --test --test-reporter=spec upgrade-suite/canonical-json.test.mjs upgrade-suite/environment.test.mjs';
export const FIXTURE_BACKTEST_COMMAND = 'node upgrade-suite/parameter-bounds.mjs';

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...IDENTITY, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function scratch(prefix: string): string {
  return mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), prefix));
}

/** A copy of NEMO's source (without tests and benchmarks) as a fresh repository with one commit. */
export function createNemoFixture(): string {
  const dir = scratch('nemo-project-');
  // Read-only listing of what this checkout holds, tracked or not (ignored files excluded).
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && !f.startsWith('test/') && !f.startsWith('bench/') && existsSync(path.join(ROOT, f)));
  for (const file of new Set(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  mkdirSync(path.join(dir, 'upgrade-suite'));
  for (const file of readdirSync(SUITE)) copyFileSync(path.join(SUITE, file), path.join(dir, 'upgrade-suite', file));
  // The fixture's own tunable values, over the checkout's file (the strategy's single source of its parameters).
  const parameters = path.join(dir, 'strategies', 'parameters', 'kalshi-mispricing.json');
  const checkoutParameters = JSON.parse(readFileSync(parameters, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    parameters,
    `${JSON.stringify({ ...checkoutParameters, minEdge: 0.02, minProbability: 0.85 }, null, 2)}\n`,
  );
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  git(dir, 'init', '-q', '-b', 'main');
  // The linked node_modules is a symlink, which the checkout's "node_modules/" pattern does not match.
  writeFileSync(path.join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'NEMO fixture project');
  return dir;
}

/** A small project with no dependencies, for package installs (a full NEMO tree is not needed there). */
export function createTinyProject(): string {
  const dir = scratch('tiny-project-');
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'tiny', version: '1.4.2', private: true }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'tiny', version: '1.4.2', lockfileVersion: 3, requires: true, packages: { '': { name: 'tiny', version: '1.4.2' } } }, null, 2)}\n`,
  );
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
  mkdirSync(path.join(dir, 'node_modules'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'tiny project');
  return dir;
}

/** A unified diff that makes `edits` to the files as they are at `ref` of `repo`. */
export function makePatch(repo: string, ref: string, edits: Record<string, (content: string) => string>): string {
  const clone = scratch('patch-');
  execFileSync('git', ['clone', '-q', repo, clone]);
  git(clone, 'checkout', '-q', ref);
  for (const [file, edit] of Object.entries(edits)) {
    const full = path.join(clone, file);
    const before = existsSync(full) ? readFileSync(full, 'utf8') : '';
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, edit(before));
  }
  git(clone, 'add', '-A');
  return git(clone, 'diff', '--cached');
}
