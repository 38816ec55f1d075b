import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { readDeploymentState } from '../../activities/upgrade/deployment-state';
import type { ReleaseWorkers } from '../../activities/upgrade/release-workers';
import { currentBuildId } from '../../activities/upgrade/worker-deployment';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { STRATEGIES } from '../../strategies/registry';
import { upgradeStatus, type SelfUpgradeResult } from '../../workflows/upgrade/self-upgrade';
import { testAppPool } from '../support/stack';
import { until } from '../support/until';
import { startUpgradeStack, type UpgradeStack } from '../support/upgrade-stack';
import { createNemoFixture, git, makePatch } from '../support/fixture-project';

/**
 * issue 18's closing proof: a whole self-upgrade with the DEFAULT checks (`npm test`, so the candidate's pretest
 * scripts/ensure-deps.js runs, then the strategies' backtests), approved through the approval protocol, deployed and
 * rolled back by the operator, on the real Temporal server and PostgreSQL. The running build's packages (this
 * checkout's node_modules, which the fixture project, the candidate and the release all link to) are the same, byte
 * for byte and inode for inode, before and after; `nemo` still runs from them.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGES = realpathSync(path.join(ROOT, 'node_modules'));

/** Every file under node_modules: its path, inode, size, mtime and content, hashed into one fingerprint. */
function packagesFingerprint(): { files: number; tree: string; lock: string; dir: string } {
  const tree = createHash('sha256');
  let files = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const stat = lstatSync(full);
      tree.update(`${path.relative(PACKAGES, full)}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}\0`);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) {
        tree.update(readFileSync(full));
        files += 1;
      }
    }
  };
  walk(PACKAGES);
  const dir = statSync(PACKAGES);
  const lock = createHash('sha256')
    .update(readFileSync(path.join(PACKAGES, '.package-lock.json')))
    .digest('hex');
  return { files, tree: tree.digest('hex'), lock, dir: `inode ${dir.ino}, mtime ${dir.mtimeMs}` };
}

/** The candidate's whole suite under `npm test`: one file, which also tries to write the packages it runs on. */
const CANDIDATE_TEST = `import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { it } from 'node:test';

it('candidate suite ran on read-only packages', () => {
  assert.throws(() => writeFileSync('node_modules/.candidate-was-here', 'x'), /EROFS|EACCES|EPERM/);
});
`;

describe("a whole self-upgrade with the default checks leaves the running build's packages untouched (issue 18 E)", () => {
  let config: NemoConfig;
  let client: Client;
  let fixture: string;
  let stack: UpgradeStack;
  let manager: ReleaseWorkers;
  let before0: ReturnType<typeof packagesFingerprint>;
  const nemo = (args: string[]) => stack.nemo(args);
  const healthOf = (buildId: string) =>
    readDeploymentState(nemoHome(config.NEMO_HOME)).builds.find((b) => b.buildId === buildId)?.health;

  before(async () => {
    before0 = packagesFingerprint();
    fixture = createNemoFixture();
    mkdirSync(path.join(fixture, 'test'));
    writeFileSync(path.join(fixture, 'test', 'candidate-packages.test.ts'), CANDIDATE_TEST);
    git(fixture, 'add', '-A');
    git(fixture, 'commit', '-q', '-m', 'the candidate suite');
    // The default NEMO_UPGRADE_TEST_COMMAND and NEMO_UPGRADE_BACKTEST_COMMAND: nothing overrides them here.
    const { NEMO_UPGRADE_TEST_COMMAND: _t, NEMO_UPGRADE_BACKTEST_COMMAND: _b, ...inherited } = process.env;
    stack = await startUpgradeStack(fixture, {
      inherited,
      workers: {
        NEMO_UPGRADE_CHECK_TIMEOUT: '30m',
        NEMO_UPGRADE_DEPLOY_TIMEOUT: '3m',
        // The checkout build keeps its workers through the test: it is the operator's rollback target.
        NEMO_UPGRADE_KEEP_WARM: '1h',
      },
      cli: { NEMO_UPGRADE_APPROVAL_TIMEOUT: '10m' },
    });
    ({ config, client, manager } = stack);
  });

  after(() => {
    if (process.exitCode && stack) process.stdout.write(`\nworker output (tail):\n${stack.workerOutput()}\n`);
  });

  it('proposes, runs `npm test` and the backtests, is approved, deploys, is rolled back, and the packages are as they were', async () => {
    const buildA = manager.startup.buildId;
    // The old defect's trigger holds: the candidate's lockfile is newer than the installed packages' record.
    assert.ok(
      statSync(path.join(fixture, 'package-lock.json')).mtimeMs >
        statSync(path.join(PACKAGES, '.package-lock.json')).mtimeMs,
    );

    const patch = path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), `whole-upgrade-${process.pid}.patch`);
    writeFileSync(
      patch,
      makePatch(fixture, 'HEAD', { 'README.md': (t) => `${t}\nUpgraded with the default checks.\n` }),
    );
    const proposed = await nemo(['upgrade', 'propose', '--json', '--patch', patch, '--summary', 'a README line']);
    assert.equal(proposed.code, 0, proposed.err);
    const handle = client.workflow.getHandle((JSON.parse(proposed.out) as { proposalId: string }).proposalId);
    await until(
      async () => {
        if ((await handle.query(upgradeStatus).catch(() => undefined))?.step === 'awaiting-approval') return true;
        // A proposal refused by its checks ends here: say why now, not after the wait.
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING')
          throw new Error(`the proposal ended ${status.name}: ${JSON.stringify(await handle.result())}`);
        return undefined;
      },
      'the checks to pass',
      30 * 60_000,
      2_000,
    );

    // The checks were the real ones: npm ran the pretest (ensure-deps) and NEMO's test runner, then every strategy's backtest.
    const checked = (await readEntries(testAppPool(config.DATABASE_URL), { kind: 'upgrade.checked' })).find(
      (e) => e.payload.proposalId === handle.workflowId,
    )!;
    const [tests, backtests] = checked.payload.suites as {
      name: string;
      command: string;
      passed: number;
      failed: number;
      durationMs: number;
      outputTail: string;
    }[];
    console.log(
      `checks in the sandbox: npm test ${(tests!.durationMs / 1000).toFixed(1)} s, backtests ${(backtests!.durationMs / 1000).toFixed(1)} s`,
    );
    assert.equal(checked.payload.sandboxed, true);
    assert.deepEqual([tests!.command, tests!.passed, tests!.failed], ['npm test', 1, 0]);
    assert.match(tests!.outputTail, /> node scripts\/ensure-deps\.js --tests/);
    assert.match(tests!.outputTail, /candidate suite ran on read-only packages/);
    assert.doesNotMatch(tests!.outputTail, /npm ci/);
    const strategies = Object.keys(STRATEGIES).length;
    assert.deepEqual([backtests!.name, backtests!.passed, backtests!.failed], ['backtests', strategies, 0]);

    // The approval request names the real counts.
    const request = await until(async () => {
      const { rows } = await testAppPool(config.DATABASE_URL).query<{ summary: string }>(
        "SELECT summary FROM approvals WHERE workflow_id = $1 AND status = 'pending'",
        [handle.workflowId],
      );
      return rows[0];
    }, 'the approval request');
    assert.match(request.summary, new RegExp(`passed its checks \\(tests 1 passed, backtests ${strategies} passed\\)`));

    const approved = await nemo(['upgrade', 'approve', handle.workflowId]);
    assert.equal(approved.code, 0, approved.err);
    const result = (await handle.result()) as SelfUpgradeResult;
    assert.equal(result.outcome, 'released', result.reason);
    assert.equal(await currentBuildId(client), result.buildId);
    assert.equal(healthOf(result.buildId!), 'good', 'it passed its health watch');

    const rolled = await nemo(['upgrade', 'rollback', '--reason', 'operator drill']);
    assert.equal(rolled.code, 0, rolled.err);
    assert.match(
      rolled.out,
      new RegExp(`rolled back from v0\\.1\\.1 \\(${result.buildId}\\) to v0\\.1\\.0 \\(${buildA}\\): operator drill`),
    );
    assert.equal(await currentBuildId(client), buildA);
    assert.equal(healthOf(result.buildId!), 'good', "an operator's rollback does not mark the build it leaves bad");

    const after0 = packagesFingerprint();
    assert.deepEqual(after0, before0, "the running build's packages are untouched");
    const cli = spawnSync('npm', ['run', '--silent', 'nemo', '--', 'upgrade', 'list'], {
      cwd: fixture,
      env: stack.cliEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(cli.status, 0, `nemo still runs from those packages: ${cli.stderr}`);
    assert.match(cli.stdout, /0\.1\.1/);
    console.log(
      `packages before and after: ${after0.files} files, tree ${after0.tree.slice(0, 16)}, lock ${after0.lock.slice(0, 16)}, node_modules ${after0.dir}`,
    );
  });
});
