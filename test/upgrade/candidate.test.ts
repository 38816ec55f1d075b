import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { prepareCandidate, removeCandidate, type BaseBuild } from '../../activities/upgrade/candidate';
import { runChecks } from '../../activities/upgrade/candidate-checks';
import { candidateEnv } from '../../activities/upgrade/candidate-env';
import { UpgradeRefusal } from '../../activities/upgrade/errors';
import { installAllowlistedPackage } from '../../activities/upgrade/package-install';
import { buildRelease } from '../../activities/upgrade/release-build';
import { assertAllowedPath, candidatePaths, releasePaths, type UpgradeRoots } from '../../activities/upgrade/paths';
import { listReleases, pruneReleases, type ReleaseManifest } from '../../activities/upgrade/release-store';
import { versionCandidate } from '../../activities/upgrade/release-version';
import { runShell } from '../../activities/upgrade/run-command';
import { nemoHome } from '../../platform/nemo-home';
import type { UpgradeProposal } from '../../policies/upgrade-proposal';
import {
  createNemoFixture,
  createTinyProject,
  FIXTURE_BACKTEST_COMMAND,
  FIXTURE_TEST_COMMAND,
  git,
  makePatch,
} from '../support/fixture-project';

/** Candidates on real git, npm and node (no Temporal needed): what gets applied, refused, tested and versioned. */

const refusedWith = (pattern: RegExp) => (err: unknown) => err instanceof UpgradeRefusal && pattern.test(err.message);

/** The operator's step before a package addition: the package in npm's local cache (the upgrade installs offline). */
before(() => {
  const cached = spawnSync('npm', ['cache', 'add', 'ms@2.1.3'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(cached.status, 0, `npm cache add ms@2.1.3 (needs the npm registry): ${cached.stderr}`);
});

describe('a proposal applied in its own worktree', () => {
  let repo: string;
  let roots: UpgradeRoots;
  let base: BaseBuild;
  let n = 0;
  const apply = (proposal: UpgradeProposal) => prepareCandidate(roots, `cand-${++n}`, proposal, base);
  const code = (summary: string, patch: string): UpgradeProposal => ({ kind: 'code-change', summary, patch });

  before(() => {
    repo = createNemoFixture();
    roots = { repo, home: nemoHome(mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'home-'))) };
    base = { version: '0.1.0', commit: git(repo, 'rev-parse', 'HEAD').trim(), dir: repo };
  });

  it('commits a code change on its own branch and leaves the project untouched', async () => {
    const patch = makePatch(repo, 'HEAD', {
      'README.md': (t) => `${t}\nTuned by NEMO.\n`,
      'strategies/notes.md': () => 'new notes\n',
    });
    const change = await apply(code('document tuning', patch));
    assert.deepEqual(change.files.map((f) => `${f.status} ${f.path}`).sort(), [
      'added strategies/notes.md',
      'modified README.md',
    ]);
    assert.deepEqual(change.added, ['strategies/notes.md']);
    assert.equal(change.policyChange, null);
    assert.equal(git(repo, 'log', '-1', '--format=%s', change.branch).trim(), 'code-change: document tuning');
    assert.equal(git(repo, 'status', '--porcelain').trim(), '', 'the project checkout is unchanged');
    assert.doesNotMatch(readFileSync(path.join(repo, 'README.md'), 'utf8'), /Tuned by NEMO/);
    assert.ok(
      lstatSync(path.join(candidatePaths(roots.home, change.proposalId).worktree, 'node_modules')).isSymbolicLink(),
    );
  });

  it('names a change to policies/ with a digest of its diff', async () => {
    const patch = makePatch(repo, 'HEAD', {
      'policies/limits.ts': (t) => t.replace('maxPositionUsd: 50,', 'maxPositionUsd: 40,'),
    });
    const first = await apply(code('tighten the position limit', patch));
    const again = await apply(code('tighten the position limit', patch));
    assert.deepEqual(first.policyChange?.files, ['policies/limits.ts']);
    assert.match(first.policyChange!.digest, /^[0-9a-f]{12}$/);
    assert.equal(again.policyChange!.digest, first.policyChange!.digest, 'the same change has the same name');
    assert.match(first.policyChange!.diffStat, /policies\/limits\.ts \| 2 \+-/);
    assert.deepEqual(first.policyChange!.loosened, [], 'a tighter limit loosens nothing');
    const raise = makePatch(repo, 'HEAD', {
      'policies/limits.ts': (t) => t.replace('hotWalletMaxUsd: 1500,', 'hotWalletMaxUsd: 2500,'),
    });
    const loosening = await apply(code('raise the hot wallet', raise));
    assert.deepEqual(loosening.policyChange!.loosened, [
      {
        name: 'hotWalletMaxUsd',
        from: 1500,
        to: 2500,
        rule: 'seed: hot wallet maximum balance $1,500 (1.5x portfolio)',
      },
    ]);
  });

  it('refuses patches that leave the project, touch git metadata or dependencies, or create links', async () => {
    const outside = PATCH_HEADER('../escape.txt');
    await assert.rejects(apply(code('escape', outside)), refusedWith(/\.\.\/escape\.txt: "\.\." leaves the project/));
    await assert.rejects(
      apply(code('hook', PATCH_HEADER('.git/hooks/post-checkout'))),
      refusedWith(/git metadata is never changed/),
    );
    const deps = makePatch(repo, 'HEAD', {
      'package.json': (t) => t.replace('"zod": ', '"left-pad": "1.3.0",\n    "zod": '),
    });
    await assert.rejects(
      apply(code('sneak a dependency', deps)),
      refusedWith(/package\.json: dependencies change only through a package-addition proposal/),
    );
    const link =
      'diff --git a/passwd b/passwd\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/passwd\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n';
    await assert.rejects(apply(code('link out', link)), refusedWith(/passwd: the patch creates a symbolic link/));
  });

  it('refuses a patch that does not apply to the running version, saying so', async () => {
    const stale = makePatch(repo, 'HEAD', { 'README.md': (t) => t.replace(/^# .*$/m, '# Renamed') }).replace(
      /^-# .*$/m,
      '-# Something else entirely',
    );
    await assert.rejects(apply(code('stale', stale)), refusedWith(/the patch does not apply to v0\.1\.0/));
  });

  it('changes strategy parameters only as the strategy defines them', async () => {
    const tuned = await apply({
      kind: 'strategy-parameters',
      strategy: 'kalshi-mispricing',
      parameters: { minEdge: 0.03 },
      rationale: 'paper record',
    });
    const file = path.join(
      candidatePaths(roots.home, tuned.proposalId).worktree,
      'strategies/parameters/kalshi-mispricing.json',
    );
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      minEdge: 0.03,
      minProbability: 0.85,
      referenceContracts: 10,
    });
    await assert.rejects(
      apply({
        kind: 'strategy-parameters',
        strategy: 'kalshi-mispricing',
        parameters: { leverage: 5 },
        rationale: 'r',
      }),
      refusedWith(/leverage: the strategy has no such parameter/),
    );
    await assert.rejects(
      apply({ kind: 'strategy-parameters', strategy: 'no-such-strategy', parameters: { a: 1 }, rationale: 'r' }),
      refusedWith(/no-such-strategy has no parameter file strategies\/parameters\/no-such-strategy\.json/),
    );
  });

  it('runs the suite with no secret in its environment and names the failing test', async () => {
    const broken = makePatch(repo, 'HEAD', {
      'ledger/canonical-json.ts': (t) => t.replace('.sort()', '.sort().reverse()'),
    });
    assert.notEqual(broken, '', 'the fixture has a sort to break');
    const change = await apply(code('reverse key order', broken));
    const paths = candidatePaths(roots.home, change.proposalId);
    process.env.SOME_VENUE_SECRET = 'leak-canary-1234';
    const progress: unknown[] = [];
    try {
      const report = await runChecks(
        [
          { name: 'tests', command: FIXTURE_TEST_COMMAND },
          { name: 'backtests', command: FIXTURE_BACKTEST_COMMAND },
        ],
        {
          cwd: paths.worktree,
          env: candidateEnv(paths),
          timeoutMs: 120_000,
          progress: (p) => progress.push(p),
          progressEveryMs: 200,
        },
      );
      assert.equal(report.ok, false);
      assert.equal(report.suites.length, 1, 'the backtests are not run after the tests failed');
      assert.deepEqual(report.suites[0]!.failingTests, [
        'canonical JSON sorts object keys (upgrade-suite/canonical-json.test.mjs:7)',
      ]);
      assert.match(report.failure!, /^tests failed: canonical JSON sorts object keys/);
      assert.equal(report.suites[0]!.passed, 3, 'the environment tests passed: nothing leaked, apt-get refused');
      assert.ok(progress.length > 0, 'progress was reported while it ran');
    } finally {
      delete process.env.SOME_VENUE_SECRET;
    }
  });

  it('refuses to run a configured command that calls a system package manager', async () => {
    await assert.rejects(
      runShell('npm test && sudo apt-get install -y x', { cwd: repo, env: {} }),
      /"sudo" is a system package manager or a privilege change/,
    );
  });

  it('bumps the version and writes the changelog on the candidate branch; never reuses a released version', async () => {
    const change = await apply(code('docs', makePatch(repo, 'HEAD', { 'README.md': (t) => `${t}\nMore.\n` })));
    const worktree = candidatePaths(roots.home, change.proposalId).worktree;
    const entry = {
      date: '2026-11-24',
      kind: 'code-change',
      summary: 'docs',
      proposalId: change.proposalId,
      baseCommit: base.commit,
      files: change.files,
      checks: 'tests passed (3)',
    };
    const versioned = await versionCandidate(repo, worktree, 'patch', entry);
    assert.equal(versioned.version, '0.1.1');
    assert.equal(JSON.parse(readFileSync(path.join(worktree, 'package.json'), 'utf8')).version, '0.1.1');
    assert.equal(
      JSON.parse(readFileSync(path.join(worktree, 'package-lock.json'), 'utf8')).packages[''].version,
      '0.1.1',
    );
    assert.match(
      readFileSync(path.join(worktree, 'CHANGELOG.md'), 'utf8'),
      /## v0\.1\.1 \(2026-11-24\)\n\n- code-change: docs/,
    );
    assert.deepEqual(
      await versionCandidate(repo, worktree, 'patch', entry),
      versioned,
      'a retry reports the same version',
    );

    // v0.1.1 is released (and, say, rolled back): another change to v0.1.0 becomes v0.1.2, never a second v0.1.1.
    const other = await apply(code('more docs', makePatch(repo, 'HEAD', { 'README.md': (t) => `${t}\nEven more.\n` })));
    git(repo, 'tag', 'v0.1.1', versioned.commit);
    const next = await versionCandidate(repo, candidatePaths(roots.home, other.proposalId).worktree, 'patch', {
      ...entry,
      proposalId: other.proposalId,
    });
    assert.deepEqual([next.version, next.previousVersion], ['0.1.2', '0.1.0']);
  });

  it('adds an allowlisted package in a private copy of the packages, then releases it with its own package tree', async () => {
    const checkoutMs = () =>
      readFileSync(path.join(__dirname, '..', '..', 'node_modules', 'ms', 'package.json'), 'utf8');
    const before = checkoutMs();
    const change = await apply({
      kind: 'package-addition',
      name: 'ms',
      version: '2.1.3',
      reason: 'durations in messages',
    });
    const worktree = candidatePaths(roots.home, change.proposalId).worktree;
    assert.equal(
      change.installed?.integrity,
      'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==',
    );
    assert.deepEqual(change.files.map((f) => f.path).sort(), ['package-lock.json', 'package.json']);
    assert.equal(
      JSON.parse(readFileSync(path.join(worktree, 'node_modules', 'ms', 'package.json'), 'utf8')).version,
      '2.1.3',
    );
    assert.equal(checkoutMs(), before, "this checkout's installed packages are untouched");

    const entry = {
      date: '2026-11-24',
      kind: 'package-addition',
      summary: 'add package ms@2.1.3',
      proposalId: change.proposalId,
      baseCommit: base.commit,
      files: change.files,
      checks: 'tests 3 passed',
    };
    const versioned = await versionCandidate(repo, worktree, 'minor', entry);
    assert.equal(versioned.version, '0.2.0');
    const steps: string[] = [];
    const manifest = await buildRelease(
      roots,
      {
        proposalId: change.proposalId,
        version: '0.2.0',
        kind: 'package-addition',
        summary: entry.summary,
        base,
        createdAt: new Date().toISOString(),
      },
      (s) => steps.push(s),
    );
    assert.deepEqual(steps, ['tagging v0.2.0', 'exporting v0.2.0', 'bundling workflows']);
    assert.equal(git(repo, 'rev-parse', 'v0.2.0^{commit}').trim(), versioned.commit);
    const packages = realpathSync(path.join(manifest.source, 'node_modules'));
    assert.ok(
      packages.startsWith(path.join(roots.home.root, 'releases', 'node_modules')),
      `its own package tree, not the base's: ${packages}`,
    );
    assert.equal(JSON.parse(readFileSync(path.join(packages, 'ms', 'package.json'), 'utf8')).version, '2.1.3');
    for (const domain of ['research', 'paper', 'live', 'upgrade', 'control'])
      assert.ok(existsSync(path.join(manifest.bundleDir, `${domain}.js`)), domain);
    assert.match(manifest.buildId, /^v0\.2\.0-[0-9a-f]{12}$/);
    assert.deepEqual(
      await buildRelease(
        roots,
        {
          proposalId: change.proposalId,
          version: '0.2.0',
          kind: 'package-addition',
          summary: entry.summary,
          base,
          createdAt: 'later',
        },
        () => undefined,
      ),
      manifest,
      'a retry finds the release built',
    );
  });

  it('removes a candidate: worktree, branch and scratch area', async () => {
    const change = await apply(code('temp', makePatch(repo, 'HEAD', { 'README.md': (t) => `${t}\nTemp.\n` })));
    await removeCandidate(roots, change.proposalId);
    assert.equal(existsSync(candidatePaths(roots.home, change.proposalId).root), false);
    assert.equal(git(repo, 'branch', '--list', change.branch).trim(), '');
    assert.doesNotMatch(git(repo, 'worktree', 'list'), new RegExp(change.proposalId));
  });
});

function PATCH_HEADER(file: string): string {
  return `diff --git a/${file} b/${file}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1 @@\n+x\n`;
}

describe('an allowlisted package installed offline with its integrity checked', () => {
  let project: string;
  before(() => {
    project = createTinyProject();
  });

  it('installs the exact version from the npm cache and proves it by the lockfile', async () => {
    const entry = await installAllowlistedPackage(
      project,
      { name: 'ms', version: '2.1.3' },
      { PATH: process.env.PATH, HOME: process.env.HOME },
    );
    assert.equal(entry.name, 'ms');
    const lock = JSON.parse(readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/ms'].integrity, entry.integrity);
    assert.equal(JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies.ms, '2.1.3');
  });

  it('refuses when the installed package does not match the approved integrity', async () => {
    const tampered = [{ name: 'ms', version: '2.1.3', integrity: 'sha512-AAAA', purpose: 'test' }];
    await assert.rejects(
      installAllowlistedPackage(
        project,
        { name: 'ms', version: '2.1.3' },
        { PATH: process.env.PATH, HOME: process.env.HOME },
        tampered,
      ),
      refusedWith(/ms@2\.1\.3: integrity mismatch; the lockfile has sha512-6Flz.*, the allowlist approves sha512-AAAA/),
    );
  });

  it('refuses a package outside the allowlist without running npm', async () => {
    await assert.rejects(
      installAllowlistedPackage(project, { name: 'left-pad', version: '1.3.0' }, {}),
      refusedWith(/left-pad is not on the allowlist/),
    );
  });
});

describe('boundaries and retention', () => {
  it('refuses paths outside the project and NEMO_HOME, including through a symlink', () => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'proj-'));
    const home = nemoHome(mkdtempSync(path.join(os.tmpdir(), 'home-')));
    const roots = { repo: project, home };
    assert.equal(
      assertAllowedPath(roots, path.join(home.root, 'releases', 'v1.0.0'), 'release'),
      path.join(home.root, 'releases', 'v1.0.0'),
    );
    assert.throws(
      () => assertAllowedPath(roots, '/etc/cron.d/x', 'file'),
      /file \/etc\/cron\.d\/x is outside the project/,
    );
    symlinkSync('/etc', path.join(project, 'etc-link'));
    assert.throws(
      () => assertAllowedPath(roots, path.join(project, 'etc-link', 'passwd'), 'file'),
      /is outside the project/,
    );
    assert.throws(() => candidatePaths(home, '../../etc'), /proposal id "\.\.\/\.\.\/etc" may only hold/);
  });

  it('keeps the newest ten releases and any release still running', async () => {
    const home = nemoHome(mkdtempSync(path.join(os.tmpdir(), 'home-')));
    for (let patch = 0; patch < 12; patch++) {
      const version = `1.0.${patch}`;
      const paths = releasePaths(home, version);
      mkdirSync(paths.source, { recursive: true });
      const manifest: Partial<ReleaseManifest> = {
        version,
        buildId: `v${version}-x`,
        createdAt: new Date(Date.UTC(2026, 0, 1 + patch)).toISOString(),
        source: paths.source,
      };
      writeFileSync(paths.manifest, JSON.stringify(manifest));
    }
    mkdirSync(path.join(home.root, 'releases'), { recursive: true });
    writeFileSync(
      path.join(home.root, 'releases', 'deployment.json'),
      JSON.stringify({
        builds: [
          {
            buildId: 'v1.0.0-x',
            version: '1.0.0',
            source: 'release',
            dir: '',
            bundleDir: '',
            run: true,
            health: 'good',
            registeredAt: '',
          },
        ],
      }),
    );
    const pruned = await pruneReleases(home);
    assert.deepEqual(pruned, ['1.0.1']);
    assert.deepEqual(
      listReleases(home).map((r) => r.version),
      ['1.0.0', ...Array.from({ length: 10 }, (_, i) => `1.0.${i + 2}`)],
    );
    assert.equal(existsSync(releasePaths(home, '1.0.1').root), false);
    assert.ok(realpathSync(releasePaths(home, '1.0.0').root));
  });
});
