import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ensureLedgerKey, ledgerKeyFile, operatorLedgerKey } from '../../platform/ledger-key';
import { nemoHome } from '../../platform/nemo-home';
import { VaultEntryError } from '../../platform/vault/entries';
import { createKeyFile } from '../../platform/vault/master-key';
import { loadDomainSecrets } from '../../platform/vault/secret-source';
import { openVault } from '../../platform/vault/vault';
import { DOMAINS } from '../../policies/domains';

const home = () => mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'ledger-key-'));

describe('the ledger MAC key', () => {
  it('is created once, owner-only, outside the database, and reaches every domain through its vault scope (SIMULATED, no vault)', () => {
    const config = { NEMO_HOME: home(), NEMO_VAULT_KEY_FILE: undefined };
    const key = ensureLedgerKey(config);
    assert.equal(key.length, 32);
    assert.deepEqual(ensureLedgerKey(config), key, 'a second start keeps the key');
    assert.equal(statSync(ledgerKeyFile(nemoHome(config.NEMO_HOME))).mode & 0o777, 0o600);
    for (const domain of DOMAINS)
      assert.equal(loadDomainSecrets(config, domain, {}).get('ledger.mac'), key.toString('hex'), domain);
    assert.deepEqual(operatorLedgerKey(config), key);
  });

  it('moves into the vault once there is one, keeping the same key, and is never revoked or replaced', async () => {
    const config = { NEMO_HOME: home(), NEMO_VAULT_KEY_FILE: undefined };
    const simulated = ensureLedgerKey(config);
    createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
    assert.deepEqual(ensureLedgerKey(config), simulated, 'the chain keeps its key when the vault arrives');
    assert.equal(existsSync(ledgerKeyFile(nemoHome(config.NEMO_HOME))), false, 'the plain key file is gone');
    const vault = openVault(config, {})!;
    assert.equal(vault.reveal('ledger.mac'), simulated.toString('hex'));
    for (const domain of DOMAINS)
      assert.equal(loadDomainSecrets(config, domain, {}).get('ledger.mac'), simulated.toString('hex'), domain);
    await assert.rejects(
      vault.revoke('ledger.mac', 'test'),
      (e: Error) => e instanceof VaultEntryError && /never replaced or revoked/.test(e.message),
    );
    assert.throws(() => vault.replace('ledger.mac', 'b'.repeat(64)), /never replaced or revoked/);
  });

  it('names what is missing when an operator process finds no key', () => {
    assert.throws(
      () => operatorLedgerKey({ NEMO_HOME: home(), NEMO_VAULT_KEY_FILE: undefined }),
      /holds no ledger MAC key \(vault entry ledger.mac\): `nemo up` creates it/,
    );
  });
});
