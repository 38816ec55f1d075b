import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretSource } from '../platform/secrets';
import type { SimulatedVenueConfig } from '../platform/venue-description';
import type { Domain } from '../policies/domains';
import { generateCoinbaseKey, type CoinbaseKeyPair } from './coinbase/auth';
import { CoinbaseControlClient } from './coinbase/control-client';
import { COINBASE_MEMBER_ACCOUNT, startCoinbaseVenue, type CoinbaseVenue } from './coinbase/server';
import { generateKalshiKey, type KalshiKeyPair, type KalshiTier } from './kalshi/auth';
import { KalshiControlClient } from './kalshi/control-client';
import { KALSHI_MEMBER_ACCOUNT, startKalshiVenue, type KalshiVenue } from './kalshi/server';
import { VENUE_SECRET_ENTRIES, venueSecretsFor } from '../platform/vault/venue-keys';

/**
 * All four SIMULATED loopback venues in this process: Kalshi and Coinbase, each a production and a demo instance
 * with separate keys (a demo key is refused by production and the reverse). Returns the configuration and the
 * credentials that point NEMO at them, typed control clients, and stop().
 */
export interface StartVenuesOptions {
  seed: string;
  /** Where venue state (balances, orders, positions) and the generated keys persist across restarts. */
  stateDir?: string;
  host?: string;
  /** Open Kalshi markets per instance (default 5,000). */
  kalshiMarkets?: number;
  /** Rate-limit tier of the generated Kalshi keys (default basic: 20 reads and 10 writes per second). */
  kalshiTier?: KalshiTier;
  /** Starting cash on every instance (default $1,000). */
  startingBalanceCents?: number;
}

export interface LoopbackVenues {
  label: 'SIMULATED';
  seed: string;
  config: SimulatedVenueConfig;
  /** Secret entry name -> JSON credential, in the shapes the vault holds (activities/venues/credentials.ts). */
  credentials: Record<string, string>;
  /** Only `domain`'s own venue entries, as the SecretSource its worker gets. */
  secretsFor(domain: Domain): SecretSource;
  /** The token the control API (/_nemo/sim) requires. */
  controlToken: string;
  control: {
    kalshi: { production: KalshiControlClient; demo: KalshiControlClient };
    coinbase: { production: CoinbaseControlClient; demo: CoinbaseControlClient };
  };
  stop(): Promise<void>;
}

interface GeneratedKeys {
  seed: string;
  controlToken: string;
  kalshi: Record<'production' | 'demo' | 'readonly', KalshiKeyPair>;
  coinbase: Record<'production' | 'demo' | 'readonly', CoinbaseKeyPair>;
}

export async function startLoopbackVenues(options: StartVenuesOptions): Promise<LoopbackVenues> {
  const host = options.host ?? '127.0.0.1';
  const keys = loadOrGenerateKeys(options.seed, options.stateDir);
  // State belongs to the seed's markets: another seed starts fresh rather than load positions in markets it lacks.
  const seedTag = createHash('sha256').update(options.seed).digest('hex').slice(0, 12);
  const stateFile = (name: string) =>
    options.stateDir ? path.join(options.stateDir, `${name}-${seedTag}.json`) : undefined;
  const balance = options.startingBalanceCents ?? 100_000;
  const tier = options.kalshiTier ?? 'basic';
  const kalshiKey = (pair: KalshiKeyPair, permission: 'trade' | 'read') => ({
    keyId: pair.keyId,
    publicKeyPem: pair.publicKeyPem,
    accountId: KALSHI_MEMBER_ACCOUNT,
    permission,
    tier,
  });
  const coinbaseKey = (pair: CoinbaseKeyPair, permission: 'trade' | 'read') => ({
    keyName: pair.keyName,
    algorithm: pair.algorithm,
    publicKeyPem: pair.publicKeyPem,
    accountId: COINBASE_MEMBER_ACCOUNT,
    permission,
  });

  const started: (KalshiVenue | CoinbaseVenue)[] = [];
  try {
    // The demo instances list the same markets and prices as production (as Kalshi's demo environment mirrors its
    // events), so a strategy paper-trades the markets it would trade live; keys, balances and orders are separate.
    const kalshiFor = async (instance: 'production' | 'demo', keyList: ReturnType<typeof kalshiKey>[]) => {
      const venue = await startKalshiVenue({
        name: `kalshi-${instance}`,
        seed: `${options.seed}:kalshi`,
        host,
        marketCount: options.kalshiMarkets ?? 5_000,
        controlToken: keys.controlToken,
        keys: keyList,
        startingBalanceCents: balance,
        stateFile: stateFile(`kalshi-${instance}`),
      });
      started.push(venue);
      return venue;
    };
    const coinbaseFor = async (instance: 'production' | 'demo', keyList: ReturnType<typeof coinbaseKey>[]) => {
      const venue = await startCoinbaseVenue({
        name: `coinbase-${instance}`,
        seed: `${options.seed}:coinbase`,
        host,
        controlToken: keys.controlToken,
        keys: keyList,
        startingUsdCents: balance,
        stateFile: stateFile(`coinbase-${instance}`),
      });
      started.push(venue);
      return venue;
    };
    const kalshiProduction = await kalshiFor('production', [
      kalshiKey(keys.kalshi.production, 'trade'),
      kalshiKey(keys.kalshi.readonly, 'read'),
    ]);
    const kalshiDemo = await kalshiFor('demo', [kalshiKey(keys.kalshi.demo, 'trade')]);
    const coinbaseProduction = await coinbaseFor('production', [
      coinbaseKey(keys.coinbase.production, 'trade'),
      coinbaseKey(keys.coinbase.readonly, 'read'),
    ]);
    const coinbaseDemo = await coinbaseFor('demo', [coinbaseKey(keys.coinbase.demo, 'trade')]);

    const credentials: Record<string, string> = {};
    for (const scope of ['production', 'demo', 'readonly'] as const) {
      credentials[VENUE_SECRET_ENTRIES.kalshi[scope]] = JSON.stringify({
        keyId: keys.kalshi[scope].keyId,
        privateKeyPem: keys.kalshi[scope].privateKeyPem,
      });
      credentials[VENUE_SECRET_ENTRIES.coinbase[scope]] = JSON.stringify({
        keyName: keys.coinbase[scope].keyName,
        privateKey: keys.coinbase[scope].privateKey,
      });
    }
    return {
      label: 'SIMULATED',
      seed: options.seed,
      config: {
        NEMO_KALSHI_PRODUCTION_URL: kalshiProduction.apiBaseUrl,
        NEMO_KALSHI_DEMO_URL: kalshiDemo.apiBaseUrl,
        NEMO_COINBASE_PRODUCTION_URL: coinbaseProduction.apiBaseUrl,
        NEMO_COINBASE_DEMO_URL: coinbaseDemo.apiBaseUrl,
      },
      credentials,
      secretsFor: (domain) => venueSecretsFor(domain, credentials),
      controlToken: keys.controlToken,
      control: {
        kalshi: {
          production: new KalshiControlClient(kalshiProduction.server.baseUrl, keys.controlToken),
          demo: new KalshiControlClient(kalshiDemo.server.baseUrl, keys.controlToken),
        },
        coinbase: {
          production: new CoinbaseControlClient(coinbaseProduction.server.baseUrl, keys.controlToken),
          demo: new CoinbaseControlClient(coinbaseDemo.server.baseUrl, keys.controlToken),
        },
      },
      stop: () => stopAll(started),
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

async function stopAll(venues: (KalshiVenue | CoinbaseVenue)[]): Promise<void> {
  await Promise.all(venues.map((v) => v.close()));
}

/** Keys survive a restart with a state dir (0600 file), so running workers keep working against restarted venues. */
function loadOrGenerateKeys(seed: string, stateDir: string | undefined): GeneratedKeys {
  const file = stateDir ? path.join(stateDir, 'simulated-keys.json') : undefined;
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as GeneratedKeys;
    if (saved.seed === seed) return saved;
  }
  const keys: GeneratedKeys = {
    seed,
    controlToken: randomBytes(24).toString('base64url'),
    kalshi: { production: generateKalshiKey(), demo: generateKalshiKey(), readonly: generateKalshiKey() },
    coinbase: {
      production: generateCoinbaseKey('ES256'),
      demo: generateCoinbaseKey('EdDSA'),
      readonly: generateCoinbaseKey('EdDSA'),
    },
  };
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  return keys;
}
