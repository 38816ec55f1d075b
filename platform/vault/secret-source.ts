import type { NemoConfig } from '../config';
import type { SecretSource } from '../secrets';
import { ledgerKeyFileSource } from '../ledger-key';
import { nemoHome } from '../nemo-home';
import { DOMAIN_PERMISSIONS, type Domain } from '../../policies/domains';
import { entrySpec, type VaultEntryName } from './entries';
import { openVault, type Vault } from './vault';
import { registerSecret } from '../secret-scrubber';
import { readVenueDescription } from '../venue-description';

/** A worker asked for an entry outside its domain's scopes (policies/domains/). */
export class SecretScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretScopeError';
  }
}

/** Throws SecretScopeError, naming the rule, when `entry`'s scope is not one of `domain`'s (policies/domains/). */
export function assertInScope(domain: Domain, entry: string): void {
  const { scope } = entrySpec(entry);
  if (!DOMAIN_PERMISSIONS[domain].secrets.includes(scope)) {
    throw new SecretScopeError(
      `the ${domain} domain may not load vault entry ${entry} (scope ${scope}; its scopes: ${DOMAIN_PERMISSIONS[domain].secrets.join(', ') || 'none'})`,
    );
  }
}

/**
 * A domain's view of the vault: only the entries whose scope the domain holds, each registered with the log
 * scrubber as it loads. The vault file is re-read whenever it changes, so a revocation or a rotated credential
 * takes effect in running workers at their next `get`.
 */
export class VaultSecretSource implements SecretSource {
  private stamp = '';
  private values = new Map<VaultEntryName, string>();

  constructor(
    private readonly vault: Vault,
    readonly domain: Domain,
  ) {
    this.refresh();
  }

  private refresh(): void {
    const stamp = this.vault.stamp();
    if (stamp === this.stamp) return;
    this.values = this.vault.revealScopes(DOMAIN_PERMISSIONS[this.domain].secrets);
    this.stamp = stamp;
  }

  get(entry: string): string | undefined {
    assertInScope(this.domain, entry);
    this.refresh();
    return this.values.get(entry as VaultEntryName);
  }

  names(): string[] {
    this.refresh();
    return [...this.values.keys()];
  }
}

/**
 * The credentials a domain's worker gets: its scoped vault view and, in SIMULATED mode (NEMO_SIMULATED_VENUES names
 * the loopback venues' description), its domain's share of the keys those venues generated, registered with the log
 * scrubber like any secret. SIMULATED mode means the vault holds no venue key, so the two never name the same entry:
 * venue entries come from the simulation, everything else (LLM, alerts) from the vault.
 */
export function loadDomainSecrets(
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>,
  domain: Domain,
  env: NodeJS.ProcessEnv = process.env,
): SecretSource {
  const vault = openVault(config, env);
  // The ledger key from its SIMULATED-mode file until `nemo up` moves it into a vault (platform/ledger-key.ts).
  const keyFile = ledgerKeyFileSource(nemoHome(config.NEMO_HOME));
  const vaulted = vault ? new VaultSecretSource(vault, domain) : undefined;
  const stored: SecretSource = {
    get: (entry) => keyFile.get(entry) ?? vaulted?.get(entry),
    names: () => [...new Set([...keyFile.names(), ...(vaulted?.names() ?? [])])],
  };
  if (!env.NEMO_SIMULATED_VENUES) return stored;
  const simulated = readVenueDescription(env.NEMO_SIMULATED_VENUES).secretsFor(domain);
  const simulatedNames = simulated.names();
  for (const name of simulatedNames) registerSecret(simulated.get(name));
  return {
    get: (entry) => (simulatedNames.includes(entry) ? simulated.get(entry) : stored.get(entry)),
    names: () => [...simulatedNames, ...stored.names()],
  };
}
