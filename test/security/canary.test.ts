import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../platform/logger';
import { registerSecret } from '../../platform/secret-scrubber';
import { scanForSecrets, type PlantedSecret } from '../support/canary';
import { testClient, testConfig } from '../support/stack';
import { generateKalshiKey } from '../../simulators/kalshi/auth';

const LEAKED: PlantedSecret = { label: 'leaked kalshi key', value: 'canary-kalshi-secret-7f3a9c' };
const GUARDED: PlantedSecret = { label: 'scrubbed llm key', value: 'canary-anthropic-secret-51d2e8' };
const PEM: PlantedSecret = { label: 'pem', value: generateKalshiKey().privateKeyPem };

const logDir = () => mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'canary-logs-'));

async function logTo(dir: string, write: (logger: ReturnType<typeof createLogger>) => void): Promise<void> {
  const logger = createLogger({ name: 'canary-probe', level: 'info', logDir: dir, pretty: false });
  write(logger);
  logger.flush();
  await new Promise((r) => setTimeout(r, 200));
}

describe('canary detector', () => {
  it('finds a secret logged on purpose, raw and encoded, and names the file and form', async () => {
    const dir = logDir();
    await logTo(dir, (logger) => {
      logger.info(`venue call failed with key ${LEAKED.value}`);
      logger.info({ header: Buffer.from(`Bearer:${LEAKED.value}`).toString('base64') }, 'retrying');
      logger.info({ line: PEM.value.split('\n')[1] }, 'one line of a PEM key');
    });
    const { hits, scanned } = await scanForSecrets({ secrets: [LEAKED, PEM], logDir: dir });
    assert.equal(scanned.files, 1);
    const forms = hits.map((h) => `${h.label}/${h.form}`).sort();
    assert.ok(forms.includes('leaked kalshi key/raw'), forms.join());
    assert.ok(
      forms.some((f) => /^leaked kalshi key\/base64@\d$/.test(f)),
      `base64 inside a longer value is found: ${forms.join()}`,
    );
    assert.ok(forms.includes('pem/line 2'), forms.join());
    assert.ok(hits.every((h) => h.where === path.join(dir, 'canary-probe.log')));
  });

  it('reports zero hits when the scrubber caught the secret and nothing else leaked', async () => {
    registerSecret(GUARDED.value);
    const dir = logDir();
    await logTo(dir, (logger) => {
      logger.info(`analyst call with key ${GUARDED.value}`);
      logger.info({ url: `https://api.example/v1?key=${encodeURIComponent(GUARDED.value)}` }, 'request');
      logger.info('an ordinary line about KXBTC at $0.62');
    });
    writeFileSync(path.join(dir, 'other.txt'), 'plain text, nothing secret\n');
    const report = await scanForSecrets({
      secrets: [GUARDED],
      logDir: dir,
      requestBodies: ['{"messages":[{"role":"user","content":"summarise the market"}]}'],
    });
    assert.deepEqual(report.hits, []);
    assert.deepEqual(report.scanned, { files: 2, workflows: 0, requestBodies: 1 });
  });

  it('searches Temporal histories (temporal workflow show) and captured request bodies', async () => {
    const config = await testConfig();
    const client = await testClient(config);
    const leaky = `canary-leaky-${Date.now()}`;
    const clean = `canary-clean-${Date.now()}`;
    // No worker needs to run: the start event alone stores the arguments in the history.
    await client.workflow.start('canaryProbe', {
      taskQueue: 'canary-nobody',
      workflowId: leaky,
      args: [{ entry: 'kalshi.production', apiKey: LEAKED.value }],
    });
    await client.workflow.start('canaryProbe', {
      taskQueue: 'canary-nobody',
      workflowId: clean,
      args: [{ entry: 'kalshi.production' }],
    });
    try {
      const bodies = ['{"prompt":"hello"}', `api_key=${encodeURIComponent(LEAKED.value)}&q=1`];
      const report = await scanForSecrets({
        secrets: [LEAKED, GUARDED],
        workflowIds: [leaky, clean],
        requestBodies: bodies,
      });
      const where = [...new Set(report.hits.map((h) => h.where))].sort();
      assert.deepEqual(where, [`request body 2`, `workflow ${leaky} (detailed)`, `workflow ${leaky} (json)`]);
      assert.ok(
        report.hits.some((h) => h.where.endsWith('(json)') && h.form.startsWith('base64')),
        'JSON output carries payloads as base64',
      );

      const onlyClean = await scanForSecrets({
        secrets: [LEAKED, GUARDED],
        workflowIds: [clean],
        requestBodies: [bodies[0]!],
      });
      assert.deepEqual(onlyClean.hits, []);
    } finally {
      await client.workflow.getHandle(leaky).terminate('canary test done');
      await client.workflow.getHandle(clean).terminate('canary test done');
    }
  });
});
