import type { Venue } from '../../policies/orders';
import { DOMAIN_PERMISSIONS, type Domain } from '../../policies/domains';
import type { SecretSource } from '../secrets';

/**
 * Which keys and which venue instance each domain's ports use. Secrets are entries of the domain's SecretSource,
 * JSON strings: `kalshi.<scope>` = {"keyId","privateKeyPem"}, `coinbase.<scope>` = {"keyName","privateKey"} (an EC
 * PEM or a base64 Ed25519 secret). Paper uses demo keys on the demo venues; live uses production keys on
 * production; research and control use read-only keys on production (or none: market data is public).
 */
export type VenueKeyScope = 'production' | 'demo' | 'readonly';

export const VENUE_SECRET_ENTRIES: Readonly<Record<Venue, Readonly<Record<VenueKeyScope, string>>>> = {
  kalshi: { production: 'kalshi.production', demo: 'kalshi.demo', readonly: 'kalshi.readonly' },
  coinbase: { production: 'coinbase.production', demo: 'coinbase.demo', readonly: 'coinbase.readonly' },
};

/** The kind of key and venue instance a domain trades or reads with; undefined for a domain with no venue access. */
export function keyScopeOf(domain: Domain): VenueKeyScope | undefined {
  const scopes = DOMAIN_PERMISSIONS[domain].secrets;
  if (scopes.includes('venue.production')) return 'production';
  if (scopes.includes('venue.demo')) return 'demo';
  if (scopes.includes('venue.readonly')) return 'readonly';
  return undefined;
}

/**
 * A domain's share of a set of venue credentials (entry name -> JSON), holding only the entries of the domain's own
 * key scope: what a vault hands a worker. Used for the SIMULATED venues' generated keys.
 */
export function venueSecretsFor(domain: Domain, credentials: Readonly<Record<string, string>>): SecretSource {
  const scope = keyScopeOf(domain);
  const allowed = scope ? Object.values(VENUE_SECRET_ENTRIES).map((entries) => entries[scope]) : [];
  const held = Object.fromEntries(
    allowed.filter((entry) => Object.hasOwn(credentials, entry)).map((entry) => [entry, credentials[entry]!]),
  );
  return { get: (entry) => (Object.hasOwn(held, entry) ? held[entry] : undefined), names: () => Object.keys(held) };
}
