import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { controlActivities } from '../../activities/control-domain';
import { createKeyActivities } from '../../activities/keys';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { createKeyFile } from '../../platform/vault/master-key';
import { openVault } from '../../platform/vault/vault';
import { TASK_QUEUES } from '../../policies/domains';
import { saveHistoryFixture } from '../helpers/histories';
import { testAppPool, testClient, testConfig } from '../helpers/stack';
import { startDomainWorkers } from '../helpers/workers';
import { generateKalshiKey } from '../../simulators/kalshi/auth';

describe('key-age check and alert digest on the control worker (SIMULATED mode: no vault)', () => {
  let config: NemoConfig;
  let client: Client;
  before(async () => {
    config = await testConfig();
    client = await testClient(config);
    await startDomainWorkers(config, [{ domain: 'control', activities: controlActivities }]);
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
    assert.deepEqual(await client.workflow.execute('alertDigest', { taskQueue: TASK_QUEUES.control, workflowId }), { summaries: 0 });
    await saveHistoryFixture(client, workflowId, 'control');
  });
});

describe('incident revocation of venue keys (revokeVenueKeys)', () => {
  it('revokes every live venue key at once, leaves the others, and records each in the ledger', async () => {
    const config = await testConfig();
    const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'incident-'));
    createKeyFile(path.join(home, 'vault', 'master.key'));
    const vault = openVault({ NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined }, {})!;
    vault.add('coinbase.production', JSON.stringify({ keyName: 'organizations/o/apiKeys/k', privateKey: 'planted-coinbase-private' }));
    vault.add('kalshi.readonly', JSON.stringify({ keyId: 'ro', privateKeyPem: generateKalshiKey().privateKeyPem }));
    vault.add('anthropic', 'sk-ant-planted-incident');
    const deleted: string[] = [];
    const keys = createKeyActivities({
      config: { NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined, NEMO_KEY_MAX_AGE_DAYS: 90 },
      ledgerPool: testAppPool(config.DATABASE_URL),
      revoker: { revokeKalshiKey: async (entry, credential) => void deleted.push(`${entry}:${credential.keyId}`) },
    });
    const results = await keys.revokeVenueKeys({ reason: 'incident: suspected breach' });
    assert.deepEqual(results.map((r) => [r.name, r.venue]).sort(), [['coinbase.production', 'not-applicable'], ['kalshi.readonly', 'deleted']]);
    assert.deepEqual(deleted, ['kalshi.readonly:ro']);
    assert.equal(vault.reveal('anthropic'), 'sk-ant-planted-incident', 'not a venue key: untouched');
    assert.equal(vault.reveal('coinbase.production'), undefined);
    const recorded = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'keys.revoked' });
    assert.deepEqual(recorded.map((e) => e.payload.name).sort(), ['coinbase.production', 'kalshi.readonly']);
    assert.deepEqual(await keys.revokeVenueKeys({ reason: 'again' }), [], 'nothing left to revoke');
  });
});
