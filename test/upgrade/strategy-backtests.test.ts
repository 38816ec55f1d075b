import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TestOutputReader } from '../../activities/upgrade/test-output';
import { strategiesChangedBy } from '../../policies/upgrade-rules';
import { STRATEGIES } from '../../strategies/registry';

const ROOT = path.resolve(__dirname, '..', '..');

/** The default NEMO_UPGRADE_BACKTEST_COMMAND, run in `dir` as a candidate's checks run it. */
function backtests(dir: string, env: Record<string, string> = {}, args: string[] = []) {
  const { TEMPORAL_ADDRESS: _a, DATABASE_URL: _d, ...parent } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/backtest-strategies.ts', ...args], {
    cwd: dir,
    env: { ...parent, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** The output as a candidate's checks read it: the counts and failures the approval request and refusal show. */
function read(output: string): { passed: number; failed: number; failing: string[] } {
  const reader = new TestOutputReader();
  for (const line of output.split('\n')) reader.read(line);
  return { ...reader.counts(), failing: reader.failingTests() };
}

/** A copy of the code a candidate would hold, sharing node_modules. */
function candidateCopy(): string {
  const dir = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'strategy-backtests-'));
  for (const folder of [
    'activities',
    'backtest',
    'contracts',
    'ledger',
    'platform',
    'policies',
    'reporting',
    'scripts',
    'simulators',
    'strategies',
    'workers',
    'workflows',
  ]) {
    cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  }
  for (const file of ['package.json', 'tsconfig.json']) cpSync(path.join(ROOT, file), path.join(dir, file));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

describe("the strategies' backtests a self-upgrade runs (scripts/backtest-strategies.ts)", () => {
  it('names the strategies a change retunes', () => {
    assert.deepEqual(
      strategiesChangedBy(['strategies/parameters/kalshi-mispricing.json', 'README.md', 'strategies/parameters/x.txt']),
      ['kalshi-mispricing'],
    );
    assert.deepEqual(strategiesChangedBy(['strategies/kalshi-mispricing.ts']), []);
  });

  it('passes with every strategy run, and fails when a retuned strategy no longer makes proof', () => {
    const all = backtests(ROOT);
    assert.equal(all.status, 0, all.stdout + all.stderr);
    assert.match(all.stdout, /ok {3}kalshi-mispricing [0-9a-f]{16} on synthetic kalshi data.*makes proof/);
    assert.match(all.stdout, /coinbase-ma-crossover .*trades/);
    // The approval request says how many strategies' backtests passed, not "backtests 0 passed".
    assert.deepEqual(read(all.stdout), { passed: Object.keys(STRATEGIES).length, failed: 0, failing: [] });

    const kalshi = backtests(ROOT, { NEMO_UPGRADE_CHANGED_STRATEGIES: 'kalshi-mispricing' });
    assert.equal(kalshi.status, 0, kalshi.stdout + kalshi.stderr);

    // An edge threshold so high the strategy never trades: fewer than the 100 trades proof needs.
    const dir = candidateCopy();
    const file = path.join(dir, 'strategies', 'parameters', 'kalshi-mispricing.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), minEdge: 0.9 }));
    const retuned = backtests(dir, { NEMO_UPGRADE_CHANGED_STRATEGIES: 'kalshi-mispricing' });
    assert.equal(retuned.status, 1, retuned.stdout + retuned.stderr);
    assert.match(retuned.stdout, /FAIL kalshi-mispricing .*no proof: .*trades/);
    assert.deepEqual(read(retuned.stdout), {
      passed: Object.keys(STRATEGIES).length - 1,
      failed: 1,
      failing: ['backtest kalshi-mispricing'],
    });
  });

  it('fails when a parameter file breaks a strategy, whichever strategy the change names', () => {
    const dir = candidateCopy();
    const file = path.join(dir, 'strategies', 'parameters', 'coinbase-ma-crossover.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), minProbability: 0.5 }));
    const broken = backtests(dir);
    assert.notEqual(broken.status, 0);
    assert.match(broken.stderr, /coinbase-ma-crossover\.json: minProbability 0\.5 is below the seed's 0\.8/);
  });
});
