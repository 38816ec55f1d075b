#!/usr/bin/env node
// Runs before `npm start` and `npm test` (npm's pre-scripts), so the README's two commands work on a fresh clone:
// checks Node, installs the locked npm packages when they are missing or stale, bubblewrap (the sandboxes), and for
// tests the Debian packages the interoperability tests and benchmarks call (python3-cryptography for Fernet vectors,
// python3-pandas for the backtest comparison). Plain JavaScript: it runs before any dependency exists.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const forTests = process.argv.includes('--tests');
// --check: only say whether the installed packages match the lockfile (exit 1 when they do not); installs nothing.
const checkOnly = process.argv.includes('--check');
const say = (line) => process.stdout.write(`[nemo-setup] ${line}\n`);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 3)) {
  console.error(
    `NEMO needs Node.js >= 20.3; this is ${process.versions.node}. Install a newer Node (https://nodejs.org).`,
  );
  process.exit(1);
}

const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const stale = staleness();
if (checkOnly) {
  say(stale ? `npm packages are stale: ${stale}` : 'npm packages match package-lock.json');
  process.exit(stale ? 1 : 0);
}
if (stale) {
  say(`installing npm packages from package-lock.json (npm ci): ${stale}`);
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) process.exit(ci.status ?? 1);
}

/**
 * Why node_modules does not hold what package-lock.json locks, or null when it does. Compares content (every locked
 * package's version and integrity against npm's record of what it installed), never file times: a fresh checkout or
 * git worktree has a newer lockfile than an install that matches it, and running `npm ci` there would empty a
 * node_modules it shares with a running build.
 */
function staleness() {
  if (!existsSync(installed)) return 'node_modules/.package-lock.json is missing';
  const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  for (const [name, entry] of Object.entries(wanted)) {
    if (name === '' || entry.link) continue;
    const got = have[name];
    // npm leaves out optional packages for other platforms (esbuild's binaries for other systems).
    if (!got) {
      if (entry.optional) continue;
      return `${name} is not installed`;
    }
    if (got.version !== entry.version || got.integrity !== entry.integrity)
      return `${name} is ${got.version}, the lockfile has ${entry.version}`;
  }
  const extra = Object.keys(have).find((name) => !(name in wanted));
  return extra ? `${extra} is installed but not in the lockfile` : null;
}

// Debian packages: bubblewrap builds the worker and candidate sandboxes (docs/security.md); for tests, the Python
// libraries the interoperability tests and benchmarks call.
const missing = [];
if (process.platform === 'linux' && !existsSync('/usr/bin/bwrap')) missing.push('bubblewrap');
if (forTests) {
  const systemPython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  for (const [module, pkg] of [
    ['cryptography', 'python3-cryptography'],
    ['pandas', 'python3-pandas'],
  ]) {
    if (spawnSync(systemPython, ['-c', `import ${module}`]).status !== 0) missing.push(pkg);
  }
}
if (missing.length > 0 && !checkOnly) {
  const canApt = process.getuid && process.getuid() === 0 && existsSync('/usr/bin/apt-get');
  if (!canApt) {
    console.error(
      `NEMO needs ${missing.join(', ')}: install them (e.g. sudo apt-get install -y ${missing.join(' ')}) and run again`,
    );
    process.exit(1);
  }
  say(`installing ${missing.join(', ')} with apt-get`);
  let apt = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit' });
  if (apt.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    apt = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit' });
  }
  if (apt.status !== 0) process.exit(apt.status ?? 1);
}
