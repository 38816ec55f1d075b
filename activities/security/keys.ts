import type pg from 'pg';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import type { VaultEntryName } from '../../platform/vault/entries';
import type { RevocationResult } from '../../platform/vault/vault';
import type { VaultKeeper } from '../../platform/vault/vault-keeper';

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
  config: Pick<NemoConfig, 'NEMO_KEY_MAX_AGE_DAYS'>;
  ledgerPool: pg.Pool;
  vault: VaultKeeper;
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
      const entries = await deps.vault.list();
      const maxAgeDays = deps.config.NEMO_KEY_MAX_AGE_DAYS;
      const keys = (entries ?? [])
        // The ledger's MAC key is not an API key: replacing it would orphan the chain it signs.
        .filter((e) => !e.revokedAt && e.scope !== 'ledger')
        .map((e) => ({
          name: e.name,
          scope: e.scope,
          lastRotatedAt: e.lastRotatedAt,
          ageDays: e.ageDays,
          stale: e.ageDays > maxAgeDays,
        }));
      return { checkedAt: now.toISOString(), vault: entries ? 'present' : 'absent', maxAgeDays, keys };
    },

    /**
     * Capability keys.revoke (seed Incident Response: "Revoke all API keys"): revokes the named venue keys, or every
     * live one, at once in the vault and at the venue where it can; each result is a ledger entry.
     */
    async revokeVenueKeys(request: { reason: string; entries?: VaultEntryName[] }): Promise<RevocationResult[]> {
      const entries = await deps.vault.list();
      if (!entries) return [];
      const targets =
        request.entries ??
        entries
          .filter((e) => isVenueKey(e.name) && (!e.revokedAt || e.venueRevocation?.status === 'failed'))
          .map((e) => e.name);
      const results: RevocationResult[] = [];
      for (const name of targets) {
        const result = await deps.vault.revoke(name, request.reason);
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
