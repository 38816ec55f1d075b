import { generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { publicKeyOf } from '../venue-kit/public-keys';

/**
 * Coinbase CDP API keys and the JWT each request carries, checked as Advanced Trade checks them: ES256 (P-256) or
 * EdDSA (Ed25519) signature by the key named in `kid`, `sub` = key name, `nbf`/`exp` bounding a two-minute life,
 * and a `uri` claim "METHOD host/path" naming this very request.
 */
export type CoinbaseAlgorithm = 'ES256' | 'EdDSA';

export interface CoinbaseKeyRecord {
  keyName: string;
  algorithm: CoinbaseAlgorithm;
  publicKeyPem: string;
  accountId: string;
  /** A view-only key may read but not trade (Coinbase's can_view / can_trade permissions). */
  permission: 'trade' | 'read';
}

export interface CoinbaseKeyPair {
  keyName: string;
  /** ES256: the EC private key in SEC1 PEM; EdDSA: base64 of the 32-byte seed followed by the 32-byte public key. */
  privateKey: string;
  publicKeyPem: string;
  algorithm: CoinbaseAlgorithm;
}

/** Clock skew allowed on nbf, and the longest token life accepted (CDP tokens live 120 s). */
const SKEW_SECONDS = 5;
const MAX_LIFETIME_SECONDS = 120;

export function generateCoinbaseKey(algorithm: CoinbaseAlgorithm): CoinbaseKeyPair {
  if (algorithm === 'ES256') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return {
      keyName: `organizations/${randomUUID()}/apiKeys/${randomUUID()}`,
      privateKey: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      algorithm,
    };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const secret = Buffer.concat([Buffer.from(jwk.d!, 'base64url'), Buffer.from(jwk.x!, 'base64url')]).toString('base64');
  return {
    keyName: randomUUID(),
    privateKey: secret,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    algorithm,
  };
}

export type JwtVerdict = { ok: true; key: CoinbaseKeyRecord } | { ok: false; reason: string };

/**
 * @param authority the request's Host header (host:port); a `uri` may name it with or without the port and, as ccxt
 * does with an http:// base URL, with the scheme left in.
 */
export function verifyCoinbaseJwt(
  keys: ReadonlyMap<string, CoinbaseKeyRecord>,
  method: string,
  authority: string,
  path: string,
  authorization: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): JwtVerdict {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  if (!token) return { ok: false, reason: 'missing bearer token' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed JWT' };
  const [headerText, payloadText, signatureText] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerText, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payloadText, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed JWT' };
  }
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
  if (!key) return { ok: false, reason: 'unknown key' };
  // ccxt upper-cases the algorithm name ("EDDSA"); the key's own type decides which check applies.
  const alg = String(header.alg ?? '').toUpperCase();
  if (alg !== key.algorithm.toUpperCase())
    return { ok: false, reason: `algorithm ${String(header.alg)} does not match the key` };
  const signingInput = Buffer.from(`${headerText}.${payloadText}`);
  const signature = Buffer.from(signatureText, 'base64url');
  const valid =
    key.algorithm === 'ES256'
      ? verify('sha256', signingInput, { key: publicKeyOf(key.publicKeyPem), dsaEncoding: 'ieee-p1363' }, signature)
      : verify(null, signingInput, publicKeyOf(key.publicKeyPem), signature);
  if (!valid) return { ok: false, reason: 'invalid signature' };
  if (claims.sub !== key.keyName) return { ok: false, reason: 'sub does not name the key' };
  if (claims.iss !== 'cdp' && claims.iss !== 'coinbase-cloud') return { ok: false, reason: 'unexpected issuer' };
  const nbf = claims.nbf;
  const exp = claims.exp;
  if (typeof nbf !== 'number' || typeof exp !== 'number') return { ok: false, reason: 'nbf and exp are required' };
  if (nbf > nowSeconds + SKEW_SECONDS) return { ok: false, reason: 'token not yet valid' };
  if (exp <= nowSeconds) return { ok: false, reason: 'token expired' };
  if (exp - nbf > MAX_LIFETIME_SECONDS) return { ok: false, reason: 'token lifetime exceeds 120 s' };
  const uris = [claims.uri, ...(Array.isArray(claims.uris) ? claims.uris : [])].filter(
    (u): u is string => typeof u === 'string',
  );
  if (uris.length === 0) return { ok: false, reason: 'uri claim missing' };
  if (!uris.some((uri) => uriNames(uri, method, authority, path)))
    return { ok: false, reason: 'uri claim does not match the request' };
  return { ok: true, key };
}

function uriNames(uri: string, method: string, authority: string, path: string): boolean {
  const match = /^([A-Z]+) (?:https?:\/\/)?([^/\s]+)(\/\S*)$/.exec(uri);
  if (!match) return false;
  const [, uriMethod, uriHost, uriPath] = match;
  const hostOnly = authority.replace(/:\d+$/, '');
  return uriMethod === method && (uriHost === authority || uriHost === hostOnly) && uriPath === path;
}
