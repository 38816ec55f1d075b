import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEntries } from '../../ledger/ledger-store';
import { freePort } from '../../platform/ports';
import { createKeyFile } from '../../platform/vault/master-key';
import { openVault } from '../../platform/vault/vault';
import type { DrillReport } from '../../cli/drills/drill-kit';
import { freshDatabase, testAppPool, testConfig } from '../support/stack';
import { until } from '../support/until';
import { NEMO, nemoEnv, ROOT, startNemoUp } from '../support/nemo-cli';

function runNemo(args: string[], env: NodeJS.ProcessEnv, timeout = 300_000) {
  return spawnSync(process.execPath, ['--import', 'tsx', NEMO, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout });
}

type DrillOutput = DrillReport & { files: { markdown: string; json: string } };

/** Every drill runs on one `nemo up` (whole stacks are slow on a small machine), one after another. */
describe("nemo drill: the seed's protocols rehearsed on a running SIMULATED stack", () => {
  let up: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;
  let databaseUrl: string;
  const home = mkdtempSync(path.join(os.tmpdir(), 'nemo-drill-'));
  const accounts = () =>
    (JSON.parse(runNemo(['status', '--json'], env).stdout) as { accounts: { account: string; state: string }[] })
      .accounts;

  before(async () => {
    databaseUrl = await freshDatabase('drill');
    env = nemoEnv({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI: process.env.NEMO_TEST_TEMPORAL_CLI!,
      NEMO_SIM_KALSHI_MARKETS: '50',
      NEMO_MARK_EVERY: '5s',
      NEMO_INCIDENT_RETRY_DELAY: '2s',
      NEMO_OPERATOR: 'drill-operator',
    });
    up = await startNemoUp(env, (text) => (output += text));
    // A drill starts from a calm stack. On a loaded 2-core machine a start-up health probe can time out and open a
    // technical-failure incident; the operator resolves it, as the drill's refusal asks.
    await until(
      () => {
        const open = JSON.parse(runNemo(['incident', 'list', '--open', '--json'], env).stdout) as {
          incidentId: string;
        }[];
        for (const { incidentId } of open)
          runNemo(['incident', 'resolve', incidentId, '--reason', 'start-up probe timed out under load'], env);
        return open.length === 0 ? true : undefined;
      },
      'no open incident',
      120_000,
    );
  });

  after(async () => {
    if (up.exitCode !== null) return;
    up.kill('SIGINT');
    await new Promise((resolve) => up.once('exit', resolve));
  });

  it("loss: a fall past 5% pauses the account, alerts the operator's (loopback) phone, opens an incident; all put back", () => {
    const drill = runNemo(['drill', 'loss', '--json'], env);
    assert.equal(drill.status, 0, drill.stdout + drill.stderr);
    const report = JSON.parse(drill.stdout) as DrillOutput;
    assert.equal(report.passed, true);
    assert.deepEqual(
      report.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      [
        'PASS live:kalshi PAUSED',
        'PASS alert: live:kalshi PAUSED',
        'PASS alert received by the loopback phone',
        'PASS alert received by the loopback mailbox',
        'PASS financial-loss incident opened',
        'PASS alert: the incident',
        'PASS alert received by the loopback phone',
        'PASS alert received by the loopback mailbox',
      ],
    );
    assert.match(report.checks[0]!.detail, /day -\$6\d\.\d\d/, 'the day fell just past 5% of $1,000');
    assert.deepEqual(
      report.restored.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      [
        'PASS SIMULATED cash put back',
        'PASS incident incident/financial-loss/loss/live:kalshi resolved',
        'PASS every account as before the drill',
      ],
    );
    assert.ok(existsSync(report.files.markdown));
    assert.match(readFileSync(report.files.markdown, 'utf8'), /# Drill loss on live:kalshi: PASSED/);
    assert.ok(
      accounts().every((a) => a.state === 'ACTIVE'),
      'every account trades again',
    );
  });

  it('total-loss: a fall past 65% shuts the account down, resume is refused, a reset with the cash back lifts it', () => {
    const drill = runNemo(['drill', 'total-loss', '--json'], env);
    assert.equal(drill.status, 0, drill.stdout + drill.stderr);
    const report = JSON.parse(drill.stdout) as DrillOutput;
    assert.deepEqual(
      report.checks
        .filter((c) => !/received by the loopback/.test(c.name))
        .map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      [
        'PASS live:kalshi SHUTDOWN',
        'PASS resume refused while SHUTDOWN',
        'PASS alert: live:kalshi SHUTDOWN',
        'PASS financial-loss incident opened',
        'PASS alert: the incident',
      ],
    );
    assert.match(report.checks[0]!.detail, /total -\$66\d\.\d\d/);
    assert.deepEqual(
      report.restored.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      [
        'PASS SIMULATED cash put back',
        'PASS SHUTDOWN reset by the operator',
        'PASS incident incident/financial-loss/loss/live:kalshi resolved',
        'PASS every account as before the drill',
      ],
    );
  });

  it('restore: the newest backup is restored into a scratch database and verified, and the scratch database dropped', () => {
    const drill = runNemo(['drill', 'restore', '--json'], env);
    assert.equal(drill.status, 0, drill.stdout + drill.stderr);
    const report = JSON.parse(drill.stdout) as DrillOutput;
    assert.equal(report.account, null);
    const restoredCheck = report.checks.find((c) => c.name === 'newest backup restored and its hash chain verified');
    assert.equal(restoredCheck?.pass, true);
    assert.match(restoredCheck!.detail, /ledger-.*: \d+ entries verified, recovery time \d+ ms/);
    assert.deepEqual(
      report.restored.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      ['PASS scratch database dropped'],
    );
  });

  it('injection: a prompt injection planted in a market title is quarantined, opens a security breach that halts trading; all put back', () => {
    const drill = runNemo(['drill', 'injection', '--json', '--wait', '120s'], env);
    assert.equal(drill.status, 0, drill.stdout + drill.stderr);
    const report = JSON.parse(drill.stdout) as DrillOutput;
    assert.deepEqual(
      report.checks
        .filter((c) => !/received by the loopback/.test(c.name))
        .map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name.replace(/ in \S+ /, ' in MARKET ')}`),
      [
        'PASS injection in MARKET quarantined',
        'PASS security-breach incident opened',
        'PASS alert: security breach',
        'PASS all trading halted',
      ],
    );
    assert.match(report.checks[0]!.detail, /^verdict injection/);
    assert.deepEqual(
      report.restored.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name.replace(/^\S+'s/, "MARKET's")}`),
      [
        "PASS MARKET's title restored",
        'PASS incident incident/security-breach/injection-detected resolved',
        'PASS every account as before the drill',
      ],
    );
  });

  it('outage: the venue answering 503 opens a technical-failure incident, alerts, enters safe mode; the venue back, all resumes', () => {
    const drill = runNemo(['drill', 'outage', '--json', '--wait', '150s'], env);
    const report = JSON.parse(drill.stdout) as DrillOutput;
    assert.deepEqual(
      report.checks
        .filter((c) => !/received by the loopback/.test(c.name))
        .map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      ['PASS technical-failure incident opened', 'PASS alert: restarts failed', 'PASS safe mode, all trading halted'],
    );
    assert.deepEqual(
      report.restored.slice(0, 3).map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      [
        'PASS SIMULATED kalshi venue back',
        'PASS incident incident/technical-failure/health/kalshi resolved',
        'PASS safe mode cleared',
      ],
    );
    // Every account back by NEMO's own resume: a guardian halted while its venue was down records the halt late, and
    // the incident's resume waits for that record (it used to keep such an account HALTED).
    assert.deepEqual(
      report.restored.slice(3).map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      ['PASS every account as before the drill'],
    );
    assert.equal(drill.status, 0, drill.stdout + drill.stderr);
    assert.ok(
      accounts().every((a) => a.state === 'ACTIVE'),
      'every account trades again',
    );
  });

  it('crash: the paper worker SIGKILLed after the venue accepted the order and before it answered; one order, not two', () => {
    const drill = runNemo(['drill', 'crash', '--json', '--wait', '150s'], env);
    const report = JSON.parse(drill.stdout) as DrillOutput;
    assert.equal(report.account, 'paper:kalshi');
    assert.deepEqual(
      report.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`),
      [
        'PASS paper worker killed mid-order',
        'PASS paper worker restarted by the supervisor',
        'PASS one order at the venue, not two',
        'PASS the trade recorded once in the ledger',
      ],
      drill.stdout + drill.stderr,
    );
    assert.match(
      report.checks[2]!.detail,
      /^1 accepted for nemo-paper-open-[0-9a-f]{16} \(\d+ placements? sent under that id\)$/,
    );
    assert.match(report.checks[3]!.detail, /^1 post-trade report \(order filled, 1(\.0+)? filled\), 1 fill entry$/);
    // A heartbeat may have seen the worker down while it restarted: its incident, resolved by the drill, is the one
    // line that may come in between.
    const restored = report.restored.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`);
    const workerIncident = /^PASS incident incident\/technical-failure\/[\w/:-]+ resolved$/;
    assert.deepEqual(
      restored.filter((line) => !workerIncident.test(line)),
      [
        'PASS SIMULATED kalshi demo venue answers at once again',
        'PASS paper worker up',
        "PASS the drill's contract sold back",
        'PASS every account as before the drill',
      ],
      drill.stdout + drill.stderr,
    );
    assert.equal(drill.status, 0, drill.stdout + drill.stderr);
  });

  it('records every drill in the ledger with who ran it and whether it passed', async () => {
    const finished = await readEntries(testAppPool(databaseUrl), { kind: 'drill.finished' });
    assert.deepEqual(
      finished.map((e) => [e.payload.drill, e.payload.passed, e.payload.by]),
      [
        ['loss', true, 'drill-operator'],
        ['total-loss', true, 'drill-operator'],
        ['restore', true, 'drill-operator'],
        ['injection', true, 'drill-operator'],
        ['outage', true, 'drill-operator'],
        ['crash', true, 'drill-operator'],
      ],
    );
  });

  it('refuses an unknown drill and a bad account, naming what is wrong', () => {
    const unknown = runNemo(['drill', 'flood'], env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /give one drill: loss, total-loss, outage, crash, restore, injection/);
    const account = runNemo(['drill', 'loss', '--account', 'live:nyse'], env);
    assert.equal(account.status, 2);
    assert.match(account.stderr, /--account must be live:kalshi/);
    const live = runNemo(['drill', 'crash', '--account', 'live:kalshi'], env);
    assert.equal(live.status, 1);
    assert.match(live.stderr, /drill crash refused: the crash drill trades paper:kalshi only .*, not live:kalshi/);
  });
});

describe('nemo drill off the SIMULATED venues', () => {
  it('is refused when the vault holds real venue keys, before anything is touched', async () => {
    const config = await testConfig();
    createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    openVault(config, {})!.add('kalshi.production', JSON.stringify({ keyId: 'k-real-1', privateKeyPem: pem }));
    const drill = runNemo(
      ['drill', 'loss'],
      nemoEnv({ NEMO_HOME: config.NEMO_HOME, DATABASE_URL: config.DATABASE_URL }),
      60_000,
    );
    assert.equal(drill.status, 1);
    assert.match(
      drill.stderr,
      /drill loss refused: drills run against the SIMULATED venues only, and this NEMO_HOME's vault holds real venue keys/,
    );
  });

  it('is refused when NEMO is not running', async () => {
    const config = await testConfig();
    const drill = runNemo(
      ['drill', 'loss'],
      nemoEnv({ NEMO_HOME: config.NEMO_HOME, DATABASE_URL: config.DATABASE_URL }),
      60_000,
    );
    assert.equal(drill.status, 1);
    assert.match(drill.stderr, /drill loss refused: NEMO is not running in .*: start it with `nemo up`/);
  });
});
