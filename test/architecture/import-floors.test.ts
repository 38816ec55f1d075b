import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

// The floors of docs/development.md ("The house"), lowest first: a file may import only from its own floor or below.
const FLOORS = [
  'ledger',
  'policies',
  'strategies',
  'contracts',
  'backtest',
  'platform',
  'reporting',
  'simulators',
  'activities',
  'workflows',
  'workers',
  'cli',
  'scripts',
  'bench',
];
const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import (static, dynamic, re-export) of a file, as repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)].map((m) =>
    path.relative(ROOT, path.resolve(path.dirname(file), m[1]!)),
  );
}

const floorOf = (repoPath: string): number => FLOORS.indexOf(repoPath.split(path.sep)[0]!);

function climbsOf(from: string, targets: string[]): string[] {
  return targets
    .filter((target) => floorOf(target) > floorOf(from))
    .map((target) => `${from} -> ${target} (${FLOORS[floorOf(from)]}/ imports ${FLOORS[floorOf(target)]}/)`);
}

function climbs(): string[] {
  return FLOORS.flatMap((folder) => sourceFiles(path.join(ROOT, folder))).flatMap((file) =>
    climbsOf(path.relative(ROOT, file), importsOf(file)),
  );
}

describe('the house: imports run down the floors', () => {
  it('no import climbs from a lower floor to a higher one', () => {
    assert.deepEqual(climbs(), []);
  });

  it('names a climb when there is one, and lets imports run down', () => {
    const limits = path.join('policies', 'limits.ts');
    assert.deepEqual(climbsOf(limits, [path.join('workflows', 'trading', 'trade'), path.join('ledger', 'entry')]), [
      `${limits} -> ${path.join('workflows', 'trading', 'trade')} (policies/ imports workflows/)`,
    ]);
    assert.deepEqual(climbsOf(path.join('cli', 'nemo.ts'), [limits, path.join('workers', 'nemo-stack')]), []);
  });

  it('every top-level folder of code has a floor', () => {
    const folders = readdirSync(ROOT).filter(
      (name) =>
        !name.startsWith('.') &&
        name !== 'node_modules' &&
        name !== 'test' &&
        statSync(path.join(ROOT, name)).isDirectory(),
    );
    const withCode = folders.filter((folder) => sourceFiles(path.join(ROOT, folder)).length > 0);
    assert.deepEqual(
      withCode.filter((folder) => !FLOORS.includes(folder)),
      [],
    );
  });
});
