import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { parseLedgerKey, type LedgerKey } from '../ledger/hash-chain';
import { bindLedgerKey } from '../ledger/ledger-store';
import type { NemoConfig } from './config';
import { nemoHome, type NemoHome } from './nemo-home';
import { appPool } from './postgres/postgres';
import { registerSecret } from './secret-scrubber';
import type { SecretSource } from './secrets';
import { openVault } from './vault/vault';

/**
 * The ledger's MAC key is the vault entry `ledger.mac` (scope 'ledger', which every domain holds), so it reaches each
 * worker the way every credential does. SIMULATED mode without a vault master key keeps it owner-only in
 * NEMO_HOME/vault/ledger.mac; once a vault exists the key moves into it. It is never written to the database.
 */
export const LEDGER_KEY_ENTRY = 'ledger.mac';

export function ledgerKeyFile(home: NemoHome): string {
  return path.join(home.vault, LEDGER_KEY_ENTRY);
}

function readKeyFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) throw new Error(`${file} must be readable by its owner only (chmod 600)`);
    const key = readFileSync(fd, 'utf8').trim();
    registerSecret(key);
    return key;
  } finally {
    closeSync(fd);
  }
}

/** `nemo up`: the key, created on first start (in the vault when there is one). */
export function ensureLedgerKey(config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>): LedgerKey {
  const file = ledgerKeyFile(nemoHome(config.NEMO_HOME));
  const vault = openVault(config);
  if (vault) {
    const stored = vault.reveal(LEDGER_KEY_ENTRY);
    if (stored) return parseLedgerKey(stored, `vault entry ${LEDGER_KEY_ENTRY}`);
    // A SIMULATED install that got a vault keeps signing with the key its chain was written with.
    vault.add(LEDGER_KEY_ENTRY, readKeyFile(file) ?? randomBytes(32).toString('hex'));
    rmSync(file, { force: true });
    return parseLedgerKey(vault.reveal(LEDGER_KEY_ENTRY), `vault entry ${LEDGER_KEY_ENTRY}`);
  }
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return parseLedgerKey(readKeyFile(file), file);
}

/** The key as an operator's process (the CLI) reads it: a key file `nemo up` has not moved yet, else the vault's. */
export function operatorLedgerKey(config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>): LedgerKey {
  const file = ledgerKeyFile(nemoHome(config.NEMO_HOME));
  const unmoved = readKeyFile(file);
  if (unmoved) return parseLedgerKey(unmoved, file);
  return parseLedgerKey(openVault(config)?.reveal(LEDGER_KEY_ENTRY), `neither ${file} nor the vault`);
}

/** Without a vault, the key file is the 'ledger' scope's only entry. */
export function ledgerKeyFileSource(home: NemoHome): SecretSource {
  const file = ledgerKeyFile(home);
  return {
    get: (entry) => (entry === LEDGER_KEY_ENTRY ? readKeyFile(file) : undefined),
    names: () => (existsSync(file) ? [LEDGER_KEY_ENTRY] : []),
  };
}

/** A pool of the application role whose appends are chained with the ledger key. */
export function ledgerPool(
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE' | 'DATABASE_URL'>,
  max?: number,
): pg.Pool {
  const key = operatorLedgerKey(config);
  return bindLedgerKey(appPool(config.DATABASE_URL, max), key);
}
