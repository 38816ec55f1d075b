import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepareCandidate } from '../../activities/upgrade/candidate';
import { runChecks, type ChecksReport } from '../../activities/upgrade/candidate-checks';
import { CANDIDATE_MAX_PROCESSES, candidateEnv, candidateSandbox } from '../../activities/upgrade/candidate-env';
import { candidatePaths, type UpgradeRoots } from '../../activities/upgrade/paths';
import { nemoHome } from '../../platform/nemo-home';
import { createKeyFile, keyFileOf } from '../../platform/vault/master-key';
import { openVault, vaultFileOf } from '../../platform/vault/vault';
import { testClient, testConfig } from '../support/stack';
import { createNemoFixture, git, makePatch } from '../support/fixture-project';
import { ATTEMPT_LINE, hostileTestSource, OWN_SUITE_LINE, type HostileTargets } from './fixtures/hostile-candidate';

// issue 18 C: a candidate whose test tries, one by one, what unapproved code must never do. Inside the sandbox every
// attempt fails and its own suite (private PostgreSQL and Temporal dev server) still runs; the same candidate run
// without the sandbox (here only) shows each attempt would have succeeded, so this test can fail.

/** The ledger's URL as an attacker would complete it: this machine's user when it names none. */
function withUser(url: string): string {
  const u = new URL(url);
  if (!u.username) u.username = os.userInfo().username;
  return u.toString();
}

type Attempt = { attempt: string; succeeded: boolean; detail: string };
const TEST_COMMAND = 'npm test -- test/hostile';

function linesOf(report: ChecksReport, marker: string): unknown {
  const line = report.suites[0]!.outputTail.split('\n').find((l) => l.includes(`${marker} `));
  assert.ok(line, `the candidate printed ${marker}: ${report.suites[0]!.outputTail.slice(-3000)}`);
  return JSON.parse(line.slice(line.indexOf(`${marker} `) + marker.length + 1));
}

describe('a hostile candidate in the sandbox (issue 18 C)', () => {
  let roots: UpgradeRoots;
  let targets: HostileTargets;
  let worktree: string;
  let outside: net.Server;
  let inside: ChecksReport;
  const table: string[] = [];
  after(() => {
    outside?.close();
    for (const file of targets?.outsideFiles ?? []) rmSync(file, { force: true });
  });

  before(async () => {
    const config = await testConfig();
    const client = await testClient(config);
    // A request waiting for the operator on the running Temporal server: the candidate tries to approve it.
    const workflowId = `hostile-target-${process.pid}`;
    await client.workflow.start('approvalRequest', { taskQueue: 'hostile-target', workflowId, args: [] });
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)!.address;
    outside = net.createServer((s) => s.end()).listen(0, address);
    await new Promise((r) => outside.once('listening', r));

    const repo = createNemoFixture();
    roots = { repo, home: nemoHome(mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'home-'))) };
    const homeConfig = { NEMO_HOME: roots.home.root, NEMO_VAULT_KEY_FILE: undefined };
    createKeyFile(keyFileOf(homeConfig));
    openVault(homeConfig, {})!.add('anthropic', 'sk-ant-planted-hostile');
    const packages = realpathSync(path.join(repo, 'node_modules'));
    targets = {
      keyFile: keyFileOf(homeConfig),
      vaultFile: vaultFileOf(homeConfig),
      ledgerUrl: withUser(config.DATABASE_URL),
      temporal: { address: config.TEMPORAL_ADDRESS!, namespace: config.TEMPORAL_NAMESPACE, workflowId },
      outsideFiles: [
        path.join(repo, 'HOSTILE'),
        path.join(roots.home.root, 'HOSTILE'),
        path.join(packages, `.hostile-${process.pid}`),
      ],
      outside: { host: address, port: (outside.address() as net.AddressInfo).port },
      forks: CANDIDATE_MAX_PROCESSES + 64,
    };
    const patch = makePatch(repo, 'HEAD', { 'test/hostile.test.ts': () => hostileTestSource(targets) });
    const base = { version: '0.1.0', commit: git(repo, 'rev-parse', 'HEAD').trim(), dir: repo };
    const change = await prepareCandidate(
      roots,
      'hostile',
      { kind: 'code-change', summary: 'a hostile candidate', patch },
      base,
    );
    worktree = candidatePaths(roots.home, change.proposalId).worktree;
  });

  it('inside the sandbox: every attempt fails, its own suite runs, and the report lists the attempts', async () => {
    const paths = candidatePaths(roots.home, 'hostile');
    inside = await runChecks([{ name: 'tests', command: TEST_COMMAND }], {
      cwd: worktree,
      env: candidateEnv(paths, { sandboxed: true }),
      sandbox: candidateSandbox(paths, roots.home, [], 'candidate-hostile-test'),
      timeoutMs: 15 * 60_000,
      progress: () => undefined,
    });
    assert.equal(inside.sandboxed, true);
    assert.ok(
      inside.ok,
      `the candidate's suite passed in the sandbox: ${inside.failure ?? ''}\n${inside.suites[0]?.outputTail.slice(-3000)}`,
    );
    const own = linesOf(inside, OWN_SUITE_LINE) as { database: string; temporal: string; workflow: string };
    assert.equal(own.workflow, 'RUNNING', 'its private Temporal dev server runs its workflow');
    assert.notEqual(own.temporal, targets.temporal.address, 'not the running server');
    const attempts = linesOf(inside, ATTEMPT_LINE) as Attempt[];
    assert.equal(attempts.length, 9, 'every attempt is listed');
    for (const a of attempts) {
      assert.equal(a.succeeded, false, `${a.attempt} must fail inside the sandbox: ${a.detail}`);
      table.push(`${a.attempt.padEnd(70)} inside: blocked (${a.detail})`);
    }
    for (const file of targets.outsideFiles) assert.equal(existsSync(file), false, `${file} was not written`);
  });

  it('the same candidate without the sandbox: each attempt would have succeeded', async () => {
    const paths = candidatePaths(roots.home, 'hostile');
    const outsideRun = await runChecks([{ name: 'tests', command: TEST_COMMAND }], {
      cwd: worktree,
      env: candidateEnv(paths),
      timeoutMs: 15 * 60_000,
      progress: () => undefined,
    });
    assert.equal(outsideRun.sandboxed, false);
    const attempts = linesOf(outsideRun, ATTEMPT_LINE) as Attempt[];
    for (const a of attempts) assert.equal(a.succeeded, true, `${a.attempt} succeeds outside the sandbox: ${a.detail}`);
    for (const file of targets.outsideFiles)
      assert.equal(existsSync(file), true, `${file} was written outside the sandbox`);
    const inside = table.splice(0);
    attempts.forEach((a, i) => table.push(`${inside[i]}\n${''.padEnd(70)} outside: SUCCEEDED (${a.detail})`));
    console.log(`hostile candidate, inside vs outside the sandbox:\n${table.join('\n')}`);
    console.log(
      `check time: inside ${(inside_ms() / 1000).toFixed(1)} s, outside ${(outsideRun.suites[0]!.durationMs / 1000).toFixed(1)} s`,
    );
  });

  const inside_ms = () => inside.suites[0]!.durationMs;
});
