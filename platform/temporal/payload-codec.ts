import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { NemoConfig } from '../config';
import { keyFileOf, newestKey, readMasterKeyring, reloadKeyring, type MasterKeyring } from '../vault/master-key';

/**
 * Encrypts every Temporal payload (workflow and activity arguments and results, signals, queries, memos) with
 * AES-256-GCM before it leaves the process, so the Temporal server and anyone reading its database or history see
 * ciphertext. The second layer: workflows already carry vault entry names, never secrets.
 *
 * Keys are derived from the vault master keys (HKDF-SHA256), one per master key, named in each payload's metadata
 * by the master key's id: after a rotation, new payloads use the new key and old histories still decode with the
 * retired one (which the key file keeps for exactly this).
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_FIELD = 'encryption-key-id';
const CIPHER_FIELD = 'encryption-cipher';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = 'nemo temporal payload codec';
const HKDF_INFO = 'aes-256-gcm v1';

export class PayloadCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadCodecError';
  }
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** The codec's keys: one AES key per master key id, and the id new payloads are encrypted with. */
export interface CodecKeys {
  /** Undefined: no master key yet (SIMULATED mode); payloads pass through in the clear. */
  encryptWith?: string;
  keys: Map<string, Buffer>;
}

/** Derives the codec keys from the vault master keyring (only the supervisor and the CLI hold the keyring). */
export function codecKeysOf(ring: MasterKeyring | undefined): CodecKeys {
  if (!ring) return { keys: new Map() };
  const keys = new Map<string, Buffer>();
  for (const master of ring.keys) {
    const ikm = Buffer.concat([master.key.signing, master.key.encryption]);
    keys.set(master.id, Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, HKDF_INFO, 32)));
  }
  return { encryptWith: newestKey(ring).id, keys };
}

export class VaultPayloadCodec implements PayloadCodec {
  /**
   * `reload`: where to look when a payload names a key this process does not know (another process rotated the
   * master key). A worker is handed its keys instead (`update`), by the supervisor, on every rotation.
   */
  constructor(
    private current: CodecKeys,
    private readonly reload?: () => CodecKeys,
  ) {}

  update(keys: CodecKeys): void {
    this.current = keys;
  }

  private keyFor(keyId: string): Buffer | undefined {
    if (!this.current.keys.has(keyId) && this.reload) this.current = this.reload();
    return this.current.keys.get(keyId);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { encryptWith } = this.current;
    if (!encryptWith) return payloads;
    const key = this.current.keys.get(encryptWith)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv).setAAD(utf8(encryptWith));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: utf8(ENCRYPTED_ENCODING),
          [KEY_ID_FIELD]: utf8(encryptWith),
          [CIPHER_FIELD]: utf8(CIPHER),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was on (or by a SIMULATED run) pass through unchanged.
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_FIELD]);
      const key = keyId ? this.keyFor(keyId) : undefined;
      if (!keyId || !key) {
        throw new PayloadCodecError(
          `payload encrypted with key ${keyId ?? '(none named)'}, which the vault keyring does not hold (was the key file replaced without keeping retired keys?)`,
        );
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < IV_BYTES + TAG_BYTES)
        throw new PayloadCodecError(`encrypted payload of ${sealed.length} bytes is truncated`);
      try {
        const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, IV_BYTES)).setAAD(utf8(keyId));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        throw new PayloadCodecError(
          `encrypted payload (key ${keyId}) failed authentication: it was altered or truncated`,
        );
      }
    });
  }
}

/** The codec every NEMO worker and client uses, or undefined in SIMULATED mode (no master key: plain payloads). */
export function payloadCodecFor(
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>,
  env: NodeJS.ProcessEnv = process.env,
): PayloadCodec | undefined {
  const ring = readMasterKeyring({ env, keyFile: keyFileOf(config) });
  return ring ? keyringCodec(config, env, ring) : undefined;
}

/**
 * A worker's codec when it reads the key file itself (outside `nemo up`, which hands keys over): present even before
 * any master key exists, so an encrypted payload fails naming its key (not the converter's "Unknown encoding"), and
 * a key made later (`nemo keys init` while the worker runs) is read when a payload first names it.
 */
export function keyringCodec(
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>,
  env: NodeJS.ProcessEnv = process.env,
  ring = readMasterKeyring({ env, keyFile: keyFileOf(config) }),
): VaultPayloadCodec {
  return new VaultPayloadCodec(codecKeysOf(ring), () =>
    codecKeysOf((ring = ring ? reloadKeyring(ring) : readMasterKeyring({ env, keyFile: keyFileOf(config) }))),
  );
}
