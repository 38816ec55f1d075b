import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Fernet (github.com/fernet/spec) on node:crypto, byte-compatible with Python's `cryptography.fernet`.
 * key   = base64url(16-byte HMAC-SHA256 signing key || 16-byte AES-128 encryption key)
 * token = base64url(0x80 || 64-bit big-endian seconds || 16-byte IV || AES-128-CBC/PKCS7 ciphertext || HMAC-SHA256)
 */

export type FernetFailure =
  | 'invalid-key'
  | 'not-base64url'
  | 'too-short'
  | 'bad-version'
  | 'bad-signature'
  | 'bad-ciphertext'
  | 'expired'
  | 'from-the-future';

/** A refused key or token. The message names what is wrong and never contains key or token bytes. */
export class FernetError extends Error {
  constructor(
    readonly reason: FernetFailure,
    message: string,
  ) {
    super(message);
    this.name = 'FernetError';
  }
}

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16; // version, timestamp, IV
const MAC_BYTES = 32;
const BLOCK_BYTES = 16;
// The same tolerance as Python's cryptography: a token stamped more than 60 s ahead is refused when a TTL applies.
const MAX_CLOCK_SKEW_SECONDS = 60;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export interface FernetKey {
  signing: Buffer;
  encryption: Buffer;
}

/** Padded base64url, as Python writes keys and tokens. */
function toBase64url(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Strict base64url: the alphabet, padded to a multiple of 4 as Python writes it. Node's decoder skips junk. */
function fromBase64url(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64URL.test(text)) return undefined;
  return Buffer.from(text, 'base64url');
}

export function parseFernetKey(text: string): FernetKey {
  const raw = fromBase64url(text.trim());
  if (!raw || raw.length !== 32) {
    throw new FernetError('invalid-key', 'a Fernet key must be 32 bytes in padded base64url (44 characters)');
  }
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16) };
}

export function generateFernetKey(): string {
  return toBase64url(randomBytes(32));
}

function mac(key: FernetKey, signed: Buffer): Buffer {
  return createHmac('sha256', key.signing).update(signed).digest();
}

export function fernetEncrypt(
  key: FernetKey,
  plaintext: string | Buffer,
  options: { now?: Date; iv?: Buffer } = {},
): string {
  const iv = options.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new FernetError('invalid-key', 'a Fernet IV must be 16 bytes');
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor((options.now ?? new Date()).getTime() / 1000)), 1);
  iv.copy(header, 9);
  const cipher = createCipheriv('aes-128-cbc', key.encryption, iv);
  const signed = Buffer.concat([header, cipher.update(plaintext), cipher.final()]);
  return toBase64url(Buffer.concat([signed, mac(key, signed)]));
}

/**
 * Verifies and decrypts a token. The signature is checked before anything else is trusted; with `ttlSeconds` the
 * token must also be younger than the TTL and not stamped in the future beyond the allowed clock skew.
 */
export function fernetDecrypt(
  key: FernetKey,
  token: string,
  options: { ttlSeconds?: number; now?: Date } = {},
): Buffer {
  const raw = fromBase64url(token);
  if (!raw) throw new FernetError('not-base64url', 'Fernet token refused: it is not padded base64url text');
  if (raw.length < 1 || raw[0] !== VERSION) {
    throw new FernetError(
      'bad-version',
      `Fernet token refused: version byte ${raw.length ? `0x${raw[0]!.toString(16)}` : '(none)'} is not 0x80`,
    );
  }
  if (raw.length < HEADER_BYTES + BLOCK_BYTES + MAC_BYTES) {
    throw new FernetError(
      'too-short',
      `Fernet token refused: ${raw.length} bytes is too short to hold a header, a block and a signature (truncated?)`,
    );
  }
  const signed = raw.subarray(0, raw.length - MAC_BYTES);
  if (!timingSafeEqual(mac(key, signed), raw.subarray(raw.length - MAC_BYTES))) {
    throw new FernetError(
      'bad-signature',
      'Fernet token refused: its signature does not match (the token was altered or truncated, or was made with another key)',
    );
  }
  const ciphertext = signed.subarray(HEADER_BYTES);
  if (ciphertext.length % BLOCK_BYTES !== 0) {
    throw new FernetError(
      'bad-ciphertext',
      `Fernet token refused: ciphertext of ${ciphertext.length} bytes is not a whole number of AES blocks`,
    );
  }
  if (options.ttlSeconds !== undefined) {
    const issued = Number(signed.readBigUInt64BE(1));
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    if (issued + options.ttlSeconds < now) {
      throw new FernetError(
        'expired',
        `Fernet token refused: issued ${now - issued} s ago, older than its ${options.ttlSeconds} s TTL`,
      );
    }
    if (now + MAX_CLOCK_SKEW_SECONDS < issued) {
      throw new FernetError(
        'from-the-future',
        `Fernet token refused: stamped ${issued - now} s in the future (more than ${MAX_CLOCK_SKEW_SECONDS} s of clock skew)`,
      );
    }
  }
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryption, signed.subarray(9, HEADER_BYTES));
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new FernetError('bad-ciphertext', 'Fernet token refused: the plaintext padding is invalid');
  }
}
