import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LEDGER_KEY_ENTRY, ledgerKeyFile } from '../../platform/ledger-key';
import { nemoHome } from '../../platform/nemo-home';
import type { SecretSource } from '../../platform/secrets';

/**
 * The ledger MAC key of every test home (as `nemo up` would create it in NEMO_HOME/vault/ledger.mac), so pools made
 * here and workers loading their vault scope chain entries with one key.
 */
export const TEST_LEDGER_KEY_HEX = 'a1'.repeat(32);
export const TEST_LEDGER_KEY = Buffer.from(TEST_LEDGER_KEY_HEX, 'hex');

/** A test's own secret source (e.g. the simulated venues' keys) plus the ledger key a worker's vault scope holds. */
export function withTestLedgerKey(secrets: SecretSource): SecretSource {
  return {
    get: (entry) => (entry === LEDGER_KEY_ENTRY ? TEST_LEDGER_KEY_HEX : secrets.get(entry)),
    names: () => [...secrets.names(), LEDGER_KEY_ENTRY],
  };
}

/** Puts the test key where `nemo up` would have created it in a home (what `testConfig` does for its homes). */
export function writeTestLedgerKey(home: string): void {
  const file = ledgerKeyFile(nemoHome(home));
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${TEST_LEDGER_KEY_HEX}\n`, { mode: 0o600 });
}
