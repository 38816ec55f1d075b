import { z } from 'zod';
import type { NemoConfig } from '../../platform/config';
import type { SecretSource } from '../../platform/secrets';
import type { Domain } from '../../policies/domains';
import { keyScopeOf, VENUE_SECRET_ENTRIES } from '../../platform/vault/venue-keys';
import { CoinbasePort } from './coinbase/coinbase-port';
import { KalshiPort } from './kalshi/kalshi-port';
import type { VenuePort } from './venue-port';
import type { Venue } from '../../policies/orders';

export const kalshiCredentialSchema = z.object({
  keyId: z.string().min(1),
  privateKeyPem: z.string().includes('PRIVATE KEY'),
});
export const coinbaseCredentialSchema = z.object({
  keyName: z.string().min(1),
  privateKey: z
    .string()
    .refine(
      (k) => k.includes('PRIVATE KEY') || /^[A-Za-z0-9+/]{86}==$/.test(k),
      'must be an EC private key PEM or a base64 Ed25519 secret',
    ),
});

export class VenueCredentialError extends Error {
  constructor(entry: string, problem: string) {
    super(`secret ${entry}: ${problem}`);
    this.name = 'VenueCredentialError';
  }
}

function readCredential<T>(secrets: SecretSource, entry: string, schema: z.ZodType<T>): T | undefined {
  const text = secrets.get(entry);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VenueCredentialError(entry, 'is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VenueCredentialError(entry, `${issue.path.join('.') || 'value'} ${issue.message}`);
  }
  return parsed.data;
}

export type VenuePorts = Partial<Record<Venue, VenuePort>>;

/**
 * The venue ports of one domain. A venue is left out when the domain holds no key for it, except that a read-only
 * domain (research, control) still gets public market data. Test options: timeouts and ccxt's throttle.
 */
export function venuePortsFor(
  domain: Domain,
  secrets: SecretSource,
  config: Pick<
    NemoConfig,
    | 'NEMO_KALSHI_PRODUCTION_URL'
    | 'NEMO_KALSHI_DEMO_URL'
    | 'NEMO_COINBASE_PRODUCTION_URL'
    | 'NEMO_COINBASE_DEMO_URL'
    | 'NEMO_COINBASE_PRODUCTS'
  >,
  options: { timeoutMs?: number; throttle?: boolean } = {},
): VenuePorts {
  const scope = keyScopeOf(domain);
  if (!scope) return {};
  const demo = scope === 'demo';
  const kalshiKey = readCredential(secrets, VENUE_SECRET_ENTRIES.kalshi[scope], kalshiCredentialSchema);
  const coinbaseKey = readCredential(secrets, VENUE_SECRET_ENTRIES.coinbase[scope], coinbaseCredentialSchema);
  const publicData = scope === 'readonly';
  const ports: VenuePorts = {};
  if (kalshiKey || publicData) {
    ports.kalshi = new KalshiPort({
      baseUrl: demo ? config.NEMO_KALSHI_DEMO_URL : config.NEMO_KALSHI_PRODUCTION_URL,
      credentials: kalshiKey,
      timeoutMs: options.timeoutMs,
    });
  }
  if (coinbaseKey || publicData) {
    ports.coinbase = new CoinbasePort({
      baseUrl: demo ? config.NEMO_COINBASE_DEMO_URL : config.NEMO_COINBASE_PRODUCTION_URL,
      credentials: coinbaseKey,
      products: config.NEMO_COINBASE_PRODUCTS.split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      timeoutMs: options.timeoutMs,
      throttle: options.throttle,
    });
  }
  return ports;
}
