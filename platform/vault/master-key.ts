import { createHmac } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { NemoConfig } from '../config';
import { nemoHome } from '../nemo-home';
import { registerSecret } from '../secret-scrubber';
import { generateFernetKey, parseFernetKey, type FernetKey } from './fernet';

/**
 * The vault's master keys: from NEMO_VAULT_KEY (one or more Fernet keys, newest first, separated by commas or
 * whitespace) or from an owner-only key file (one key per line, newest first; `retired <ISO date> <key>` lines are
 * kept only so Temporal payloads written before a rotation stay readable). The key never goes through NemoConfig,
 * so it cannot end up in a config dump or a log.
 */

export class VaultKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultKeyError';
  }
}

export interface MasterKey {
  /** A one-way fingerprint naming the key in vault entries and payload metadata. */
  id: string;
  key: FernetKey;
  /** Set when a rotation replaced the key: it no longer decrypts vault entries. */
  retiredAt?: string;
}

export interface MasterKeyring {
  source: { kind: 'env' } | { kind: 'file'; file: string };
  /** Newest first; the first active key encrypts. */
  keys: MasterKey[];
}

const KEY_ID_LABEL = 'nemo vault key id';

function masterKey(text: string, where: string, retiredAt?: string): MasterKey {
  let key: FernetKey;
  try {
    key = parseFernetKey(text);
  } catch (err) {
    throw new VaultKeyError(`${where}: ${(err as Error).message}`);
  }
  registerSecret(text);
  const id = createHmac('sha256', Buffer.concat([key.signing, key.encryption]))
    .update(KEY_ID_LABEL)
    .digest('hex')
    .slice(0, 16);
  return { id, key, retiredAt };
}

export function keyFileOf(config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>): string {
  return config.NEMO_VAULT_KEY_FILE ?? path.join(nemoHome(config.NEMO_HOME).vault, 'master.key');
}

export function activeKeys(ring: MasterKeyring): MasterKey[] {
  return ring.keys.filter((k) => !k.retiredAt);
}

export function newestKey(ring: MasterKeyring): MasterKey {
  const key = activeKeys(ring)[0];
  if (!key) throw new VaultKeyError('the master keyring holds no active key: add one or restore the key file');
  return key;
}

/** Owner-only, owned by this user: anything looser lets another account read every credential. */
function checkOwnerOnly(file: string, fd: number): void {
  const stat = fstatSync(fd);
  if (!stat.isFile()) throw new VaultKeyError(`vault key file ${file} is not a regular file`);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new VaultKeyError(
      `vault key file ${file} belongs to uid ${stat.uid}, not to this user (uid ${process.getuid()}): fix with \`chown $(id -u) ${file}\``,
    );
  }
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new VaultKeyError(
      `vault key file ${file} has permissions ${mode.toString(8).padStart(3, '0')}, readable by others: fix with \`chmod 600 ${file}\` (owner-only, 0600 or 0400)`,
    );
  }
}

function parseKeyFile(file: string, text: string): MasterKey[] {
  const keys: MasterKey[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const where = `vault key file ${file} line ${index + 1}`;
    const words = trimmed.split(/\s+/);
    if (words[0] === 'retired') {
      if (words.length !== 3 || Number.isNaN(Date.parse(words[1]!))) {
        throw new VaultKeyError(`${where}: expected "retired <ISO date> <key>"`);
      }
      keys.push(masterKey(words[2]!, where, words[1]));
    } else if (words.length === 1) {
      keys.push(masterKey(words[0]!, where));
    } else {
      throw new VaultKeyError(`${where}: expected one key per line (or "retired <ISO date> <key>")`);
    }
  });
  return keys;
}

/**
 * The keyring from NEMO_VAULT_KEY, else from the key file; undefined when neither exists (SIMULATED mode: no
 * credentials, plain Temporal payloads). A key file with loose permissions is refused, never silently used.
 */
export function readMasterKeyring(options: { env: NodeJS.ProcessEnv; keyFile: string }): MasterKeyring | undefined {
  const fromEnv = options.env.NEMO_VAULT_KEY?.trim();
  if (fromEnv) {
    const keys = fromEnv.split(/[\s,]+/).map((text, i) => masterKey(text, `NEMO_VAULT_KEY key ${i + 1}`));
    return { source: { kind: 'env' }, keys };
  }
  if (!existsSync(options.keyFile)) return undefined;
  const fd = openSync(options.keyFile, 'r');
  try {
    checkOwnerOnly(options.keyFile, fd);
    const keys = parseKeyFile(options.keyFile, readFileSync(fd, 'utf8'));
    if (keys.length === 0) throw new VaultKeyError(`vault key file ${options.keyFile} holds no key`);
    return { source: { kind: 'file', file: options.keyFile }, keys };
  } finally {
    closeSync(fd);
  }
}

/**
 * The keyring as the key file holds it now: a running process meets a key id it does not know after `nemo keys
 * rotate` in another process, and reads the file again instead of failing until it is restarted.
 */
export function reloadKeyring(ring: MasterKeyring): MasterKeyring {
  return ring.source.kind === 'file' ? (readMasterKeyring({ env: {}, keyFile: ring.source.file }) ?? ring) : ring;
}

const KEY_FILE_HEADER =
  '# NEMO vault master keys, newest first. Owner-only (chmod 600); never commit, copy or print this file.\n';

function writeKeyFile(file: string, lines: string[]): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${KEY_FILE_HEADER}${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** `nemo keys init`: a new key file with one fresh key; refuses to overwrite an existing one. */
export function createKeyFile(file: string): MasterKeyring {
  if (existsSync(file)) throw new VaultKeyError(`vault key file ${file} already exists; refusing to overwrite it`);
  const text = generateFernetKey();
  writeKeyFile(file, [text]);
  return { source: { kind: 'file', file }, keys: [masterKey(text, 'new key')] };
}

function keyFileLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function requireFile(ring: MasterKeyring): string {
  if (ring.source.kind !== 'file') {
    throw new VaultKeyError(
      'the master key comes from NEMO_VAULT_KEY, which NEMO cannot rewrite: put the keys in a key file (NEMO_VAULT_KEY_FILE) and unset NEMO_VAULT_KEY to rotate',
    );
  }
  return ring.source.file;
}

/** Rotation step 1: a fresh key goes first, the old ones stay active until every entry is re-encrypted. */
export function addNewestKey(ring: MasterKeyring): MasterKeyring {
  const file = requireFile(ring);
  const text = generateFernetKey();
  writeKeyFile(file, [text, ...keyFileLines(file)]);
  return { ...ring, keys: [masterKey(text, 'new key'), ...ring.keys] };
}

/** Rotation step 2: every key but the newest is marked retired (kept for decoding old Temporal payloads only). */
export function retireOlderKeys(ring: MasterKeyring, now = new Date()): MasterKeyring {
  const file = requireFile(ring);
  const [newest, ...older] = keyFileLines(file);
  const retiredAt = now.toISOString();
  writeKeyFile(file, [
    newest!,
    ...older.map((line) => (line.startsWith('retired ') ? line : `retired ${retiredAt} ${line}`)),
  ]);
  return { ...ring, keys: ring.keys.map((k, i) => (i === 0 || k.retiredAt ? k : { ...k, retiredAt })) };
}
