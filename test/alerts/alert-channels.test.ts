import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { runDoctor } from '../../cli/commands/doctor';
import type { NemoConfig } from '../../platform/config';
import { requireWorkingAlertChannel } from '../../workers/nemo-stack';
import { createKeyFile } from '../../platform/vault/master-key';
import { openVault, type Vault } from '../../platform/vault/vault';
import { startLoopbackAlertChannels, readLoopbackInbox } from '../../simulators/alert-channels';
import { startTwilioFake, type TwilioFake } from '../../simulators/twilio/server';
import { sendSms } from '../../platform/alerts/sms';
import { sendEmail } from '../../platform/alerts/email';
import { NEMO, nemoEnv, ROOT } from '../support/nemo-cli';
import { atFileEnd, testConfig } from '../support/stack';

const TWILIO = { accountSid: `AC${'2'.repeat(32)}`, authToken: 'twilio-auth-planted-1357', from: '+15550000002' };
const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

/** A NEMO_HOME whose vault holds a Kalshi production key: real venues, live trading. */
async function liveHome(extra: Record<string, string> = {}): Promise<{ config: NemoConfig; vault: Vault }> {
  const config = await testConfig(extra);
  createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
  const vault = openVault(config, {})!;
  vault.add('kalshi.production', JSON.stringify({ keyId: 'k-live-1', privateKeyPem: PEM }));
  return { config, vault };
}

describe('live trading needs a working alert channel (fail secure)', () => {
  let twilio: TwilioFake;
  before(async () => {
    twilio = await startTwilioFake(TWILIO);
    atFileEnd(() => twilio.close());
  });

  it('`nemo up` with a live key and no alert channel stops before starting anything, naming the missing settings', async () => {
    const { config } = await liveHome();
    const up = spawnSync(process.execPath, ['--import', 'tsx', NEMO, 'up'], {
      cwd: ROOT,
      env: nemoEnv({ NEMO_HOME: config.NEMO_HOME, DATABASE_URL: config.DATABASE_URL }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(up.status, 1, up.stdout + up.stderr);
    assert.match(
      up.stderr,
      /live trading refused to start: no alert channel works \(sms: missing vault entry twilio and NEMO_OPERATOR_PHONE; email: missing vault entry smtp and NEMO_OPERATOR_EMAIL\)/,
    );
    assert.doesNotMatch(up.stdout, /Temporal:/);
  });

  it("a configured channel that does not answer is no channel: the probe's failure is named", async () => {
    const { config, vault } = await liveHome({ NEMO_OPERATOR_PHONE: '+15559990002', NEMO_TWILIO_API_URL: twilio.url });
    vault.add('twilio', JSON.stringify({ ...TWILIO, authToken: 'a-revoked-auth-token' }));
    await assert.rejects(
      requireWorkingAlertChannel(vault, config),
      /live trading refused to start: no alert channel works \(sms: does not answer: Authenticate; email: missing vault entry smtp and NEMO_OPERATOR_EMAIL\)/,
    );
    const doctor = (
      await runDoctor({
        ...process.env,
        NEMO_HOME: config.NEMO_HOME,
        DATABASE_URL: config.DATABASE_URL,
        NEMO_OPERATOR_PHONE: '+15559990002',
        NEMO_TWILIO_API_URL: twilio.url,
      })
    ).find((c) => c.name === 'alert channels');
    assert.equal(doctor?.verdict, 'fail', 'doctor fails, not warns');
    assert.match(doctor!.detail, /sms: does not answer: Authenticate/);
  });

  it('a channel that answers its probe lets live trading start, and doctor says which', async () => {
    const { config, vault } = await liveHome({ NEMO_OPERATOR_PHONE: '+15559990002', NEMO_TWILIO_API_URL: twilio.url });
    vault.add('twilio', JSON.stringify(TWILIO));
    const probes = await requireWorkingAlertChannel(vault, config);
    assert.deepEqual(
      probes.map((p) => `${p.channel}:${p.status}`),
      ['sms:up', 'email:not-configured'],
    );
    assert.equal(twilio.messages.length, 0, 'a probe sends nothing');
    const doctor = (
      await runDoctor({
        ...process.env,
        NEMO_HOME: config.NEMO_HOME,
        DATABASE_URL: config.DATABASE_URL,
        NEMO_OPERATOR_PHONE: '+15559990002',
        NEMO_TWILIO_API_URL: twilio.url,
      })
    ).find((c) => c.name === 'alert channels');
    assert.equal(doctor?.verdict, 'ok');
    assert.match(doctor!.detail, /sms up: answered in \d+ ms; alerts go to \+15559990002/);
  });
});

describe('the loopback phone and mailbox of SIMULATED mode', () => {
  it('take messages from the real twilio and nodemailer clients only with their credentials, and keep what they received', async () => {
    const config = await testConfig();
    const loopback = await startLoopbackAlertChannels({
      channels: ['sms', 'email'],
      inboxDir: path.join(config.NEMO_HOME, 'inbox'),
    });
    atFileEnd(() => loopback.stop());
    const twilio = JSON.parse(loopback.credentials.twilio!);
    const smtp = JSON.parse(loopback.credentials.smtp!);
    await sendSms(
      twilio,
      loopback.config.NEMO_OPERATOR_PHONE!,
      'loss drill: PAUSED',
      loopback.config.NEMO_TWILIO_API_URL,
    );
    const longSubject =
      '[NEMO critical] Approval #1 needed: incident/financial-loss/loss/live:kalshi after the loss drill';
    await sendEmail(smtp, loopback.config.NEMO_OPERATOR_EMAIL!, longSubject, 'body');
    await assert.rejects(
      sendSms({ ...twilio, authToken: 'wrong-token-0000' }, '+15550100000', 'x', loopback.config.NEMO_TWILIO_API_URL),
      /Authenticate/,
    );
    await assert.rejects(
      sendEmail({ ...smtp, pass: 'wrong-password' }, 'a@b.test', 's', 'b'),
      /Invalid username or password/,
    );
    assert.deepEqual(
      readLoopbackInbox(loopback.inbox.sms!).map((m) => `${m.to} ${m.text}`),
      ['+15550100000 loss drill: PAUSED'],
    );
    assert.deepEqual(
      readLoopbackInbox(loopback.inbox.email!).map((m) => `${m.to} ${m.text}`),
      [`operator@nemo.invalid ${longSubject}`],
      'a folded subject is read whole',
    );
  });
});
