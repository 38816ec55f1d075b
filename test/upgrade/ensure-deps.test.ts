import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

// issue 18 E: a candidate worktree's lockfile is newer than the running build's install it links to; the install
// check must compare content, or `npm test` in the candidate runs `npm ci` and empties the running build's packages.
const projectRoot = path.resolve(__dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'nemo-ensure-deps-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function checkout(
  name: string,
  edit?: (installed: { packages: Record<string, { version?: string; integrity?: string }> }) => void,
): string {
  const root = path.join(scratch, name);
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  mkdirSync(path.join(root, 'node_modules'), { recursive: true });
  copyFileSync(path.join(projectRoot, 'scripts', 'ensure-deps.js'), path.join(root, 'scripts', 'ensure-deps.js'));
  const lock = JSON.parse(readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8'));
  const installed = { name: lock.name, lockfileVersion: lock.lockfileVersion, packages: { ...lock.packages } };
  delete installed.packages[''];
  edit?.(installed);
  writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), JSON.stringify(installed));
  writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify(lock));
  // The lockfile is newer than the install, as in a fresh git worktree.
  const later = new Date(Date.now() + 60_000);
  utimesSync(path.join(root, 'package-lock.json'), later, later);
  return root;
}

const check = (root: string) =>
  spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-deps.js'), '--check'], {
    cwd: root,
    encoding: 'utf8',
  });

describe('ensure-deps compares the lockfile by content', () => {
  it('a newer lockfile with the same content is up to date (no npm ci)', () => {
    const result = check(checkout('same'));
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /npm packages match package-lock\.json/);
  });

  it('a different locked version is stale, naming the package', () => {
    const result = check(
      checkout(
        'other-version',
        (installed) =>
          (installed.packages['node_modules/zod'] = { ...installed.packages['node_modules/zod'], version: '0.0.1' }),
      ),
    );
    assert.equal(result.status, 1);
    assert.match(result.stdout, /stale: node_modules\/zod is 0\.0\.1, the lockfile has /);
  });

  it('a missing package and an extra package are stale', () => {
    const missing = check(checkout('missing', (installed) => delete installed.packages['node_modules/pg']));
    assert.equal(missing.status, 1);
    assert.match(missing.stdout, /node_modules\/pg is not installed/);
    const extra = check(
      checkout('extra', (installed) => (installed.packages['node_modules/left-pad'] = { version: '1.3.0' })),
    );
    assert.equal(extra.status, 1);
    assert.match(extra.stdout, /node_modules\/left-pad is installed but not in the lockfile/);
  });
});
