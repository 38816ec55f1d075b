import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TestOutputReader } from '../../activities/upgrade/test-output';
import { changelogEntry, prependChangelog } from '../../activities/upgrade/release-version';
import { allowlistVerdict, PACKAGE_ALLOWLIST } from '../../policies/package-allowlist';
import { LIMIT_BOUNDS } from '../../policies/limits';
import {
  bumpLevelFor,
  codeChangeRefusal,
  compareVersions,
  nextVersion,
  parameterChangeRefusal,
  pathRefusal,
  policyFilesIn,
  releasesToPrune,
  loosenedSeedValues,
  systemCommandRefusal,
  RELEASES_KEPT,
} from '../../policies/upgrade-rules';
import { parseProposal, ProposalError } from '../../policies/upgrade-proposal';

const PATCH = 'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n';

describe('upgrade proposals are checked field by field', () => {
  it('accepts each kind', () => {
    assert.equal(parseProposal({ kind: 'code-change', summary: 'fix', patch: PATCH }).kind, 'code-change');
    assert.deepEqual(
      parseProposal({
        kind: 'strategy-parameters',
        strategy: 'kalshi-mispricing',
        parameters: { minEdge: 0.03 },
        rationale: 'paper record',
      }),
      {
        kind: 'strategy-parameters',
        strategy: 'kalshi-mispricing',
        parameters: { minEdge: 0.03 },
        rationale: 'paper record',
      },
    );
    assert.equal(
      parseProposal({ kind: 'package-addition', name: '@scope/x-y', version: '1.2.3', reason: 'r' }).kind,
      'package-addition',
    );
    assert.equal(
      parseProposal({ kind: 'api-credit-purchase', provider: 'anthropic', amountUsd: 25.5, reason: 'budget' }).kind,
      'api-credit-purchase',
    );
  });

  const refusals: [unknown, RegExp][] = [
    [null, /^proposal: expected an object/],
    [
      { kind: 'deploy-anything' },
      /^kind: must be one of strategy-parameters, code-change, package-addition, api-credit-purchase/,
    ],
    [{ kind: 'code-change', summary: 'x', patch: 'rm -rf /' }, /^patch: required, a unified diff/],
    [{ kind: 'code-change', patch: PATCH }, /^summary: required/],
    [{ kind: 'code-change', summary: 'x', patch: PATCH, sneaky: 1 }, /^sneaky: not a field of a code-change proposal/],
    [
      { kind: 'package-addition', name: 'left-pad', version: '^1.3.0', reason: 'r' },
      /^version: "\^1\.3\.0" is not an exact version/,
    ],
    [
      { kind: 'package-addition', name: 'Bad Name', version: '1.0.0', reason: 'r' },
      /^name: "Bad Name" is not an npm package name/,
    ],
    [
      { kind: 'strategy-parameters', strategy: '../etc', parameters: { a: 1 }, rationale: 'r' },
      /^strategy: "\.\.\/etc" is not a strategy name/,
    ],
    [{ kind: 'strategy-parameters', strategy: 's', parameters: {}, rationale: 'r' }, /^parameters: name at least one/],
    [
      { kind: 'strategy-parameters', strategy: 's', parameters: { x: [1] }, rationale: 'r' },
      /^parameters\.x: must be a finite number/,
    ],
    [
      {
        kind: 'strategy-parameters',
        strategy: 'kalshi-mispricing',
        parameters: { minProbability: 0.7 },
        rationale: 'r',
      },
      /^parameters\.minProbability: 0\.7 is below the seed's minimum probability 0\.8; no parameter file may lower it$/,
    ],
    [
      { kind: 'api-credit-purchase', provider: 'anthropic', amountUsd: -5, reason: 'r' },
      /^amountUsd: a positive amount/,
    ],
    [
      { kind: 'api-credit-purchase', provider: 'anthropic', amountUsd: 1.234, reason: 'r' },
      /^amountUsd: a positive amount in dollars with at most two decimals/,
    ],
  ];
  for (const [input, message] of refusals) {
    it(`refuses ${JSON.stringify(input).slice(0, 70)} naming the field`, () => {
      assert.throws(
        () => parseProposal(input),
        (err: unknown) => err instanceof ProposalError && message.test(err.message),
      );
    });
  }
});

describe('the package allowlist', () => {
  it('refuses a package that is not on it, naming what is approved', () => {
    const verdict = allowlistVerdict('left-pad', '1.3.0');
    assert.equal(verdict.allowed, false);
    assert.match((verdict as { reason: string }).reason, /left-pad is not on the allowlist .*ms@2\.1\.3/);
  });

  it('refuses another version of an allowlisted package', () => {
    assert.match(
      (allowlistVerdict('ms', '2.1.2') as { reason: string }).reason,
      /ms@2\.1\.2 is not the approved version; the allowlist approves ms@2\.1\.3 only/,
    );
  });

  it('holds exact versions and sha512 integrity hashes only', () => {
    for (const p of PACKAGE_ALLOWLIST) {
      assert.match(p.version, /^\d+\.\d+\.\d+$/, p.name);
      assert.match(p.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/, p.name);
      assert.equal(allowlistVerdict(p.name, p.version).allowed, true);
    }
  });
});

describe('what a change may touch', () => {
  it('refuses paths that leave the project, git metadata, installed packages and environment files', () => {
    assert.match(pathRefusal('../outside.txt')!, /leaves the project/);
    assert.match(pathRefusal('/etc/passwd')!, /absolute/);
    assert.match(pathRefusal('src/../../x')!, /leaves the project/);
    assert.match(pathRefusal('.git/hooks/pre-commit')!, /git metadata/);
    assert.match(pathRefusal('node_modules/ms/index.js')!, /package-addition/);
    assert.match(pathRefusal('.env')!, /secrets/);
    assert.equal(pathRefusal('.env.example'), undefined);
    assert.equal(pathRefusal('workflows/upgrade/self-upgrade.ts'), undefined);
  });

  it('sends dependency changes through a package-addition proposal', () => {
    assert.match(
      codeChangeRefusal(['src/a.ts', 'package-lock.json'])!,
      /package-lock\.json: dependencies change only through a package-addition/,
    );
    assert.equal(codeChangeRefusal(['src/a.ts', 'docs/x.md']), undefined);
  });

  it('names each seed value a change to policies/limits.ts loosens, old -> new, with its seed rule', () => {
    const base = readFileSync(path.resolve(__dirname, '..', '..', 'policies', 'limits.ts'), 'utf8');
    const diff = [
      '--- a/policies/limits.ts',
      '+++ b/policies/limits.ts',
      '@@ -30,7 +30,7 @@',
      '-  hotWalletMaxUsd: 1500,',
      '+  hotWalletMaxUsd: 2500,',
      '-  minProbability: 0.8,',
      '+  minProbability: 0.75,',
      '-  maxPositionUsd: 50,',
      '+  maxPositionUsd: 40,',
    ].join('\n');
    assert.deepEqual(
      loosenedSeedValues(diff, base, LIMIT_BOUNDS),
      [
        {
          name: 'hotWalletMaxUsd',
          from: 1500,
          to: 2500,
          rule: 'seed: hot wallet maximum balance $1,500 (1.5x portfolio)',
        },
        { name: 'minProbability', from: 0.8, to: 0.75, rule: 'seed: trade.probability >= 0.80' },
      ],
      'maxPositionUsd 50 -> 40 tightens: not listed',
    );
  });

  it('names every policies/ file a change touches (each needs its own approval)', () => {
    assert.deepEqual(
      policyFilesIn(['workflows/a.ts', 'policies/limits.ts', 'policies/limits.ts', 'policies/domains.ts']),
      ['policies/domains.ts', 'policies/limits.ts'],
    );
    assert.deepEqual(policyFilesIn(['docs/policies/x.md']), []);
  });

  it('refuses system package managers and privilege changes anywhere in a command', () => {
    for (const command of [
      'sudo make install',
      'apt-get install -y curl',
      'npm test && apt install x',
      '/usr/bin/pip3 install requests',
      'FOO=1 brew install x',
      'env dnf update',
      'true; yum -y update',
    ]) {
      assert.match(systemCommandRefusal(command) ?? '', /never runs it/, command);
    }
    for (const command of [
      'npm test',
      'node --import tsx --test upgrade-suite/a.test.mjs',
      'echo apt-get',
      'npm run nemo -- backtest kalshi-mispricing',
    ]) {
      assert.equal(systemCommandRefusal(command), undefined, command);
    }
  });

  it('changes only parameters a strategy has, keeping their types', () => {
    const current = { minEdge: 0.02, minProbability: 0.85, useFees: true };
    assert.equal(parameterChangeRefusal(current, { minEdge: 0.03 }), undefined);
    assert.match(
      parameterChangeRefusal(current, { maxLeverage: 3 })!,
      /maxLeverage: the strategy has no such parameter \(it has minEdge, minProbability, useFees\)/,
    );
    assert.match(
      parameterChangeRefusal(current, { useFees: 'no' })!,
      /useFees: was a boolean, the proposal gives a string/,
    );
  });
});

describe('semantic versions (seed: v1.0.0 -> v1.0.1)', () => {
  it('bumps by level', () => {
    assert.equal(nextVersion('1.0.0', 'patch'), '1.0.1');
    assert.equal(nextVersion('1.4.9', 'minor'), '1.5.0');
    assert.equal(nextVersion('1.4.9', 'major'), '2.0.0');
    assert.throws(() => nextVersion('1.0', 'patch'), /not a release version/);
  });

  it('always moves forward, and only the bumped part and the parts below it change', () => {
    fc.assert(
      fc.property(
        fc.nat(999),
        fc.nat(999),
        fc.nat(999),
        fc.constantFrom('patch', 'minor', 'major' as const),
        (major, minor, patch, level) => {
          const current = `${major}.${minor}.${patch}`;
          const next = nextVersion(current, level);
          assert.ok(compareVersions(next, current) > 0);
          const [M, m, p] = next.split('.').map(Number);
          if (level === 'patch') assert.deepEqual([M, m, p], [major, minor, patch + 1]);
          if (level === 'minor') assert.deepEqual([M, m, p], [major, minor + 1, 0]);
          if (level === 'major') assert.deepEqual([M, m, p], [major + 1, 0, 0]);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('picks the level from what the proposal does', () => {
    const code = { kind: 'code-change', summary: 's', patch: PATCH } as const;
    assert.equal(bumpLevelFor(code, { added: [] }), 'patch');
    assert.equal(bumpLevelFor(code, { added: ['strategies/new.ts'] }), 'minor');
    assert.equal(bumpLevelFor({ ...code, breaking: true }, { added: [] }), 'major');
    assert.equal(
      bumpLevelFor({ kind: 'package-addition', name: 'ms', version: '2.1.3', reason: 'r' }, { added: [] }),
      'minor',
    );
    assert.equal(
      bumpLevelFor({ kind: 'strategy-parameters', strategy: 's', parameters: { a: 1 }, rationale: 'r' }, { added: [] }),
      'patch',
    );
  });
});

describe('releases kept (seed: rollback for the last 10 versions)', () => {
  it('prunes beyond the newest ten, never a release that still runs', () => {
    const releases = Array.from({ length: 13 }, (_, i) => ({ version: `1.0.${i}` }));
    assert.deepEqual(
      releasesToPrune(releases, new Set())
        .map((r) => r.version)
        .sort(),
      ['1.0.0', '1.0.1', '1.0.2'],
    );
    assert.deepEqual(
      releasesToPrune(releases, new Set(['1.0.1']))
        .map((r) => r.version)
        .sort(),
      ['1.0.0', '1.0.2'],
    );
  });

  it('keeps the newest ten whatever the order and the running set', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(500), { maxLength: 40 }), fc.array(fc.nat(500)), (patches, running) => {
        const releases = patches.map((p) => ({ version: `0.1.${p}` }));
        const runningSet = new Set(running.map((p) => `0.1.${p}`));
        const pruned = releasesToPrune(releases, runningSet);
        const newest = [...patches]
          .sort((a, b) => b - a)
          .slice(0, RELEASES_KEPT)
          .map((p) => `0.1.${p}`);
        for (const r of pruned) {
          assert.ok(!newest.includes(r.version));
          assert.ok(!runningSet.has(r.version));
        }
        assert.equal(
          pruned.length,
          Math.max(0, patches.length - RELEASES_KEPT) -
            [...runningSet].filter((v) => releases.some((r) => r.version === v) && !newest.includes(v)).length,
        );
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('reading a test run for its failures', () => {
  // Real output of node's spec reporter for one failing test in a suite and one at the top level.
  const SPEC = [
    '▶ canonical json',
    '  ✖ sorts keys (46.2ms)',
    '    AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    '  ✔ keeps arrays (0.1ms)',
    '✖ canonical json (47.5ms)',
    '✖ top level fails (0.15ms)',
    '  Error: boom',
    'ℹ tests 3',
    'ℹ pass 1',
    'ℹ fail 2',
    '',
    '✖ failing tests:',
    '',
    'test at a.test.mjs:4:3',
    '✖ sorts keys (46.2ms)',
    '  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    '',
    'test at a.test.mjs:7:1',
    '✖ top level fails (0.15ms)',
    '  Error: boom',
  ];

  it('names each failing test with its file and line from the spec reporter', () => {
    const reader = new TestOutputReader();
    for (const line of SPEC) reader.read(line);
    assert.deepEqual(reader.failingTests(), ['sorts keys (a.test.mjs:4)', 'top level fails (a.test.mjs:7)']);
    assert.deepEqual(reader.counts(), { passed: 1, failed: 2 }, "the reporter's own totals");
    assert.equal(reader.failed, 3, 'live marks count the failed suite too');
  });

  it('finds a TypeScript test by its name in its source (node reports tsx output lines, all at :2)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'test-output-'));
    mkdirSync(path.join(dir, 'test'));
    writeFileSync(
      path.join(dir, 'test', 'b.test.ts'),
      "import { it } from 'node:test';\n\nit('adds', () => {});\n\nit(\"rounds down\", () => {\n  throw new Error('x');\n});\n",
    );
    const reader = new TestOutputReader(dir);
    for (const line of [
      '✖ failing tests:',
      '',
      'test at test/b.test.ts:2:381',
      '✖ rounds down (1.2ms)',
      'test at test/c.test.ts:2:12',
      '✖ gone (1ms)',
    ])
      reader.read(line);
    assert.deepEqual(reader.failingTests(), ['rounds down (test/b.test.ts:5)', 'gone (test/c.test.ts)']);
  });

  it('reads TAP and the NEMO runner summary too', () => {
    const tap = new TestOutputReader();
    for (const line of ['ok 1 - adds', 'not ok 2 - subtracts # TODO later', 'not ok 3 - divides']) tap.read(line);
    assert.deepEqual(tap.failingTests(), ['subtracts', 'divides']);
    const summary = new TestOutputReader();
    for (const line of [
      'ok   test/a.test.ts   3 passed',
      'FAIL test/b.test.ts    1 passed   1 failed',
      'files 2 | tests 5 | pass 4 | fail 1 | skipped 0 | 9s | FAILED: test/b.test.ts',
    ])
      summary.read(line);
    assert.deepEqual(summary.failingTests(), ['test/b.test.ts']);
    assert.deepEqual(summary.counts(), { passed: 4, failed: 1 });
  });
});

describe('the changelog', () => {
  const entry = changelogEntry({
    version: '0.1.1',
    date: '2026-11-24',
    kind: 'code-change',
    summary: 'faster scans',
    proposalId: 'upgrade-1',
    baseVersion: '0.1.0',
    baseCommit: 'abcdef0123456789',
    files: [{ path: 'workflows/a.ts', status: 'modified' }],
    checks: 'tests passed (12)',
  });

  it('starts a new file with its header and puts the newest entry first', () => {
    const first = prependChangelog(undefined, entry);
    assert.match(
      first,
      /^# Changelog\n[\s\S]*\n## v0\.1\.1 \(2026-11-24\)\n\n- code-change: faster scans\n  - proposal upgrade-1, applied to v0\.1\.0 \(abcdef012345\)/,
    );
    const second = prependChangelog(first, entry.replace(/0\.1\.1/g, '0.1.2'));
    assert.ok(second.indexOf('## v0.1.2') < second.indexOf('## v0.1.1'));
    assert.equal(second.match(/^# Changelog/gm)!.length, 1);
  });
});
