import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEntries } from '../../ledger/ledger-store';
import { loadConfig } from '../../platform/config';
import { freePort } from '../../platform/ports';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { confidentModel } from '../../simulators/anthropic/confident';
import { startAnthropicFake, type AnthropicFake } from '../../simulators/anthropic/server';
import { startSmtpFake, type SmtpFake } from '../../simulators/smtp/server';
import { startTwilioFake, type TwilioFake } from '../../simulators/twilio/server';
import { VenueControlClient } from '../../simulators/venue-kit/control-client';
import {
  findSecrets,
  scanForSecrets,
  type CanaryHit,
  type PlantedSecret,
  type TemporalTarget,
} from '../support/canary';
import { freshDatabase, testAppPool } from '../support/stack';
import { until } from '../support/until';
import { NEMO, nemoEnv, ROOT, startNemoUp } from '../support/nemo-cli';

/**
 * The canary (issue 5): known secret values are planted in the vault of a whole NEMO (`nemo up`, SIMULATED venues,
 * the five domain workers, schedules), which then goes through a trading day: a research scan that asks the (fake)
 * LLM, paper trades, a backup, a reconciliation, an account snapshot, the key-age check, a daily audit report, an
 * operator halt and resume that alert the operator by SMS and email. Afterwards every log file, report and backup,
 * every Temporal history (`temporal workflow show`, decoded through NEMO's codec endpoint), every ledger entry (what backups hold), every
 * request the fake LLM received and every SMS and email sent are searched for the planted values: zero hits.
 */

const tag = randomBytes(6).toString('hex');
const ANTHROPIC_KEY = `sk-ant-canary-${tag}-llm`;
const TWILIO = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: `canary-twilio-${tag}-token` };
const SMTP = { user: 'nemo-alerts', pass: `canary-smtp-${tag}-pass` };
const OPERATOR_PHONE = '+15550001111';

describe('canary: secrets planted in a whole NEMO stay out of logs, histories, the ledger and LLM prompts', () => {
  let up: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;
  let home: string;
  let databaseUrl: string;
  let llm: AnthropicFake;
  let sms: TwilioFake;
  let mail: SmtpFake;
  const planted: PlantedSecret[] = [
    { label: 'anthropic api key', value: ANTHROPIC_KEY },
    { label: 'twilio auth token', value: TWILIO.authToken },
    { label: 'smtp password', value: SMTP.pass },
  ];

  const nemo = (args: string[], input?: string) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', NEMO, ...args], {
      cwd: ROOT,
      env,
      input,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `nemo ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    return run.stdout;
  };
  const ledger = (kind: string) => readEntries(testAppPool(databaseUrl), { kind });
  const firstEntry = (kind: string, what: string, timeoutMs = 120_000) =>
    until(async () => (await ledger(kind))[0], what, timeoutMs, 500);

  before(async () => {
    llm = await startAnthropicFake({ apiKey: ANTHROPIC_KEY });
    // The analyst gives every market 0.9, so the research scan finds candidates the paper desk can trade.
    llm.fallback = confidentModel('canary');
    sms = await startTwilioFake(TWILIO);
    mail = await startSmtpFake(SMTP);

    home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'canary-day-'));
    databaseUrl = await freshDatabase('canary');
    const webhookPort = await freePort();
    env = nemoEnv({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI: process.env.NEMO_TEST_TEMPORAL_CLI!,
      // Debug logs: the more the stack says, the more a leak would show.
      NEMO_LOG_LEVEL: 'debug',
      NEMO_SIM_KALSHI_MARKETS: '300',
      NEMO_SCAN_READS_PER_SECOND: '400',
      NEMO_LLM_MODEL_ESTIMATE_CHEAP: 'anthropic:claude-haiku-4-5',
      NEMO_OPERATOR_PHONE: OPERATOR_PHONE,
      NEMO_OPERATOR_EMAIL: 'operator@example.com',
      NEMO_TWILIO_API_URL: sms.url,
      NEMO_APPROVAL_WEBHOOK_PORT: String(webhookPort),
      NEMO_APPROVAL_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/twilio/sms`,
      NEMO_OPERATOR: 'canary-operator',
    });
    nemo(['keys', 'init']);
    nemo(['keys', 'add', 'anthropic'], `${JSON.stringify({ apiKey: ANTHROPIC_KEY, baseURL: llm.url })}\n`);
    nemo(['keys', 'add', 'twilio'], `${JSON.stringify({ ...TWILIO, from: '+15550009999' })}\n`);
    nemo(
      ['keys', 'add', 'smtp'],
      `${JSON.stringify({ host: mail.host, port: mail.port, secure: false, ...SMTP, from: 'nemo@example.com' })}\n`,
    );
    planted.push({
      label: 'vault master key',
      value: readFileSync(path.join(home, 'vault', 'master.key'), 'utf8').trim(),
    });

    up = await startNemoUp(env, (text) => (output += text));

    // The SIMULATED venues' generated keys are secrets of this run too.
    const { credentials, controlToken } = JSON.parse(
      readFileSync(path.join(home, 'run', 'simulated-venues.credentials.json'), 'utf8'),
    ) as {
      credentials: Record<string, string>;
      controlToken: string;
    };
    planted.push({ label: 'venue control token', value: controlToken });
    for (const [entry, json] of Object.entries(credentials)) {
      const { privateKeyPem, privateKey } = JSON.parse(json) as { privateKeyPem?: string; privateKey?: string };
      planted.push({ label: `${entry} private key`, value: (privateKeyPem ?? privateKey)! });
    }
  });

  after(async () => {
    if (up && up.exitCode === null) up.kill('SIGKILL');
    await Promise.all([llm?.close(), sms?.close(), mail?.close()]);
  });

  it('runs a trading day that uses every planted secret', async () => {
    await firstEntry('research.scan', 'the research scan', 300_000);
    assert.ok(llm.requests.length > 0, 'the analyst asked the LLM (with the planted key: the fake refuses any other)');
    await until(
      async () => (await ledger('trade.fill')).find((e) => e.domain === 'paper'),
      'a paper fill',
      300_000,
      500,
    );

    for (const schedule of [
      'nemo-ledger-backup',
      'nemo-reconciliation',
      'nemo-account-snapshot',
      'nemo-key-age-check',
    ]) {
      nemo(['temporal', 'schedule', 'trigger', '--schedule-id', schedule]);
    }
    await firstEntry('backup.verified', 'a verified backup');
    await firstEntry('reconciliation.completed', 'a reconciliation');
    await firstEntry('account.snapshot', 'an account snapshot');
    await firstEntry('keys.age-check', 'the key-age check');
    assert.match(nemo(['report', 'daily']), /report/i);

    const sentBefore = sms.messages.length;
    nemo(['halt', '--reason', 'canary drill', '--account', 'paper:kalshi']);
    nemo(['resume', '--reason', 'canary drill reviewed', '--account', 'paper:kalshi']);
    await until(() => (sms.messages.length > sentBefore ? true : undefined), 'an SMS alert about the halt', 60_000);
    assert.ok(sms.messages.every((m) => m.to === OPERATOR_PHONE));
    await until(() => (mail.messages.length > 0 ? true : undefined), 'an email (alert or report)', 60_000);
  });

  it('called no fund-moving venue endpoint all day (the loopback venues refuse and count them by pattern)', async () => {
    const { control } = JSON.parse(readFileSync(path.join(home, 'run', 'simulated-venues.json'), 'utf8')) as {
      control: Record<string, string>;
    };
    const { controlToken } = JSON.parse(
      readFileSync(path.join(home, 'run', 'simulated-venues.credentials.json'), 'utf8'),
    ) as { controlToken: string };
    assert.deepEqual(Object.keys(control).sort(), [
      'coinbaseDemo',
      'coinbaseProduction',
      'kalshiDemo',
      'kalshiProduction',
    ]);
    for (const [venue, url] of Object.entries(control)) {
      const venueClient = new VenueControlClient(url, controlToken);
      // Research reads Kalshi production and paper trades Kalshi demo: both were surely called today.
      if (venue.startsWith('kalshi')) assert.ok((await venueClient.requests()).length > 0, `${venue} was used today`);
      assert.deepEqual((await venueClient.violations()).requests, [], `fund-moving calls to ${venue}`);
    }
  });

  let temporal: TemporalTarget;
  let workflowIds: string[];

  it('leaves no planted secret in any Temporal history, decoded through the codec endpoint', async (t) => {
    const stack = JSON.parse(readFileSync(path.join(home, 'run', 'stack.json'), 'utf8')) as { codecEndpoint?: string };
    assert.ok(stack.codecEndpoint, 'with a vault, payloads are encrypted and a codec endpoint is served');
    temporal = {
      cli: process.env.NEMO_TEST_TEMPORAL_CLI!,
      address: `127.0.0.1:${env.TEMPORAL_PORT}`,
      namespace: 'default',
      codecEndpoint: stack.codecEndpoint,
    };
    const listed = nemo(['temporal', 'workflow', 'list', '--output', 'json', '--limit', '2000']);
    workflowIds = [
      ...new Set((JSON.parse(listed) as { execution: { workflowId: string } }[]).map((w) => w.execution.workflowId)),
    ];
    for (const expected of ['research-scan', 'desk/paper', 'ledger-backup', 'reconciliation', 'report/daily']) {
      assert.ok(
        workflowIds.some((id) => id.startsWith(expected)),
        `the day ran ${expected}: ${workflowIds.join(', ')}`,
      );
    }
    const report = await scanForSecrets({ secrets: planted, workflowIds, temporal });
    assert.deepEqual(report.hits, []);
    assert.equal(report.scanned.workflows, workflowIds.length);
    t.diagnostic(`${planted.length} planted secrets; ${workflowIds.length} workflow histories searched`);
  });

  it('would find a secret a workflow carried: the codec path decodes what the server only stores encrypted', async () => {
    const leak: PlantedSecret = { label: 'leaked on purpose', value: `canary-leak-${tag}-on-purpose` };
    const client = await connectClient(nemoTemporalTarget(loadConfig(env), env));
    const id = `canary-leak-${tag}`;
    await client.workflow.start('canaryProbe', {
      taskQueue: 'canary-nobody',
      workflowId: id,
      args: [{ apiKey: leak.value }],
    });
    try {
      const decoded = await scanForSecrets({ secrets: [leak], workflowIds: [id], temporal });
      assert.ok(
        decoded.hits.some((h: CanaryHit) => h.where === `workflow ${id} (json)`),
        JSON.stringify(decoded.hits),
      );
      const stored = await scanForSecrets({
        secrets: [leak],
        workflowIds: [id],
        temporal: { ...temporal, codecEndpoint: undefined },
      });
      assert.deepEqual(stored.hits, [], 'without the codec the history holds only ciphertext');
    } finally {
      await client.workflow.getHandle(id).terminate('canary leak check done');
      await client.connection.close();
    }
  });

  it('leaves no planted secret in the ledger, the LLM requests, the SMS and emails sent', async (t) => {
    const entries = await readEntries(testAppPool(databaseUrl), {});
    const sources: [string, string][] = [
      ['ledger', JSON.stringify(entries)],
      ...llm.requests.map((r, i): [string, string] => [`llm request ${i + 1}`, JSON.stringify(r.body)]),
      ...sms.messages.map((m, i): [string, string] => [`sms ${i + 1}`, m.body]),
      ...mail.messages.map((m, i): [string, string] => [`email ${i + 1}`, m.raw]),
    ];
    assert.ok(entries.length > 50 && llm.requests.length > 0 && sms.messages.length > 0 && mail.messages.length > 0);
    assert.deepEqual(
      sources.flatMap(([where, text]) => findSecrets(text, planted, where)),
      [],
    );
    t.diagnostic(
      `${entries.length} ledger entries, ${llm.requests.length} LLM requests, ${sms.messages.length} SMS, ${mail.messages.length} emails searched`,
    );
  });

  it('stops, and leaves no planted secret in any log and report under NEMO_HOME', async (t) => {
    up.kill('SIGINT');
    assert.equal(await new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code))), 0);
    assert.deepEqual(findSecrets(output, planted, 'nemo up output'), []);
    // Backups are compressed pg_dump files of the ledger, searched above entry by entry.
    let files = 0;
    for (const dir of ['logs', 'reports']) {
      assert.ok(existsSync(path.join(home, dir)), `${dir} exists`);
      const report = await scanForSecrets({ secrets: planted, logDir: path.join(home, dir) });
      assert.deepEqual(report.hits, []);
      files += report.scanned.files;
    }
    t.diagnostic(`${files} log and report files searched`);
    assert.ok(files >= 8, `the logs of every process and the report's files were searched (${files} files)`);
  });
});
