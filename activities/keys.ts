import type pg from 'pg';
import { SYSTEM_ACCOUNT } from '../ledger/entry';
import { appendEntry } from '../ledger/ledger-store';
import type { NemoConfig } from '../platform/config';
import type { VaultEntryName } from '../platform/vault/entries';
import { openVault, type RevocationResult, type VenueKeyRevoker } from '../platform/vault/vault';

export interface KeyAge {
  name: VaultEntryName;
  scope: string;
  lastRotatedAt: string;
  ageDays: number;
  /** Older than NEMO_KEY_MAX_AGE_DAYS (seed: rotate every 90 days). */
  stale: boolean;
}

export interface KeyAgeReport {
  checkedAt: string;
  /** `absent`: SIMULATED mode, there are no credentials to age. */
  vault: 'present' | 'absent';
  maxAgeDays: number;
  keys: KeyAge[];
}

export interface KeyActivityDeps {
  config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE' | 'NEMO_KEY_MAX_AGE_DAYS'>;
  ledgerPool: pg.Pool;
  revoker: VenueKeyRevoker;
}

const isVenueKey = (name: string) => name.startsWith('kalshi.') || name.startsWith('coinbase.');

/**
 * The vault as the control domain manages it: ages of the live entries (metadata only, nothing decrypted) and,
 * for incident response, revocation of venue keys. Revocation is the one act that touches another domain's entry:
 * the vault decrypts a Kalshi key only to sign its own deletion at the venue, and the value never leaves the vault.
 */
export function createKeyActivities(deps: KeyActivityDeps) {
  return {
    /** Capability health.probe (seed daily audit: "Confirm API key health"). */
    async checkKeyAges(): Promise<KeyAgeReport> {
      const now = new Date();
      const vault = openVault(deps.config);
      const maxAgeDays = deps.config.NEMO_KEY_MAX_AGE_DAYS;
      const keys = (vault?.list(now) ?? [])
        // The ledger's MAC key is not an API key: replacing it would orphan the chain it signs.
        .filter((e) => !e.revokedAt && e.scope !== 'ledger')
        .map((e) => ({ name: e.name, scope: e.scope, lastRotatedAt: e.lastRotatedAt, ageDays: e.ageDays, stale: e.ageDays > maxAgeDays }));
      return { checkedAt: now.toISOString(), vault: vault ? 'present' : 'absent', maxAgeDays, keys };
    },

    /**
     * Capability keys.revoke (seed Incident Response: "Revoke all API keys"): revokes the named venue keys, or every
     * live one, at once in the vault and at the venue where it can; each result is a ledger entry.
     */
    async revokeVenueKeys(request: { reason: string; entries?: VaultEntryName[] }): Promise<RevocationResult[]> {
      const vault = openVault(deps.config);
      if (!vault) return [];
      const targets = request.entries ?? vault.list().filter((e) => isVenueKey(e.name) && (!e.revokedAt || e.venueRevocation?.status === 'failed')).map((e) => e.name);
      const results: RevocationResult[] = [];
      for (const name of targets) {
        const result = await vault.revoke(name, request.reason, deps.revoker);
        await appendEntry(deps.ledgerPool, {
          kind: 'keys.revoked',
          domain: 'control',
          account: SYSTEM_ACCOUNT,
          payload: { ...result, venueError: result.venueError ?? null, reason: request.reason },
          idempotencyKey: `keys-revoked:${name}:${result.revokedAt}:${result.venue}`,
        });
        results.push(result);
      }
      return results;
    },
  };
}

export type KeyActivities = ReturnType<typeof createKeyActivities>;
