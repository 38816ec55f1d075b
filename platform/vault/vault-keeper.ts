import type { NemoConfig } from '../config';
import type { VaultEntryName } from './entries';
import { openVault, type RevocationResult, type VaultEntryInfo, type VenueKeyRevoker } from './vault';

/**
 * The vault operations the control domain needs besides its own entries: the entries' ages (metadata, nothing
 * decrypted) and incident revocation. Under `nemo up` a worker never opens the vault: its keeper asks the
 * supervisor's custodian (platform/vault/secret-handover.ts), which runs these same functions.
 */
export interface VaultKeeper {
  /** Every entry's metadata, never a value; undefined when there is no vault (SIMULATED mode). */
  list(): Promise<VaultEntryInfo[] | undefined>;
  revoke(name: VaultEntryName, reason: string): Promise<RevocationResult>;
}

export function localVaultKeeper(
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>,
  revoker: VenueKeyRevoker,
  env: NodeJS.ProcessEnv = process.env,
): VaultKeeper {
  return {
    list: async () => openVault(config, env)?.list(),
    async revoke(name, reason) {
      const vault = openVault(config, env);
      if (!vault) throw new Error(`there is no vault: ${name} cannot be revoked`);
      return vault.revoke(name, reason, revoker);
    },
  };
}
