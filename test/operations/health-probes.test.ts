import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { venuePortsFor } from '../../activities/venues/credentials';
import { createHealthActivities, serviceHealthProbes } from '../../activities/operations/health';
import type { SecretSource } from '../../platform/secrets';
import { startSmtpFake } from '../../simulators/smtp/server';
import { startTwilioFake } from '../../simulators/twilio/server';
import { startTestVenues } from '../support/loopback-venues';
import { atFileEnd } from '../support/stack';

const TWILIO = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: 'health-probe-token-1' };
const SMTP = { user: 'nemo', pass: 'health-probe-pass-1' };

function secretsOf(entries: Record<string, string>): SecretSource {
  return { get: (name) => entries[name], names: () => Object.keys(entries) };
}

describe('API health probes: the venues and the alert channels the control domain holds', () => {
  it('reports each venue, Twilio and SMTP up, then names what is down and why', async () => {
    const venues = await startTestVenues({ kalshiMarkets: 20 });
    const twilio = await startTwilioFake(TWILIO);
    const smtp = await startSmtpFake(SMTP);
    atFileEnd(() => smtp.close());
    const entries: Record<string, string> = {
      ...Object.fromEntries(
        venues
          .secretsFor('control')
          .names()
          .map((n) => [n, venues.secretsFor('control').get(n)!]),
      ),
      twilio: JSON.stringify({ ...TWILIO, from: '+15550009999' }),
      smtp: JSON.stringify({ host: smtp.host, port: smtp.port, secure: false, ...SMTP, from: 'nemo@example.com' }),
    };
    const secrets = secretsOf(entries);
    const config = { ...venues.venueConfig, NEMO_TWILIO_API_URL: twilio.url };
    const health = (ports = venuePortsFor('control', secrets, config, { timeoutMs: 2_000 })) =>
      createHealthActivities(() => serviceHealthProbes({ ports, secrets, config })).probeHealth();

    const up = await health();
    assert.deepEqual(up.checks.map((c) => `${c.name}:${c.status}`).sort(), [
      'coinbase:up',
      'kalshi:up',
      'smtp:up',
      'twilio:up',
    ]);
    assert.ok(up.allUp && up.checks.every((c) => c.latencyMs >= 0));
    assert.equal(twilio.messages.length + smtp.messages.length, 0, 'probing sends nothing');

    // A wrong SMTP password, a Twilio that no longer answers, and a Kalshi key the venue does not know.
    entries.smtp = JSON.stringify({ ...JSON.parse(entries.smtp!), pass: 'not-the-password' });
    await twilio.close();
    const strangerKey = venuePortsFor(
      'control',
      secretsOf({
        ...entries,
        'kalshi.readonly': JSON.stringify({ ...JSON.parse(entries['kalshi.readonly']!), keyId: 'unknown-key-id' }),
      }),
      config,
      { timeoutMs: 2_000 },
    );
    const down = await health(strangerKey);
    const byName = Object.fromEntries(down.checks.map((c) => [c.name, c]));
    assert.equal(down.allUp, false);
    assert.equal(byName.coinbase!.status, 'up');
    assert.equal(byName.kalshi!.status, 'down');
    assert.match(byName.kalshi!.detail!, /401|auth/i);
    assert.equal(byName.twilio!.status, 'down');
    assert.equal(byName.smtp!.status, 'down');
    assert.match(byName.smtp!.detail!, /auth|535|Invalid login/i);
    assert.ok(
      down.checks.every((c) => !c.detail?.includes('not-the-password')),
      'a failure never quotes the secret',
    );
  });
});
