import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Supervisor, type ProcessStatus } from '../../platform/supervisor';
import { until } from '../support/until';

const untilTrue = (check: () => boolean, timeoutMs = 10_000) =>
  until(() => check() || undefined, 'the supervisor to get there', timeoutMs, 20);

const sleeper = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };
const crasher = {
  command: process.execPath,
  args: ['-e', 'console.error("boom: cannot reach venue"); process.exit(3)'],
};

describe('worker supervisor (seed: automatic restart, max 3 attempts)', () => {
  it('restarts a killed process up to 3 times, then gives up and keeps the others running', async () => {
    const supervisor = new Supervisor({ maxRestarts: 3, restartDelayMs: 10, stableAfterMs: 60_000 });
    const restarts: number[] = [];
    supervisor.on('restart', (_s, attempt) => restarts.push(attempt));
    const gaveUp = once(supervisor, 'gave-up') as Promise<[ProcessStatus, string]>;
    supervisor.start({ name: 'live', ...sleeper });
    supervisor.start({ name: 'research', ...sleeper });
    const pidOf = (name: string) => supervisor.statuses().find((s) => s.name === name)!.pid;
    for (let kill = 1; kill <= 4; kill++) {
      await untilTrue(
        () => supervisor.statuses().find((s) => s.name === 'live')!.state === 'running' && pidOf('live') !== undefined,
      );
      const pid = pidOf('live');
      assert.ok(supervisor.kill('live', 'SIGKILL'));
      await untilTrue(() => pidOf('live') !== pid);
    }
    const [status] = await gaveUp;
    assert.deepEqual(restarts, [1, 2, 3]);
    assert.equal(status.state, 'failed');
    assert.equal(status.lastExit?.signal, 'SIGKILL');
    const research = supervisor.statuses().find((s) => s.name === 'research')!;
    assert.equal(research.state, 'running', 'the other process keeps running');
    await supervisor.stopAll();
    assert.deepEqual(
      supervisor
        .statuses()
        .map((s) => s.state)
        .sort(),
      ['failed', 'stopped'],
    );
  });

  it('hands over the failing output so the technical-failure record has its context', async () => {
    const supervisor = new Supervisor({ maxRestarts: 1, restartDelayMs: 10, stableAfterMs: 60_000 });
    const gaveUp = once(supervisor, 'gave-up') as Promise<[ProcessStatus, string]>;
    supervisor.start({ name: 'paper', ...crasher });
    const [status, tail] = await gaveUp;
    assert.equal(status.lastExit?.code, 3);
    assert.match(tail, /boom: cannot reach venue/);
    await supervisor.stopAll();
  });

  it('resets the count after a process stayed up for the stable period', async () => {
    const supervisor = new Supervisor({ maxRestarts: 1, restartDelayMs: 10, stableAfterMs: 300 });
    let gaveUp = false;
    supervisor.on('gave-up', () => (gaveUp = true));
    supervisor.start({ name: 'control', ...sleeper });
    for (let kill = 1; kill <= 3; kill++) {
      await untilTrue(() => supervisor.statuses()[0]!.state === 'running');
      await new Promise((r) => setTimeout(r, 400)); // longer than stableAfterMs
      const pid = supervisor.statuses()[0]!.pid;
      supervisor.kill('control', 'SIGKILL');
      await untilTrue(() => supervisor.statuses()[0]!.pid !== pid);
    }
    assert.equal(gaveUp, false, 'three crashes spread over stable periods are not three in a row');
    await supervisor.stopAll();
  });

  it('stops everything with SIGTERM and reports them stopped, without restarting', async () => {
    const supervisor = new Supervisor({ maxRestarts: 3, restartDelayMs: 10, stableAfterMs: 60_000 });
    let restarted = false;
    supervisor.on('restart', () => (restarted = true));
    supervisor.start({ name: 'upgrade', ...sleeper });
    await untilTrue(() => supervisor.statuses()[0]!.state === 'running');
    await supervisor.stopAll();
    assert.equal(supervisor.statuses()[0]!.state, 'stopped');
    assert.equal(supervisor.statuses()[0]!.lastExit?.signal, 'SIGTERM');
    assert.equal(restarted, false);
  });

  it("restarts on the operator's request: a given-up process starts again with its count reset, a running one is replaced", async () => {
    const supervisor = new Supervisor({ maxRestarts: 1, restartDelayMs: 10, stableAfterMs: 60_000 });
    const restarts: number[] = [];
    supervisor.on('restart', (_s, attempt) => restarts.push(attempt));
    const statusOf = (name: string) => supervisor.statuses().find((s) => s.name === name)!;
    supervisor.start({ name: 'paper', ...sleeper });
    for (let kill = 1; kill <= 2; kill++) {
      await untilTrue(() => statusOf('paper').state === 'running');
      const pid = statusOf('paper').pid;
      supervisor.kill('paper');
      await untilTrue(() => statusOf('paper').pid !== pid);
    }
    await untilTrue(() => statusOf('paper').state === 'failed');
    assert.deepEqual(restarts, [1]);

    assert.ok(supervisor.restart('paper'), 'a given-up worker is started again');
    await untilTrue(() => statusOf('paper').state === 'running');
    assert.equal(statusOf('paper').restarts, 0, 'its restart count starts again');
    const pid = statusOf('paper').pid;
    assert.ok(supervisor.restart('paper'), 'a running worker is replaced');
    await untilTrue(() => statusOf('paper').state === 'running' && statusOf('paper').pid !== pid);
    assert.equal(statusOf('paper').restarts, 0, 'the replacement is not counted as a failure');
    assert.deepEqual(restarts, [1], 'no automatic restart was counted for either');
    assert.equal(supervisor.restart('nonexistent'), false);
    await supervisor.stopAll();
  });
});
