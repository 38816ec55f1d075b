#!/usr/bin/env node
// Runs before `npm start` and `npm test` (npm's pre-scripts), so the README's two commands work on a fresh clone:
// checks Node, installs the locked npm packages when they are missing or stale, and for tests the Debian packages
// the interoperability tests and benchmarks call (python3-cryptography for Fernet vectors, python3-pandas for the
// backtest comparison). Plain JavaScript: it runs before any dependency exists.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const forTests = process.argv.includes('--tests');
const say = (line) => process.stdout.write(`[nemo-setup] ${line}\n`);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 3)) {
  console.error(`NEMO needs Node.js >= 20.3; this is ${process.versions.node}. Install a newer Node (https://nodejs.org).`);
  process.exit(1);
}

const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('installing npm packages from package-lock.json (npm ci)');
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) process.exit(ci.status ?? 1);
}

if (forTests) {
  const systemPython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const missing = [
    ['cryptography', 'python3-cryptography'],
    ['pandas', 'python3-pandas'],
  ].filter(([module]) => spawnSync(systemPython, ['-c', `import ${module}`]).status !== 0);
  if (missing.length > 0) {
    const packages = missing.map(([, pkg]) => pkg);
    const canApt = process.getuid && process.getuid() === 0 && existsSync('/usr/bin/apt-get');
    if (!canApt) {
      console.error(`the tests need ${packages.join(', ')}: install them (e.g. sudo apt-get install -y ${packages.join(' ')}) and run again`);
      process.exit(1);
    }
    say(`installing ${packages.join(', ')} with apt-get`);
    let apt = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit' });
    if (apt.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      apt = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit' });
    }
    if (apt.status !== 0) process.exit(apt.status ?? 1);
  }
}
