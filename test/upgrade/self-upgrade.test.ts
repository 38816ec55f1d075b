import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { readDeploymentState, readWorkerReport } from '../../activities/upgrade/deployment-state';
import { releasePaths } from '../../activities/upgrade/paths';
import { rollBack } from '../../activities/upgrade/rollback';
import type { ReleaseWorkers } from '../../activities/upgrade/release-workers';
import { currentBuildId } from '../../activities/upgrade/worker-deployment';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { TASK_QUEUES } from '../../policies/domains';
import { finishCanary, type releaseCanary } from '../../workflows/upgrade/upgrade-canary';
import { upgradeStatus, type SelfUpgradeResult, type UpgradeStep } from '../../workflows/upgrade/self-upgrade';
import { saveHistoryFixture } from '../support/histories';
import { testAppPool } from '../support/stack';
import { startUpgradeStack, type UpgradeStack } from '../support/upgrade-stack';
import {
  createNemoFixture,
  FIXTURE_BACKTEST_COMMAND,
  FIXTURE_TEST_COMMAND,
  git,
  makePatch,
} from '../support/fixture-project';
import { until } from '../support/until';

/**
 * The self-upgrade acceptance on real parts: a Temporal dev server with Worker Deployments, real git, real worker
 * processes per build started by the release-worker manager (as `nemo up` runs it), the real control worker for
 * approvals and alerts, and the `nemo upgrade` CLI. The project is a throwaway copy of NEMO (fixture-project.ts).
 */

const LEAK = 'leak-canary-7f3a';

/** The upgrade's probes may fail while a release switches over; a failing probe counts as not yet. */
const untilOk = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000) =>
  until(() => probe().catch(() => undefined), what, timeoutMs);

describe('self-upgrade: tested, approved, versioned, deployed as a pinned build, rolled back on failure', () => {
  let config: NemoConfig;
  let client: Client;
  let fixture: string;
  let stack: UpgradeStack;
  let manager: ReleaseWorkers;
  let buildA: string;
  const nemo = (args: string[], extra: Record<string, string> = {}) => stack.nemo(args, extra);
  const propose = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await nemo(['upgrade', 'propose', '--json', ...args], extra);
    assert.equal(result.code, 0, result.err);
    return client.workflow.getHandle((JSON.parse(result.out) as { proposalId: string }).proposalId);
  };
  const stepOf = (handle: WorkflowHandle) => untilOk(() => handle.query(upgradeStatus), 'upgrade status');
  const reach = (handle: WorkflowHandle, step: UpgradeStep) =>
    untilOk(
      async () => ((await handle.query(upgradeStatus)).step === step ? true : undefined),
      `${handle.workflowId} to reach ${step}`,
      180_000,
    );
  const outcome = (handle: WorkflowHandle) => handle.result() as Promise<SelfUpgradeResult>;
  const ledger = async (proposalId: string) =>
    (await readEntries(testAppPool(config.DATABASE_URL), { kindPrefix: 'upgrade.', limit: 10_000 })).filter(
      (e) => e.payload.proposalId === proposalId,
    );
  const runningBuilds = () => Object.keys(readWorkerReport(nemoHome(config.NEMO_HOME))?.builds ?? {});
  let canaries = 0;
  const canary = (hold = false) =>
    client.workflow.start<typeof releaseCanary>('releaseCanary', {
      taskQueue: TASK_QUEUES.upgrade,
      workflowId: `test-canary-${++canaries}`,
      args: [{ hold }],
    });
  /** The git ref of the running version: the current release's tag, or the fixture's HEAD before any release. */
  const currentRef = () => {
    const state = readDeploymentState(nemoHome(config.NEMO_HOME));
    const build = state.builds.find((b) => b.buildId === state.current);
    return build?.source === 'release' ? `v${build.version}` : 'HEAD';
  };

  before(async () => {
    fixture = createNemoFixture();
    stack = await startUpgradeStack(fixture, {
      workers: {
        NEMO_UPGRADE_TEST_COMMAND: FIXTURE_TEST_COMMAND,
        NEMO_UPGRADE_BACKTEST_COMMAND: FIXTURE_BACKTEST_COMMAND,
        NEMO_UPGRADE_CHECK_TIMEOUT: '5m',
        NEMO_UPGRADE_DEPLOY_TIMEOUT: '3m',
        NEMO_UPGRADE_KEEP_WARM: '2s',
        // A credential the candidate's tests must never see (upgrade-suite/environment.test.mjs checks).
        KALSHI_API_SECRET: LEAK,
      },
      cli: { NEMO_UPGRADE_APPROVAL_TIMEOUT: '3m', NEMO_UPGRADE_KEEP_WARM: '2s' },
    });
    ({ config, client, manager } = stack);
    buildA = manager.startup.buildId;
  });

  after(() => {
    if (process.exitCode && stack) process.stdout.write(`\nworker output (tail):\n${stack.workerOutput()}\n`);
  });

  it('runs the checkout as build A, current in the `nemo` Worker Deployment', async () => {
    assert.match(buildA, /^v0\.1\.0-checkout-[0-9a-f]{16}$/);
    assert.equal(await currentBuildId(client), buildA);
    const report = await canary().then((h) => h.result());
    assert.deepEqual(report, { workflowBuildId: buildA, activityBuildId: buildA, startedOn: buildA });
  });

  it('refuses a package outside the allowlist before touching the repository', async () => {
    const handle = await propose(['--package', 'left-pad@1.3.0', '--reason', 'pad strings']);
    const result = await outcome(handle);
    assert.equal(result.outcome, 'refused');
    assert.match(result.reason!, /package left-pad is not on the allowlist \(policies\/package-allowlist\.ts\)/);
    assert.equal(existsSync(path.join(config.NEMO_HOME, 'upgrades', handle.workflowId)), false, 'no worktree was made');
    assert.deepEqual(
      (await ledger(handle.workflowId)).map((e) => e.kind),
      ['upgrade.proposed', 'upgrade.refused'],
    );
  });

  it('refuses a proposal whose tests fail, naming the failing test', async () => {
    const patch = makePatch(fixture, 'HEAD', {
      'ledger/canonical-json.ts': (t) => t.replace('.sort()', '.sort().reverse()'),
    });
    const handle = await propose(['--patch', writePatch(patch), '--summary', 'reverse key order']);
    const result = await outcome(handle);
    assert.equal(result.outcome, 'refused');
    assert.deepEqual(result.failingTests, [
      'canonical JSON sorts object keys (upgrade-suite/canonical-json.test.mjs:7)',
    ]);
    assert.match(result.reason!, /^tests failed: canonical JSON sorts object keys/);
    const entries = await ledger(handle.workflowId);
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['upgrade.proposed', 'upgrade.applied', 'upgrade.checked', 'upgrade.refused'],
    );
    assert.deepEqual(entries[3]!.payload.failingTests, result.failingTests);
    assert.equal(git(fixture, 'tag', '--list').trim(), '', 'nothing was released');
    await saveHistoryFixture(client, handle.workflowId, 'upgrade', 'refused');
  });

  it('deploys an approved release as a new build id while a workflow started on build A finishes on A', async () => {
    const pinned = await canary(true);
    await untilOk(
      async () =>
        (await pinned.describe()).raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId === buildA
          ? true
          : undefined,
      'the pinned canary to start on A',
    );

    const patch = makePatch(fixture, 'HEAD', {
      'README.md': (t) => `${t}\nUpgraded by NEMO's self-improvement domain.\n`,
    });
    const handle = await propose(['--patch', writePatch(patch), '--summary', 'describe self-upgrades in the README']);
    await reach(handle, 'awaiting-approval');
    const status = await stepOf(handle);
    assert.equal(status.version, '0.1.1');
    const approved = await nemo(['upgrade', 'approve', handle.workflowId]);
    assert.equal(approved.code, 0, approved.err);
    assert.match(approved.out, /approved release v0\.1\.1 of upgrade-/);

    const result = await outcome(handle);
    assert.equal(result.outcome, 'released', result.reason);
    assert.equal(result.version, '0.1.1');
    const buildB = result.buildId!;
    assert.notEqual(buildB, buildA);
    assert.equal(await currentBuildId(client), buildB);

    // Build A's workers keep running while a workflow is pinned to it, well past the keep-warm time and several
    // drain checks; then the workflow started before the deploy finishes on the code it started with.
    await new Promise((r) => setTimeout(r, 12_000));
    assert.ok(runningBuilds().includes(buildA), "build A's workers still run while a workflow is pinned to it");
    await pinned.signal(finishCanary);
    assert.deepEqual(await pinned.result(), { workflowBuildId: buildA, activityBuildId: buildA, startedOn: buildA });
    assert.deepEqual(await canary().then((h) => h.result()), {
      workflowBuildId: buildB,
      activityBuildId: buildB,
      startedOn: buildB,
    });

    // Versioned and kept: a git tag, a changelog entry at the tag, a release directory with its manifest.
    assert.match(
      git(fixture, 'show', 'v0.1.1:CHANGELOG.md'),
      /## v0\.1\.1 \(\d{4}-\d\d-\d\d\)\n\n- code-change: describe self-upgrades in the README/,
    );
    assert.equal(JSON.parse(git(fixture, 'show', 'v0.1.1:package.json')).version, '0.1.1');
    const manifest = JSON.parse(readFileSync(releasePaths(nemoHome(config.NEMO_HOME), '0.1.1').manifest, 'utf8'));
    assert.equal(manifest.buildId, buildB);
    assert.equal(git(fixture, 'status', '--porcelain').trim(), '', "the project's own checkout is untouched");

    assert.deepEqual(
      (await ledger(handle.workflowId)).map((e) => e.kind),
      [
        'upgrade.proposed',
        'upgrade.applied',
        'upgrade.checked',
        'upgrade.versioned',
        'upgrade.decided',
        'upgrade.released',
        'upgrade.deployed',
        'upgrade.healthy',
        'upgrade.completed',
      ],
    );
    await saveHistoryFixture(client, handle.workflowId, 'upgrade');
    await saveHistoryFixture(client, pinned.workflowId, 'upgrade');
  });

  it('refuses a change to a policies/ limit without its separate approval naming the change', async () => {
    const patch = makePatch(fixture, currentRef(), {
      'policies/limits.ts': (t) => t.replace('maxPositionUsd: 50,', 'maxPositionUsd: 40,'),
    });
    const handle = await propose(['--patch', writePatch(patch), '--summary', 'tighten the position limit to $40'], {
      NEMO_UPGRADE_APPROVAL_TIMEOUT: '12s',
    });
    await reach(handle, 'awaiting-policy-approval');
    const { policyChange } = await stepOf(handle);
    assert.deepEqual(policyChange?.files, ['policies/limits.ts']);

    const plain = await nemo(['upgrade', 'approve', handle.workflowId]);
    assert.equal(plain.code, 1);
    assert.match(
      plain.err,
      new RegExp(
        `changes policies/limits\\.ts; that needs its own approval naming the change: nemo upgrade approve ${handle.workflowId} --policy-change ${policyChange!.digest}`,
      ),
    );
    const wrong = await nemo(['upgrade', 'approve', handle.workflowId, '--policy-change', '000000000000']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /does not name this change/);

    const result = await outcome(handle);
    assert.equal(result.outcome, 'refused');
    assert.match(
      result.reason!,
      new RegExp(
        `policies/limits\\.ts \\(policy change ${policyChange!.digest}\\) was not approved separately \\(expired: no decision before the request expired\\)`,
      ),
    );
    assert.equal(git(fixture, 'tag', '--list', 'v0.1.2').trim(), '', 'not released');
  });

  it('deploys a policy change once the operator approves that change by its name, then the release', async () => {
    const patch = makePatch(fixture, currentRef(), {
      'policies/limits.ts': (t) => t.replace('maxPositionUsd: 50,', 'maxPositionUsd: 40,'),
    });
    const handle = await propose(['--patch', writePatch(patch), '--summary', 'tighten the position limit to $40']);
    await reach(handle, 'awaiting-policy-approval');
    const { policyChange } = await stepOf(handle);
    const named = await nemo(['upgrade', 'approve', handle.workflowId, '--policy-change', policyChange!.digest]);
    assert.equal(named.code, 0, named.err);
    assert.match(named.out, new RegExp(`approved policy change ${policyChange!.digest}`));
    await reach(handle, 'awaiting-approval');
    assert.equal((await nemo(['upgrade', 'approve', handle.workflowId])).code, 0);
    const result = await outcome(handle);
    assert.equal(result.outcome, 'released', result.reason);
    assert.equal(result.version, '0.1.2');
    assert.match(git(fixture, 'show', 'v0.1.2:policies/limits.ts'), /maxPositionUsd: 40,/);
    const decided = (await ledger(handle.workflowId)).find((e) => e.kind === 'upgrade.policy-change-decided');
    assert.deepEqual(
      [decided?.payload.digest, decided?.payload.outcome, decided?.payload.by],
      [policyChange!.digest, 'approved', 'test-operator'],
    );
  });

  it('rolls back by itself when the new build fails its health watch', async () => {
    const before = await currentBuildId(client);
    const patch = makePatch(fixture, currentRef(), {
      'workflows/upgrade/upgrade-canary.ts': (t) =>
        t
          .replace(
            '  const activityBuildId = await reportWorkerBuild();',
            "  if (startedOn) throw ApplicationFailure.nonRetryable('canary broken on purpose');\n  const activityBuildId = await reportWorkerBuild();",
          )
          .replace('import { condition,', 'import { ApplicationFailure, condition,'),
    });
    const handle = await propose(['--patch', writePatch(patch), '--summary', 'a release whose workflows fail']);
    await reach(handle, 'awaiting-approval');
    assert.equal((await nemo(['upgrade', 'approve', handle.workflowId])).code, 0);
    const result = await outcome(handle);
    assert.equal(result.outcome, 'rolled-back', result.reason);
    assert.match(result.reason!, /canary 1 failed on build v0\.1\.3-[0-9a-f]{12}: .*canary broken on purpose/);
    assert.equal(result.rollback?.rolledBack, true);
    assert.equal(result.rollback?.to?.buildId, before);
    assert.equal(await currentBuildId(client), before, 'the last good build is current again');
    const kinds = (await ledger(handle.workflowId)).map((e) => e.kind);
    assert.deepEqual(kinds.slice(-3), ['upgrade.deployed', 'upgrade.health-failed', 'upgrade.reverted']);
    const rolled = (await readEntries(testAppPool(config.DATABASE_URL), { kind: 'upgrade.rolled-back' })).at(-1);
    assert.equal(rolled?.domain, 'upgrade');
    assert.equal((rolled?.payload.to as { buildId: string }).buildId, before);
    assert.equal(
      readDeploymentState(nemoHome(config.NEMO_HOME)).builds.find((b) => b.buildId === result.buildId)?.health,
      'bad',
    );
    assert.deepEqual(await canary().then((h) => h.result()), {
      workflowBuildId: before,
      activityBuildId: before,
      startedOn: before,
    });
  });

  it('`nemo upgrade rollback VERSION` restores a chosen earlier release', async () => {
    const v011 = JSON.parse(readFileSync(releasePaths(nemoHome(config.NEMO_HOME), '0.1.1').manifest, 'utf8'))
      .buildId as string;
    const rolled = await nemo(['upgrade', 'rollback', '0.1.1', '--reason', 'operator prefers v0.1.1']);
    assert.equal(rolled.code, 0, rolled.err);
    assert.match(
      rolled.out,
      new RegExp(`rolled back from v0\\.1\\.2 \\(.*\\) to v0\\.1\\.1 \\(${v011}\\): operator prefers v0\\.1\\.1`),
    );
    assert.equal(await currentBuildId(client), v011);
    assert.deepEqual(await canary().then((h) => h.result()), {
      workflowBuildId: v011,
      activityBuildId: v011,
      startedOn: v011,
    });
    const entry = (await readEntries(testAppPool(config.DATABASE_URL), { kind: 'upgrade.rolled-back' })).at(-1);
    assert.equal(entry?.domain, 'operator');
    assert.equal(entry?.payload.by, 'test-operator');

    const missing = await nemo(['upgrade', 'rollback', '0.0.9']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /v0\.0\.9 is not a retained release; retained: v0\.1\.1, v0\.1\.2, v0\.1\.3/);

    const listed = JSON.parse((await nemo(['upgrade', 'list', '--json'])).out) as {
      current: string;
      releases: { version: string; role: string; health: string }[];
    };
    assert.equal(listed.current, v011);
    assert.deepEqual(
      listed.releases.map((r) => r.version),
      ['0.1.3', '0.1.2', '0.1.1'],
    );
    assert.deepEqual(
      listed.releases.map((r) => r.role === 'current'),
      [false, false, true],
    );
    // The health watch's rollback condemned v0.1.3; the operator's rollback from v0.1.2 says nothing about it.
    assert.deepEqual(
      listed.releases.map((r) => r.health),
      ['bad', 'good', 'good'],
    );
  });

  it('says that no rollback target exists when no earlier good version is recorded', async () => {
    const emptyHome = nemoHome(mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'empty-home-')));
    const result = await rollBack(
      {
        client,
        home: emptyHome,
        pool: testAppPool(config.DATABASE_URL),
        ledgerDomain: 'control',
        identity: 'test',
        readyTimeoutMs: 5_000,
        keepWarmMs: 1_000,
        idempotencyKey: 'rollback:test:none',
      },
      { reason: 'technical failure incident', by: 'technicalFailure' },
    );
    assert.equal(result.rolledBack, false);
    assert.match(result.message, /^no rollback target exists/);
    const entry = (await readEntries(testAppPool(config.DATABASE_URL), { kind: 'upgrade.rollback-unavailable' })).at(
      -1,
    );
    assert.equal(entry?.payload.message, result.message);
  });

  it('retires a replaced build once Temporal reports no workflow pinned to it', async () => {
    const current = await currentBuildId(client);
    await untilOk(
      async () => (runningBuilds().includes(buildA) ? undefined : true),
      "build A's workers to stop",
      90_000,
    );
    assert.equal(readDeploymentState(nemoHome(config.NEMO_HOME)).builds.find((b) => b.buildId === buildA)?.run, false);
    assert.ok(runningBuilds().includes(current!), 'the current build keeps running');
  });

  it('asks the operator to buy API credit and never pays', async () => {
    const handle = await propose([
      '--credit',
      'anthropic',
      '--amount',
      '25',
      '--reason',
      'the analyst budget runs low',
    ]);
    await reach(handle, 'awaiting-credit-approval');
    const approved = await nemo(['upgrade', 'approve', handle.workflowId]);
    assert.equal(approved.code, 0, approved.err);
    const result = await outcome(handle);
    assert.equal(result.outcome, 'credit-approved');
    assert.deepEqual(
      (await ledger(handle.workflowId)).map((e) => e.kind),
      ['upgrade.proposed', 'upgrade.credit-decided'],
    );
    const shown = await nemo(['upgrade', 'show', handle.workflowId]);
    assert.equal(shown.code, 0, shown.err);
    assert.match(
      shown.out,
      /buy \$25\.00 of anthropic API credit \[COMPLETED\]\n  step: done\n  outcome: credit-approved\n  #\d+ .* upgrade\.proposed\n  #\d+ .* upgrade\.credit-decided/,
    );
    await saveHistoryFixture(client, handle.workflowId, 'upgrade', 'credit');
  });

  it('a restarted `nemo up` runs the current release again, not the checkout', async () => {
    const current = (await currentBuildId(client))!;
    await manager.stop();
    assert.deepEqual(runningBuilds(), [], 'every worker stopped with its manager');
    manager = await stack.startManager();
    assert.equal(manager.startup.buildId, current);
    assert.equal(manager.startup.source, 'release');
    await manager.makeStartupCurrent(180_000);
    assert.deepEqual(await canary().then((h) => h.result()), {
      workflowBuildId: current,
      activityBuildId: current,
      startedOn: current,
    });
  });
});

let patchCount = 0;
function writePatch(patch: string): string {
  const file = path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), `proposal-${process.pid}-${++patchCount}.patch`);
  writeFileSync(file, patch);
  return file;
}
