import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../platform/config';
import { DEFAULT_LIMITS, tightenedLimits } from '../../policies/limits';

const home = () => mkdtempSync(path.join(os.tmpdir(), 'cfg-'));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ NEMO_HOME: home(), ...env });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it("defaults to the seed's values", () => {
    const config = loadConfig({ NEMO_HOME: home() });
    assert.equal(config.NEMO_HEARTBEAT_EVERY, '5m');
    assert.equal(config.NEMO_HEALTH_CHECK_EVERY, '15m');
    assert.equal(config.NEMO_MAX_RESTARTS, 3);
    assert.equal(config.NEMO_MAX_POSITION_USD, 50);
    assert.equal(config.NEMO_MAX_EXPOSURE_FRACTION, 0.1);
    assert.equal(config.DATABASE_URL, 'postgres://127.0.0.1:5432/nemo');
  });

  it('names the variable, the bad value and the expected form', () => {
    const [problem] = problemsOf({ TEMPORAL_PORT: 'seventy' });
    assert.match(problem!, /^TEMPORAL_PORT="seventy": /);
    const [url] = problemsOf({ DATABASE_URL: 'mysql://x/y' });
    assert.match(url!, /DATABASE_URL="mysql:\/\/x\/y": must be a postgres:\/\/ URL/);
    const [address] = problemsOf({ TEMPORAL_ADDRESS: 'localhost' });
    assert.match(address!, /TEMPORAL_ADDRESS="localhost": must be host:port/);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ TEMPORAL_PORT: '0', NEMO_LOG_LEVEL: 'loud', NEMO_MAX_RESTARTS: '9' });
    assert.deepEqual(problems.map((p) => p.split('=')[0]).sort(), [
      'NEMO_LOG_LEVEL',
      'NEMO_MAX_RESTARTS',
      'TEMPORAL_PORT',
    ]);
  });

  it('lets the schedule be more frequent than the seed but never less', () => {
    assert.equal(loadConfig({ NEMO_HOME: home(), NEMO_HEARTBEAT_EVERY: '30s' }).NEMO_HEARTBEAT_EVERY, '30s');
    assert.match(problemsOf({ NEMO_HEARTBEAT_EVERY: '10m' })[0]!, /at most 5m \(seed\)/);
    assert.match(problemsOf({ NEMO_HEALTH_CHECK_EVERY: '1h' })[0]!, /at most 15m \(seed\)/);
    assert.match(problemsOf({ NEMO_HEARTBEAT_EVERY: 'often' })[0]!, /duration like 30s/);
  });

  it('lets limits be tightened and refuses loosening them', () => {
    const config = loadConfig({ NEMO_HOME: home(), NEMO_MAX_POSITION_USD: '25', NEMO_MIN_PROBABILITY: '0.9' });
    assert.equal(config.NEMO_MAX_POSITION_USD, 25);
    assert.equal(config.NEMO_MIN_PROBABILITY, 0.9);
    assert.match(problemsOf({ NEMO_MAX_POSITION_USD: '51' })[0]!, /may only tighten the seed's 50/);
    assert.match(problemsOf({ NEMO_MIN_PROBABILITY: '0.7' })[0]!, /may only tighten the seed's 0.8/);
    assert.match(problemsOf({ NEMO_MAX_TOTAL_LOSS_FRACTION: '0.9' })[0]!, /0.65/);
    assert.throws(() => tightenedLimits({ maxExposureFraction: 0.2 }), /would loosen the seed's 0.1/);
    assert.equal(tightenedLimits({ maxExposureFraction: 0.05 }).maxExposureFraction, 0.05);
    assert.equal(tightenedLimits({}).maxDailyLossFraction, DEFAULT_LIMITS.maxDailyLossFraction);
  });

  it('reads NEMO_HOME/config.json, and the environment overrides it', () => {
    const dir = home();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ TEMPORAL_PORT: 7999, NEMO_LOG_LEVEL: 'debug' }));
    const config = loadConfig({ NEMO_HOME: dir, NEMO_LOG_LEVEL: 'warn' });
    assert.equal(config.TEMPORAL_PORT, 7999);
    assert.equal(config.NEMO_LOG_LEVEL, 'warn');
  });

  it('names a config file that is not a JSON object, or that was named and is missing', () => {
    const dir = home();
    writeFileSync(path.join(dir, 'config.json'), '[1,2]');
    assert.throws(() => loadConfig({ NEMO_HOME: dir }), /config\.json: expected a JSON object/);
    assert.throws(
      () => loadConfig({ NEMO_HOME: dir, NEMO_CONFIG_FILE: '/nope.json' }),
      /NEMO_CONFIG_FILE: \/nope\.json does not exist/,
    );
  });
});
