import { readFileSync } from 'node:fs';
import { DOMAIN_PERMISSIONS, type Domain } from '../policies/domains';
import { CHANNEL_SETTINGS, type AlertChannel } from './alerts/alert-channels';
import type { SecretSource } from './secrets';
import { venueSecretsFor } from './vault/venue-keys';

/**
 * What the SIMULATED venues process (simulators/serve-venues.ts) writes about itself and the stack reads back: where
 * the loopback venues and alert channels listen, and the credentials they generated.
 */

/** Environment variables (platform/config.ts) that point the adapters at the loopback venues. */
export interface SimulatedVenueConfig {
  NEMO_KALSHI_PRODUCTION_URL: string;
  NEMO_KALSHI_DEMO_URL: string;
  NEMO_COINBASE_PRODUCTION_URL: string;
  NEMO_COINBASE_DEMO_URL: string;
}

/** Where the loopback operator phone and mailbox listen and what they received. */
export interface LoopbackAlertRoutes {
  channels: AlertChannel[];
  /** Settings that route the control worker's alerts to these servers. */
  config: { NEMO_TWILIO_API_URL?: string; NEMO_OPERATOR_PHONE?: string; NEMO_OPERATOR_EMAIL?: string };
  /** The received messages' files, one per channel started. */
  inbox: Partial<Record<AlertChannel, string>>;
}

export interface VenueDescription {
  label: 'SIMULATED';
  seed: string;
  pid: number;
  startedAt: string;
  /** Environment variables pointing NEMO's adapters at these venues. */
  config: SimulatedVenueConfig;
  /** Control API base URLs (the venue roots; the API lives under /_nemo/sim). */
  control: { kalshiProduction: string; kalshiDemo: string; coinbaseProduction: string; coinbaseDemo: string };
  /** 0600 JSON file: { credentials: { "<entry>": "<json>" }, controlToken }. */
  credentialsFile: string;
  /** The loopback operator phone and mailbox standing in for the alert channels the operator did not configure. */
  alerts: LoopbackAlertRoutes;
}

/** What a supervisor reads back: the description, the generated credentials, and each domain's share of them. */
export function readVenueDescription(file: string): {
  description: VenueDescription;
  credentials: Record<string, string>;
  controlToken: string;
  secretsFor(domain: Domain): SecretSource;
} {
  const description = JSON.parse(readFileSync(file, 'utf8')) as VenueDescription;
  const { credentials, controlToken } = JSON.parse(readFileSync(description.credentialsFile, 'utf8')) as {
    credentials: Record<string, string>;
    controlToken: string;
  };
  return {
    description,
    credentials,
    controlToken,
    secretsFor: (domain) => simulatedSecretsFor(domain, description, credentials),
  };
}

/** A domain's venue keys and, for a domain holding the alerts scope, the loopback alert channels' credentials. */
function simulatedSecretsFor(
  domain: Domain,
  description: VenueDescription,
  credentials: Record<string, string>,
): SecretSource {
  const venue = venueSecretsFor(domain, credentials);
  const alertEntries = DOMAIN_PERMISSIONS[domain].secrets.includes('alerts')
    ? description.alerts.channels
        .map((c) => CHANNEL_SETTINGS[c].entry)
        .filter((entry) => Object.hasOwn(credentials, entry))
    : [];
  return {
    get: (entry) => venue.get(entry) ?? ((alertEntries as string[]).includes(entry) ? credentials[entry] : undefined),
    names: () => [...venue.names(), ...alertEntries],
  };
}
