import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { NemoConfig } from '../config';
import { nemoHome } from '../nemo-home';
import { SECRETS_FD_ENV } from '../secrets';
import { registerSecret, scrub } from '../secret-scrubber';
import type { SecretScope } from '../../policies/domains';
import { fernetDecrypt, fernetEncrypt, FernetError } from './fernet';
import {
  entrySpec,
  scrubbableStringsOf,
  validateEntryValue,
  VaultEntryError,
  type KalshiCredential,
  type VaultEntryName,
} from './entries';
import {
  activeKeys,
  addNewestKey,
  keyFileOf,
  newestKey,
  readMasterKeyring,
  reloadKeyring,
  retireOlderKeys,
  VaultKeyError,
  type MasterKeyring,
} from './master-key';

/**
 * The credential vault: one JSON file (owner-only) whose entries hold Fernet tokens and metadata. A token encrypts
 * {entry name, value}, so a token moved to another entry in the file is refused. Writers take a lock file and
 * replace the file atomically; readers (worker processes) see either the old or the new file, never a mix.
 */

const FORMAT = 'nemo-vault/1';
const DAY_MS = 86_400_000;

export interface VaultRecord {
  name: VaultEntryName;
  scope: SecretScope;
  /** Master key the token was made with. */
  keyId: string;
  /** Absent once the entry is revoked and nothing at the venue still needs it. */
  token?: string;
  createdAt: string;
  /** When the credential itself was last replaced (seed: rotate every 90 days). */
  lastRotatedAt: string;
  revokedAt?: string;
  revokedReason?: string;
  /** For keys a venue can revoke (Kalshi): whether it was deleted there. */
  venueRevocation?: { status: 'deleted' | 'failed'; at: string; error?: string };
}

interface VaultDocument {
  format: typeof FORMAT;
  entries: VaultRecord[];
}

export type VaultEntryInfo = Omit<VaultRecord, 'token'> & { ageDays: number };

/** Deletes a key at the venue that issued it, so a leaked copy stops working too. */
export interface VenueKeyRevoker {
  revokeKalshiKey(entry: VaultEntryName, credential: KalshiCredential): Promise<void>;
}

export interface RevocationResult {
  name: VaultEntryName;
  revokedAt: string;
  venue: 'deleted' | 'failed' | 'not-applicable';
  venueError?: string;
}

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

export function vaultFileOf(config: Pick<NemoConfig, 'NEMO_HOME'>): string {
  return path.join(nemoHome(config.NEMO_HOME).vault, 'entries.json');
}

const isKalshi = (name: VaultEntryName) => name.startsWith('kalshi.');

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The ledger's MAC key signs every entry ever written: replacing or revoking it would orphan the chain. */
function refuseLedgerKeyChange(name: string): void {
  if (entrySpec(name).scope === 'ledger') {
    throw new VaultEntryError(
      `vault entry ${name} keys the ledger chain: it is never replaced or revoked (see docs/security.md)`,
    );
  }
}

export class Vault {
  constructor(
    readonly file: string,
    private ring: MasterKeyring,
  ) {}

  get keyring(): MasterKeyring {
    return this.ring;
  }

  private read(): VaultDocument {
    if (!existsSync(this.file)) return { format: FORMAT, entries: [] };
    let doc: VaultDocument;
    try {
      doc = JSON.parse(readFileSync(this.file, 'utf8')) as VaultDocument;
    } catch {
      throw new VaultError(`vault file ${this.file} is not valid JSON: restore it from a backup`);
    }
    if (doc.format !== FORMAT || !Array.isArray(doc.entries)) {
      throw new VaultError(`vault file ${this.file} is not a ${FORMAT} document`);
    }
    return doc;
  }

  /** Runs `change` on the current document under the vault lock and writes the result atomically. */
  private update<T>(change: (doc: VaultDocument) => T): T {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx', 0o600));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A writer that died holding the lock leaves it behind; no write takes 30 s.
        const held = statSync(lock, { throwIfNoEntry: false });
        if (held && Date.now() - held.mtimeMs > 30_000) unlinkSync(lock);
        else if (Date.now() > deadline) throw new VaultError(`vault is locked by another writer (${lock})`);
        else sleepSync(50);
      }
    }
    try {
      const doc = this.read();
      const result = change(doc);
      const tmp = `${this.file}.tmp-${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
      return result;
    } finally {
      unlinkSync(lock);
    }
  }

  private seal(name: VaultEntryName, value: string): { keyId: string; token: string } {
    const key = newestKey(this.ring);
    return { keyId: key.id, token: fernetEncrypt(key.key, JSON.stringify({ name, value })) };
  }

  /** Decrypts a record's token; the value is registered with the log scrubber before anyone sees it. */
  private open(record: VaultRecord): string {
    if (!record.token)
      throw new VaultError(`vault entry ${record.name} holds no secret any more (revoked ${record.revokedAt ?? ''})`);
    if (!this.ring.keys.some((k) => k.id === record.keyId)) this.ring = reloadKeyring(this.ring);
    const key = this.ring.keys.find((k) => k.id === record.keyId);
    if (!key) {
      throw new VaultKeyError(
        `vault entry ${record.name} was encrypted with master key ${record.keyId}, which this keyring does not hold`,
      );
    }
    if (key.retiredAt) {
      throw new VaultKeyError(
        `vault entry ${record.name} is encrypted with master key ${key.id}, retired ${key.retiredAt}: run \`nemo keys rotate\` with the previous key file restored`,
      );
    }
    let sealed: { name?: unknown; value?: unknown };
    try {
      sealed = JSON.parse(fernetDecrypt(key.key, record.token).toString('utf8'));
    } catch (err) {
      if (err instanceof FernetError) throw new VaultError(`vault entry ${record.name}: ${err.message}`);
      throw new VaultError(`vault entry ${record.name}: decrypted content is not a vault envelope`);
    }
    if (sealed.name !== record.name || typeof sealed.value !== 'string') {
      throw new VaultError(
        `vault entry ${record.name} holds a token sealed for another entry: the vault file was tampered with`,
      );
    }
    for (const s of scrubbableStringsOf(record.name, sealed.value)) registerSecret(s);
    return sealed.value;
  }

  private find(doc: VaultDocument, name: string): VaultRecord | undefined {
    entrySpec(name);
    return doc.entries.find((e) => e.name === name);
  }

  list(now = new Date()): VaultEntryInfo[] {
    return this.read().entries.map(({ token: _token, ...meta }) => ({
      ...meta,
      ageDays: Math.floor((now.getTime() - Date.parse(meta.lastRotatedAt)) / DAY_MS),
    }));
  }

  /** Stores a new credential. An existing live entry is refused (replace it with `rotate NAME`). */
  add(name: string, value: string, now = new Date()): VaultEntryInfo {
    validateEntryValue(name, value);
    const entry = name as VaultEntryName;
    for (const s of scrubbableStringsOf(entry, value)) registerSecret(s);
    this.update((doc) => {
      const existing = this.find(doc, entry);
      if (existing && !existing.revokedAt) {
        throw new VaultEntryError(
          `vault entry ${entry} already exists: use \`nemo keys rotate ${entry}\` to replace its value`,
        );
      }
      if (existing?.token)
        throw new VaultEntryError(
          `vault entry ${entry} is revoked but not yet deleted at the venue: run \`nemo keys revoke ${entry}\` again first`,
        );
      const record: VaultRecord = {
        name: entry,
        scope: entrySpec(entry).scope,
        ...this.seal(entry, value),
        createdAt: now.toISOString(),
        lastRotatedAt: now.toISOString(),
      };
      doc.entries = [...doc.entries.filter((e) => e.name !== entry), record];
    });
    return this.list(now).find((e) => e.name === entry)!;
  }

  /** Replaces a live entry's credential (the venue key was rotated); its age starts again. */
  replace(name: string, value: string, now = new Date()): VaultEntryInfo {
    validateEntryValue(name, value);
    refuseLedgerKeyChange(name);
    const entry = name as VaultEntryName;
    for (const s of scrubbableStringsOf(entry, value)) registerSecret(s);
    this.update((doc) => {
      const existing = this.find(doc, entry);
      if (!existing)
        throw new VaultEntryError(`vault entry ${entry} does not exist: add it with \`nemo keys add ${entry}\``);
      if (existing.revokedAt)
        throw new VaultEntryError(
          `vault entry ${entry} is revoked: add the new credential with \`nemo keys add ${entry}\``,
        );
      Object.assign(existing, this.seal(entry, value), { lastRotatedAt: now.toISOString() });
    });
    return this.list(now).find((e) => e.name === entry)!;
  }

  /** Changes whenever the vault file is replaced, so readers know when to load it again. */
  stamp(): string {
    const stat = statSync(this.file, { throwIfNoEntry: false });
    return stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : 'absent';
  }

  /** The live values of every entry in `scopes`, from one read of the file. */
  revealScopes(scopes: readonly SecretScope[]): Map<VaultEntryName, string> {
    const values = new Map<VaultEntryName, string>();
    for (const record of this.read().entries) {
      // The scope comes from the name (sealed inside the token), never from the file's own scope field.
      if (!record.revokedAt && scopes.includes(entrySpec(record.name).scope))
        values.set(record.name, this.open(record));
    }
    return values;
  }

  /** The live value of an entry, or undefined when it is absent or revoked. */
  reveal(name: string): string | undefined {
    const record = this.find(this.read(), name);
    return record && !record.revokedAt ? this.open(record) : undefined;
  }

  /**
   * Revokes at once (no process is handed the entry again), then deletes a Kalshi key at the venue. A venue failure
   * keeps the token so that running the revocation again can retry the deletion; the entry stays revoked meanwhile.
   */
  async revoke(name: string, reason: string, revoker?: VenueKeyRevoker, now = new Date()): Promise<RevocationResult> {
    refuseLedgerKeyChange(name);
    const entry = name as VaultEntryName;
    const record = this.update((doc) => {
      const existing = this.find(doc, entry);
      if (!existing) throw new VaultEntryError(`vault entry ${entry} does not exist`);
      if (!existing.revokedAt) Object.assign(existing, { revokedAt: now.toISOString(), revokedReason: reason });
      if (!isKalshi(entry)) delete existing.token;
      return { ...existing };
    });
    if (!record.token) {
      const venue = record.venueRevocation?.status === 'deleted' ? 'deleted' : 'not-applicable';
      return { name: entry, revokedAt: record.revokedAt!, venue };
    }
    let venueError: string | undefined;
    try {
      if (!revoker) throw new Error('no venue revoker is configured');
      await revoker.revokeKalshiKey(entry, JSON.parse(this.open(record)) as KalshiCredential);
    } catch (err) {
      venueError = scrub((err as Error).message);
    }
    const at = new Date().toISOString();
    this.update((doc) => {
      const current = this.find(doc, entry)!;
      if (venueError) current.venueRevocation = { status: 'failed', at, error: venueError };
      else {
        current.venueRevocation = { status: 'deleted', at };
        delete current.token;
      }
    });
    return { name: entry, revokedAt: record.revokedAt!, venue: venueError ? 'failed' : 'deleted', venueError };
  }

  /**
   * Master-key rotation: a new key is added, every live entry is re-encrypted with it, then the older keys are
   * retired. Each step leaves a vault that decrypts, so a crash in between loses nothing.
   */
  rotateMasterKey(now = new Date()): { keyId: string; reencrypted: number; retired: string[] } {
    const before = activeKeys(this.ring).map((k) => k.id);
    this.ring = addNewestKey(this.ring);
    const reencrypted = this.update((doc) => {
      let count = 0;
      for (const record of doc.entries) {
        if (!record.token) continue;
        Object.assign(record, this.seal(record.name, this.open(record)));
        count += 1;
      }
      return count;
    });
    this.ring = retireOlderKeys(this.ring, now);
    return { keyId: newestKey(this.ring).id, reencrypted, retired: before };
  }

  /** Decrypts every entry that still holds a token; names each that fails and why. */
  verify(): { name: VaultEntryName; ok: boolean; problem?: string }[] {
    return this.read()
      .entries.filter((r) => r.token)
      .map((record) => {
        try {
          this.open(record);
          return { name: record.name, ok: true };
        } catch (err) {
          return { name: record.name, ok: false, problem: (err as Error).message };
        }
      });
  }
}

/**
 * The vault of this NEMO_HOME, or undefined when there is neither a vault file nor a master key (SIMULATED mode).
 * A vault file without its key is a configuration error, not SIMULATED mode.
 */
export function openVault(
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>,
  env: NodeJS.ProcessEnv = process.env,
): Vault | undefined {
  if (env[SECRETS_FD_ENV]) {
    throw new VaultError(
      'a worker never opens the vault: the supervisor (nemo up) holds it and hands each worker only its domain\'s entries (docs/security.md, "Secrets handed, not held")',
    );
  }
  const file = vaultFileOf(config);
  const keyFile = keyFileOf(config);
  const ring = readMasterKeyring({ env, keyFile });
  if (!ring) {
    if (existsSync(file)) {
      throw new VaultKeyError(
        `vault ${file} exists but there is no master key: set NEMO_VAULT_KEY or restore the key file ${keyFile}`,
      );
    }
    return undefined;
  }
  return new Vault(file, ring);
}
