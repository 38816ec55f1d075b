import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { createAlertService, AlertInputError, type AlertService } from '../../platform/alerts/alert-service';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { NO_SECRETS } from '../../platform/secrets';
import { createKeyFile } from '../../platform/vault/master-key';
import { loadDomainSecrets } from '../../platform/vault/secret-source';
import { openVault } from '../../platform/vault/vault';
import { startSmtpFake, type SmtpFake } from '../../simulators/smtp/server';
import { startTwilioFake, type TwilioFake } from '../../simulators/twilio/server';
import { atFileEnd, testAppPool, testConfig } from '../support/stack';

const TWILIO = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'twilio-auth-planted-9876', from: '+15550000001' };
const SMTP_ACCOUNT = { user: 'nemo-alerts', pass: 'smtp-pass-planted-5432' };
const OPERATOR_PHONE = '+15559990000';
const OPERATOR_EMAIL = 'operator@example.test';

describe('operator alerts over loopback SMS and email', () => {
  let twilio: TwilioFake;
  let smtp: SmtpFake;
  let config: NemoConfig;
  let clock: Date | undefined;

  /** An alert service like the control worker's: its credentials come from a real vault in this test's NEMO_HOME. */
  function service(options: { configured?: boolean } = {}): AlertService {
    return createAlertService({
      ledgerPool: testAppPool(config.DATABASE_URL),
      logger: createLogger({
        name: 'alerts-test',
        level: 'silent',
        logDir: path.join(config.NEMO_HOME, 'logs'),
        pretty: false,
      }),
      secrets: options.configured === false ? NO_SECRETS : loadDomainSecrets(config, 'control'),
      config,
      now: () => clock ?? new Date(),
    });
  }

  before(async () => {
    twilio = await startTwilioFake(TWILIO);
    smtp = await startSmtpFake(SMTP_ACCOUNT);
    atFileEnd(() => twilio.close());
    atFileEnd(() => smtp.close());
    config = await testConfig({
      NEMO_OPERATOR_PHONE: OPERATOR_PHONE,
      NEMO_OPERATOR_EMAIL: OPERATOR_EMAIL,
      NEMO_TWILIO_API_URL: twilio.url,
      NEMO_ALERT_REPEAT_LIMIT: '2',
      NEMO_ALERT_REPEAT_WINDOW: '10m',
    });
    createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
    const vault = openVault(config, {})!;
    vault.add('twilio', JSON.stringify(TWILIO));
    vault.add(
      'smtp',
      JSON.stringify({ host: smtp.host, port: smtp.port, secure: false, ...SMTP_ACCOUNT, from: 'nemo@example.test' }),
    );
  });

  const ledger = async (kind = 'alert') => readEntries(testAppPool(config.DATABASE_URL), { kind });

  it('sends a critical alert by SMS and by email, and records both deliveries', async () => {
    const receipt = await service().raise(
      { severity: 'critical', title: 'Daily loss limit reached', body: 'Trading paused at -5.1%' },
      'crit-1',
    );
    assert.equal(receipt.outcome, 'delivered');
    const sms = twilio.messages.at(-1)!;
    assert.equal(sms.to, OPERATOR_PHONE);
    assert.equal(sms.from, TWILIO.from);
    assert.match(sms.body, /^\[NEMO CRITICAL\] Daily loss limit reached\nTrading paused at -5.1%/);
    const email = smtp.messages.at(-1)!;
    assert.deepEqual(email.to, [OPERATOR_EMAIL]);
    assert.equal(email.subject, '[NEMO critical] Daily loss limit reached');
    const entry = (await ledger()).find((e) => e.seq === receipt.seq)!;
    assert.deepEqual(
      (entry.payload.attempts as { channel: string; status: string; id: string }[]).map((a) => [
        a.channel,
        a.status,
        a.id,
      ]),
      [
        ['sms', 'sent', sms.sid],
        ['email', 'sent', receipt.attempts[1]!.id],
      ],
    );
  });

  it('falls back to email when the SMS fails, and says so in the ledger', async () => {
    const emailsBefore = smtp.messages.length;
    const smsBefore = twilio.messages.length;
    twilio.failNext(1);
    const receipt = await service().raise(
      { severity: 'warning', title: 'Venue slow', body: 'Kalshi p99 4 s' },
      'warn-fallback',
    );
    assert.equal(receipt.outcome, 'delivered');
    assert.equal(twilio.messages.length, smsBefore, 'no SMS went out');
    assert.equal(smtp.messages.length, emailsBefore + 1);
    assert.equal(smtp.messages.at(-1)!.subject, '[NEMO warning] Venue slow');
    const [sms, email] = receipt.attempts;
    assert.equal(sms!.status, 'failed');
    assert.match(sms!.error!, /Internal Server Error/);
    assert.equal(email!.status, 'sent');
    const entry = (await ledger()).find((e) => e.seq === receipt.seq)!;
    assert.equal((entry.payload.attempts as unknown[]).length, 2);
  });

  it('sends a warning by SMS only when SMS works, and information by email only', async () => {
    const [sms0, mail0] = [twilio.messages.length, smtp.messages.length];
    await service().raise({ severity: 'warning', title: 'Hot wallet above $1,500', body: '$1,612' }, 'warn-sms');
    assert.deepEqual([twilio.messages.length - sms0, smtp.messages.length - mail0], [1, 0]);
    await service().raise({ severity: 'info', title: 'Daily report ready', body: 'see reports/' }, 'info-email');
    assert.deepEqual([twilio.messages.length - sms0, smtp.messages.length - mail0], [1, 1]);
  });

  it('records an undelivered alert when every channel fails, naming each failure', async () => {
    twilio.failNext(1);
    smtp.failNext(1);
    const receipt = await service().raise({ severity: 'warning', title: 'Both down', body: 'x' }, 'warn-undelivered');
    assert.equal(receipt.outcome, 'undelivered');
    assert.deepEqual(
      receipt.attempts.map((a) => a.status),
      ['failed', 'failed'],
    );
    assert.match(receipt.attempts[1]!.error!, /451/);
  });

  it('rate-limits repeats of one alert, holds the rest in the ledger and summarises them', async () => {
    const alerts = service();
    const smsBefore = twilio.messages.length;
    const repeat = (i: number) =>
      alerts.raise(
        { severity: 'warning', title: 'Reconciliation mismatch', body: `diff #${i}`, dedupeKey: 'recon' },
        `recon-${i}`,
      );
    const outcomes = [];
    for (let i = 1; i <= 5; i += 1) outcomes.push((await repeat(i)).outcome);
    assert.deepEqual(outcomes, ['delivered', 'delivered', 'held', 'held', 'held']);
    assert.equal(twilio.messages.length - smsBefore, 2);
    const held = (await ledger()).filter((e) => e.payload.dedupeKey === 'recon' && e.payload.outcome === 'held');
    assert.equal(held.length, 3, 'every held alert is a ledger entry');
    assert.match(String(held[0]!.payload.note), /held by the rate limit \(2 per 10m/);

    assert.equal(await alerts.flushHeld(), 1, 'one summary for the key');
    const summary = twilio.messages.at(-1)!;
    assert.match(summary.body, /3 repeated alerts held back: Reconciliation mismatch/);
    assert.match(summary.body, /The latest said:\ndiff #5/);
    const [recorded] = await ledger('alert.summary');
    assert.equal(recorded!.payload.heldCount, 3);
    assert.equal(await alerts.flushHeld(), 0, 'nothing is summarised twice');

    // Still inside the window: held again. After the window, the next one goes out and carries the count.
    assert.equal((await repeat(6)).outcome, 'held');
    clock = new Date(Date.now() + 11 * 60_000);
    try {
      const next = await repeat(7);
      assert.equal(next.outcome, 'delivered');
      assert.equal(next.summarisedHeld, 1);
      assert.match(
        twilio.messages.at(-1)!.body,
        /diff #7\n\n\(1 more like this were held back by the rate limit since /,
      );
      assert.equal(await alerts.flushHeld(), 0);
    } finally {
      clock = undefined;
    }
  });

  it('sends nothing twice for one idempotency key (an activity retry)', async () => {
    const alerts = service();
    const before = twilio.messages.length;
    const first = await alerts.raise({ severity: 'warning', title: 'Retry me', body: 'once' }, 'retry-key');
    const second = await alerts.raise({ severity: 'warning', title: 'Retry me', body: 'once' }, 'retry-key');
    assert.deepEqual(second, first);
    assert.equal(twilio.messages.length, before + 1);
  });

  it('records and logs an alert when no channel is configured, saying so', async () => {
    const receipt = await service({ configured: false }).raise(
      { severity: 'critical', title: 'Nobody to tell', body: 'simulated' },
      'no-channel',
    );
    assert.equal(receipt.outcome, 'recorded-only');
    assert.deepEqual(
      receipt.attempts.map((a) => [a.channel, a.status]),
      [
        ['sms', 'not-configured'],
        ['email', 'not-configured'],
      ],
    );
    const entry = (await ledger()).find((e) => e.seq === receipt.seq)!;
    assert.match(
      String(entry.payload.note),
      /no alert channel is configured .* recorded in the ledger and logged only/,
    );
  });

  it('never sends a loaded secret to the operator, and refuses malformed alerts', async () => {
    await service().raise(
      { severity: 'warning', title: 'Leak test', body: `password=${SMTP_ACCOUNT.pass} token=${TWILIO.authToken}` },
      'leak',
    );
    assert.equal(twilio.messages.at(-1)!.body, '[NEMO WARNING] Leak test\npassword=[SECRET] token=[SECRET]');
    await assert.rejects(
      service().raise({ severity: 'urgent' as 'critical', title: '', body: 'x' }, 'bad'),
      (err: Error) => err instanceof AlertInputError && /severity: /.test(err.message) && /title: /.test(err.message),
    );
  });
});
