import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { controlActivities } from '../../activities/control-domain';
import { createKeyActivities } from '../../activities/security/keys';
import { localVaultKeeper } from '../../platform/vault/vault-keeper';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { createKeyFile } from '../../platform/vault/master-key';
import { openVault } from '../../platform/vault/vault';
import { TASK_QUEUES } from '../../policies/domains';
import { createAlertService } from '../../platform/alerts/alert-service';
import { createLogger } from '../../platform/logger';
import type { SecretSource } from '../../platform/secrets';
import { startSmtpFake, type SmtpFake } from '../../simulators/smtp/server';
import { startTwilioFake, type TwilioFake } from '../../simulators/twilio/server';
import { saveHistoryFixture } from '../support/histories';
import { atFileEnd, testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';
import { generateKalshiKey } from '../../simulators/kalshi/auth';

const TWILIO = { accountSid: `AC${'2'.repeat(32)}`, authToken: 'twilio-auth-digest-test', from: '+15550000002' };
const SMTP_ACCOUNT = { user: 'nemo-alerts', pass: 'smtp-pass-digest-test' };

describe('key-age check and alert digest on the control worker (SIMULATED mode: no vault; SMS and email configured)', () => {
  let config: NemoConfig;
  let client: Client;
  let twilio: TwilioFake;
  let smtp: SmtpFake;
  let alertSecrets: SecretSource;
  before(async () => {
    twilio = await startTwilioFake(TWILIO);
    smtp = await startSmtpFake(SMTP_ACCOUNT);
    atFileEnd(() => twilio.close());
    atFileEnd(() => smtp.close());
    config = await testConfig({
      NEMO_OPERATOR_PHONE: '+15559990002',
      NEMO_OPERATOR_EMAIL: 'operator@example.test',
      NEMO_TWILIO_API_URL: twilio.url,
      NEMO_ALERT_REPEAT_LIMIT: '1',
      NEMO_ALERT_REPEAT_WINDOW: '10m',
    });
    client = await testClient(config);
    // The alert channels' credentials are handed to the worker directly, so the vault stays absent for the key-age check.
    const entries: Record<string, string> = {
      twilio: JSON.stringify(TWILIO),
      smtp: JSON.stringify({
        host: smtp.host,
        port: smtp.port,
        secure: false,
        ...SMTP_ACCOUNT,
        from: 'nemo@example.test',
      }),
    };
    alertSecrets = { get: (entry) => entries[entry], names: () => Object.keys(entries) };
    await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities, secrets: alertSecrets }]);
  });

  it('records a check that found no vault, and raises nothing', async () => {
    const workflowId = `key-age-simulated-${Date.now()}`;
    const result = await client.workflow.execute('keyAgeCheck', { taskQueue: TASK_QUEUES.control, workflowId });
    assert.deepEqual(result, { checked: 0, stale: [] });
    const [entry] = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'keys.age-check' });
    assert.equal(entry!.payload.vault, 'absent');
    assert.equal(entry!.payload.maxAgeDays, 90);
    await saveHistoryFixture(client, workflowId, 'control');
  });

  it('runs the alert digest (nothing held: nothing sent)', async () => {
    const workflowId = `alert-digest-${Date.now()}`;
    assert.deepEqual(await client.workflow.execute('alertDigest', { taskQueue: TASK_QUEUES.control, workflowId }), {
      summaries: 0,
    });
    assert.deepEqual(twilio.messages, [], 'no SMS');
    assert.deepEqual(smtp.messages, [], 'no email');
    assert.deepEqual(await readEntries(testAppPool(config.DATABASE_URL), { kind: 'alert.summary' }), []);
    await saveHistoryFixture(client, workflowId, 'control');
  });

  it('runs the alert digest (one alert held: its summary goes out by SMS)', async () => {
    const alerts = createAlertService({
      ledgerPool: testAppPool(config.DATABASE_URL),
      logger: createLogger({
        name: 'digest-test',
        level: 'silent',
        logDir: path.join(config.NEMO_HOME, 'logs'),
        pretty: false,
      }),
      secrets: alertSecrets,
      config,
    });
    const raise = (i: number) =>
      alerts.raise({ severity: 'warning', title: 'Feed stale', body: `stale #${i}`, dedupeKey: 'feed' }, `feed-${i}`);
    assert.equal((await raise(1)).outcome, 'delivered');
    assert.equal((await raise(2)).outcome, 'held', 'the repeat limit is 1');
    const smsBefore = twilio.messages.length;
    const emailsBefore = smtp.messages.length;
    const result = await client.workflow.execute('alertDigest', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `alert-digest-held-${Date.now()}`,
    });
    assert.deepEqual(result, { summaries: 1 });
    assert.equal(twilio.messages.length, smsBefore + 1, 'the summary of a held warning goes by SMS');
    assert.match(twilio.messages.at(-1)!.body, /1 repeated alerts? held back: Feed stale/);
    assert.equal(smtp.messages.length, emailsBefore, 'and not by email while SMS works');
  });
});

describe('incident revocation of venue keys (revokeVenueKeys)', () => {
  it('revokes every live venue key at once, leaves the others, and records each in the ledger', async () => {
    const config = await testConfig();
    const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'incident-'));
    createKeyFile(path.join(home, 'vault', 'master.key'));
    const vault = openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {})!;
    vault.add(
      'coinbase.production',
      JSON.stringify({ keyName: 'organizations/o/apiKeys/k', privateKey: 'planted-coinbase-private' }),
    );
    vault.add('kalshi.readonly', JSON.stringify({ keyId: 'ro', privateKeyPem: generateKalshiKey().privateKeyPem }));
    vault.add('anthropic', 'sk-ant-planted-incident');
    const deleted: string[] = [];
    const keys = createKeyActivities({
      config: { NEMO_KEY_MAX_AGE_DAYS: 90 },
      ledgerPool: testAppPool(config.DATABASE_URL),
      vault: localVaultKeeper(
        { NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined },
        { revokeKalshiKey: async (entry, credential) => void deleted.push(`${entry}:${credential.keyId}`) },
        {},
      ),
    });
    const results = await keys.revokeVenueKeys({ reason: 'incident: suspected breach' });
    assert.deepEqual(results.map((r) => [r.name, r.venue]).sort(), [
      ['coinbase.production', 'not-applicable'],
      ['kalshi.readonly', 'deleted'],
    ]);
    assert.deepEqual(deleted, ['kalshi.readonly:ro']);
    assert.equal(vault.reveal('anthropic'), 'sk-ant-planted-incident', 'not a venue key: untouched');
    assert.equal(vault.reveal('coinbase.production'), undefined);
    const recorded = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'keys.revoked' });
    assert.deepEqual(recorded.map((e) => e.payload.name).sort(), ['coinbase.production', 'kalshi.readonly']);
    assert.deepEqual(await keys.revokeVenueKeys({ reason: 'again' }), [], 'nothing left to revoke');
  });
});
