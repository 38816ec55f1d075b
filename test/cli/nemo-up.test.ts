import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEntries } from '../../ledger/ledger-store';
import { freePort } from '../../platform/ports';
import { freshDatabase, testAppPool } from '../support/stack';
import { until } from '../support/until';
import { NEMO, nemoEnv, ROOT, startNemoUp } from '../support/nemo-cli';

function runNemo(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['--import', 'tsx', NEMO, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('nemo up: the main job on a real Temporal dev server and PostgreSQL', () => {
  let up: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;
  let uiPort: number;
  let databaseUrl: string;
  const home = mkdtempSync(path.join(os.tmpdir(), 'nemo-up-'));

  before(async () => {
    databaseUrl = await freshDatabase('up');
    uiPort = await freePort();
    env = nemoEnv({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_CLI: process.env.NEMO_TEST_TEMPORAL_CLI!,
      NEMO_WORKER_RESTART_DELAY: '100ms',
      NEMO_LOG_LEVEL: 'info',
    });
    up = await startNemoUp(env, (text) => (output += text));
  });

  after(() => {
    if (up.exitCode === null) up.kill('SIGKILL');
  });

  it('runs heartbeat and health-check workflows that the bootstrapped temporal CLI lists', async () => {
    const listing = await until(() => {
      const list = runNemo(['temporal', 'workflow', 'list'], env);
      return /heartbeat\s/.test(list.stdout) &&
        /healthCheck/.test(list.stdout) &&
        /Completed\s+health-check/.test(list.stdout)
        ? list.stdout
        : undefined;
    }, 'heartbeat and health check runs');
    assert.match(listing, /Completed\s+heartbeat-/);
  });

  it('serves the Temporal Web UI', async () => {
    const response = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(response.status, 200);
  });

  it('reports every domain worker polling in `nemo status --json`', () => {
    const status = JSON.parse(runNemo(['status', '--json'], env).stdout);
    assert.equal(status.running.pid, up.pid);
    assert.deepEqual(
      status.workers.map((w: { domain: string; polling: boolean }) => `${w.domain}:${w.polling}`),
      ['research:true', 'paper:true', 'live:true', 'upgrade:true', 'control:true'],
    );
  });

  it("is found by a second terminal without its environment; doctor does not warn about NEMO's own ports", () => {
    const bare = nemoEnv({});
    for (const name of ['NEMO_HOME', 'DATABASE_URL', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT']) delete bare[name];
    const started = Date.now();
    const status = runNemo(['status', '--json'], bare);
    console.log(
      `nemo status from a bare terminal answered in ${Date.now() - started} ms (including node + tsx start-up)`,
    );
    assert.equal(status.status, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).running.pid, up.pid, 'the running stack is found through the default home');
    const doctor = runNemo(['doctor'], bare);
    assert.doesNotMatch(doctor.stdout, /port .*in use/i, doctor.stdout);
    assert.match(doctor.stdout, /Temporal server\s.*answers/);
  });

  it('restarts a SIGKILLed worker 3 times, then records a technical failure and keeps the rest running', async () => {
    const livePid = () =>
      spawnSync('pgrep', ['-P', String(up.pid), '-f', 'workers/live.ts'], { encoding: 'utf8' }).stdout.trim();
    for (let kill = 1; kill <= 4; kill++) {
      const pid = await until(() => livePid() || undefined, `live worker (kill ${kill})`);
      process.kill(Number(pid), 'SIGKILL');
      await until(() => (livePid() !== pid ? true : undefined), `live worker ${pid} to go`);
    }
    const pool = testAppPool(databaseUrl);
    const failure = await until(
      async () => (await readEntries(pool, { kind: 'incident.technical-failure' }))[0],
      'technical-failure entry',
    );
    assert.equal(failure.payload.worker, 'live');
    assert.equal(failure.payload.safeMode, true);
    assert.equal((await readEntries(pool, { kind: 'worker.restarted' })).length, 3);
    assert.match(output, /worker live failed 4 times in a row/);
    const status = JSON.parse(runNemo(['status', '--json'], env).stdout);
    assert.equal(status.workers.find((w: { domain: string }) => w.domain === 'research').polling, true);
    assert.ok(status.safeMode, 'safe mode is shown');
  });

  it("sends the technical failure's alert through the real clients to the loopback phone and mailbox, which `nemo alerts` shows", async () => {
    type Listing = {
      alerts: { severity: string; title: string; outcome: string; attempts: { channel: string; status: string }[] }[];
      loopback: { channel: string; address: string; latest: { text: string }[] }[];
    };
    const listing = await until(
      () => {
        const answer = JSON.parse(runNemo(['alerts', '--json'], env).stdout) as Listing;
        return answer.alerts.some((a) => a.severity === 'critical' && /TECHNICAL FAILURE/i.test(a.title))
          ? answer
          : undefined;
      },
      'the technical failure alert',
      120_000,
    );
    const alert = listing.alerts.find((a) => /TECHNICAL FAILURE/i.test(a.title))!;
    assert.equal(alert.outcome, 'delivered');
    assert.deepEqual(
      alert.attempts.map((a) => `${a.channel}:${a.status}`),
      ['sms:sent', 'email:sent'],
    );
    const phone = listing.loopback.find((l) => l.channel === 'sms')!;
    const mailbox = listing.loopback.find((l) => l.channel === 'email')!;
    assert.equal(phone.address, '+15550100000');
    assert.ok(
      phone.latest.some((m) => m.text.includes(alert.title)),
      'the loopback phone received the SMS',
    );
    assert.ok(
      mailbox.latest.some((m) => m.text.includes(alert.title)),
      'the loopback mailbox received the email',
    );
    const text = runNemo(['alerts'], env).stdout;
    assert.match(text, /critical\s+delivered\s+.*\n\s+sms sent, email sent/);
    assert.match(text, /SIMULATED loopback phone \+15550100000: \d+ received/);
  });

  it('`nemo doctor` finds the loopback alert channels answering', () => {
    const doctor = JSON.parse(runNemo(['doctor', '--json'], env).stdout) as {
      name: string;
      verdict: string;
      detail: string;
    }[];
    const alerts = doctor.find((c) => c.name === 'alert channels')!;
    assert.equal(alerts.verdict, 'ok', alerts.detail);
    assert.match(alerts.detail, /SIMULATED loopback; sms up: .*; email up: /);
  });

  it("restarts the given-up worker on the operator's `nemo worker restart`, with the reason in the ledger", async () => {
    const restart = runNemo(['worker', 'restart', 'live', '--reason', 'found the cause: test kills'], env);
    assert.equal(restart.status, 0, restart.stdout + restart.stderr);
    assert.match(restart.stdout, /live worker restarted \(pid \d+\) and polling/);
    const [request] = await readEntries(testAppPool(databaseUrl), { kind: 'worker.restart-requested' });
    assert.deepEqual([request?.payload.worker, request?.payload.reason], ['live', 'found the cause: test kills']);
    const status = JSON.parse(runNemo(['status', '--json'], env).stdout);
    assert.equal(status.workers.find((w: { domain: string }) => w.domain === 'live').polling, true);
    assert.match(output, /worker restart by .*\(found the cause: test kills\): live/);
  });

  it('verifies the ledger it wrote', () => {
    const verify = runNemo(['ledger', 'verify'], env);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /ledger OK/);
  });

  it('stops everything cleanly on Ctrl-C (SIGINT)', async () => {
    up.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => up.once('exit', (exitCode) => resolve(exitCode)));
    assert.equal(code, 0);
    assert.match(output, /stopped/);
    assert.equal(existsSync(path.join(home, 'run', 'stack.json')), false);
  });
});

describe('nemo up with a bad configuration value', () => {
  it('stops before starting anything, naming the variable', () => {
    const result = runNemo(
      ['up'],
      nemoEnv({ NEMO_HOME: mkdtempSync(path.join(os.tmpdir(), 'nemo-bad-')), NEMO_MAX_EXPOSURE_FRACTION: '0.5' }),
    );
    assert.equal(result.status, 2);
    assert.match(result.stderr, /NEMO_MAX_EXPOSURE_FRACTION="0.5": may only tighten the seed's 0.1/);
    assert.doesNotMatch(result.stdout, /Temporal:/);
  });
});
