import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import axios from 'axios';
import { ApiKeysApi, Configuration } from 'kalshi-typescript';
import { createKalshiKeyRevoker } from '../../activities/security/kalshi-key-revoker';
import { createKeyFile } from '../../platform/vault/master-key';
import { loadDomainSecrets } from '../../platform/vault/secret-source';
import { openVault } from '../../platform/vault/vault';
import { generateKalshiKey } from '../../simulators/kalshi/auth';
import { KALSHI_MEMBER_ACCOUNT, startKalshiVenue } from '../../simulators/kalshi/server';
import { atFileEnd } from '../support/stack';

describe('Kalshi key revocation against the loopback Kalshi venue', () => {
  it('deletes the key at the venue (signed DELETE /api_keys/{id}); the venue then no longer knows it', async () => {
    const doomed = generateKalshiKey();
    const witness = generateKalshiKey();
    const venue = await startKalshiVenue({
      name: 'kalshi-revocation-test',
      seed: 'revocation',
      host: '127.0.0.1',
      marketCount: 1,
      controlToken: 'control-token',
      startingBalanceCents: 0,
      keys: [
        {
          keyId: doomed.keyId,
          publicKeyPem: doomed.publicKeyPem,
          accountId: KALSHI_MEMBER_ACCOUNT,
          permission: 'trade',
          tier: 'basic',
        },
        {
          keyId: witness.keyId,
          publicKeyPem: witness.publicKeyPem,
          accountId: KALSHI_MEMBER_ACCOUNT,
          permission: 'trade',
          tier: 'basic',
        },
      ],
    });
    atFileEnd(() => venue.close());
    const listKeys = async () => {
      const api = new ApiKeysApi(
        new Configuration({ apiKey: witness.keyId, privateKeyPem: witness.privateKeyPem, basePath: venue.apiBaseUrl }),
        venue.apiBaseUrl,
        axios.create(),
      );
      return (await api.getApiKeys()).data.api_keys.map((k) => k.api_key_id);
    };
    assert.ok((await listKeys()).includes(doomed.keyId));

    const home = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'kalshi-revoke-'));
    createKeyFile(path.join(home, 'vault', 'master.key'));
    const config = { NEMO_HOME: home, NEMO_VAULT_KEY_FILE: undefined };
    const vault = openVault(config, {})!;
    vault.add('kalshi.demo', JSON.stringify({ keyId: doomed.keyId, privateKeyPem: doomed.privateKeyPem }));
    const paper = loadDomainSecrets(config, 'paper', {});
    assert.ok(paper.get('kalshi.demo'));

    const result = await vault.revoke(
      'kalshi.demo',
      'rotation drill',
      createKalshiKeyRevoker(() => venue.apiBaseUrl),
    );
    assert.equal(result.venue, 'deleted', result.venueError);
    assert.equal(paper.get('kalshi.demo'), undefined);
    assert.deepEqual(await listKeys(), [witness.keyId]);
  });
});
