import { constants, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { publicKeyOf } from '../venue-kit/public-keys';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Kalshi request signing as the real service checks it: RSA-PSS, SHA-256, MGF1-SHA-256, salt length 32, over
 * timestamp (ms) + METHOD + path without the query string (including /trade-api/v2).
 */

/** Kalshi's REST tolerance for KALSHI-ACCESS-TIMESTAMP is undocumented; its FIX gateway allows 30 s, so we do too. */
export const TIMESTAMP_TOLERANCE_MS = 30_000;

/** Requests per second by key tier and class (Kalshi "Rate Limits and Tiers"). */
export const KALSHI_TIERS = {
  basic: { read: 20, write: 10 },
  advanced: { read: 30, write: 30 },
  premier: { read: 100, write: 100 },
  prime: { read: 400, write: 400 },
} as const;
export type KalshiTier = keyof typeof KALSHI_TIERS;

export interface KalshiKeyRecord {
  keyId: string;
  publicKeyPem: string;
  accountId: string;
  /** A read-only key may read the portfolio but not place or cancel orders. */
  permission: 'trade' | 'read';
  tier: KalshiTier;
}

export interface KalshiKeyPair {
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh key as Kalshi issues it: a UUID key id and an RSA private key in PKCS#1 PEM. */
export function generateKalshiKey(): KalshiKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    keyId: randomUUID(),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export type AuthVerdict = { ok: true; key: KalshiKeyRecord } | { ok: false; reason: string };

export function verifyKalshiSignature(
  keys: ReadonlyMap<string, KalshiKeyRecord>,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  now = Date.now(),
): AuthVerdict {
  const keyId = header(headers, 'kalshi-access-key');
  const timestamp = header(headers, 'kalshi-access-timestamp');
  const signature = header(headers, 'kalshi-access-signature');
  if (!keyId || !timestamp || !signature)
    return { ok: false, reason: 'missing KALSHI-ACCESS-KEY, -TIMESTAMP or -SIGNATURE header' };
  const key = keys.get(keyId);
  if (!key) return { ok: false, reason: 'unknown API key' };
  if (!/^\d{1,16}$/.test(timestamp))
    return { ok: false, reason: 'KALSHI-ACCESS-TIMESTAMP is not milliseconds since the epoch' };
  if (Math.abs(now - Number(timestamp)) > TIMESTAMP_TOLERANCE_MS)
    return { ok: false, reason: 'request timestamp outside the allowed window' };
  const valid = verify(
    'sha256',
    Buffer.from(timestamp + method + path),
    { key: publicKeyOf(key.publicKeyPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signature, 'base64'),
  );
  return valid ? { ok: true, key } : { ok: false, reason: 'invalid signature' };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
