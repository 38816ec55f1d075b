import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { NemoConfig } from '../config';
import { codecKeysOf } from '../temporal/payload-codec';
import type { ProcessSpec } from '../supervisor';
import { DOMAIN_PERMISSIONS, type Domain } from '../../policies/domains';
import { keyFileOf, readMasterKeyring } from './master-key';
import { secretsMessage, type VaultReply, type VaultRequest } from './secret-handover';
import { loadDomainSecrets } from './secret-source';
import { localVaultKeeper } from './vault-keeper';
import { vaultFileOf, type VenueKeyRevoker } from './vault';

/**
 * The supervisor's side of "secrets handed, not held" (issue 18 A): the one process that opens the vault. It builds
 * each worker's hand-over (its domain's entries, generically by scope, and the payload codec's derived keys), notices
 * when the vault or the master key changes, and does the control domain's vault operations on its behalf.
 */
export class SecretCustodian {
  constructor(
    private readonly config: Pick<NemoConfig, 'NEMO_HOME' | 'NEMO_VAULT_KEY_FILE'>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly revoker: VenueKeyRevoker,
  ) {}

  /** The hand-over line for one domain's worker, read fresh from the vault and the key file. */
  handoverFor(domain: Domain): string {
    const entries = loadDomainSecrets(this.config, domain, this.env);
    const ring = readMasterKeyring({ env: this.env, keyFile: keyFileOf(this.config) });
    return `${JSON.stringify(secretsMessage(domain, entries, codecKeysOf(ring)))}\n`;
  }

  /** How the supervisor starts one domain's worker: handed its secrets, inside `sandbox` when there is one. */
  workerIsolation(domain: Domain, sandbox?: string[]): Pick<ProcessSpec, 'secrets' | 'sandbox'> {
    return {
      secrets: {
        handover: () => this.handoverFor(domain),
        answer: async (line) => `${JSON.stringify(await this.answer(domain, JSON.parse(line) as VaultRequest))}\n`,
      },
      ...(sandbox ? { sandbox } : {}),
    };
  }

  /** Changes whenever what any worker was handed may have changed (an entry added, rotated or revoked; a new master key). */
  fingerprint(): string {
    const stamp = (file: string) => {
      const stat = statSync(file, { throwIfNoEntry: false });
      return stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : 'absent';
    };
    const envKey = createHash('sha256')
      .update(this.env.NEMO_VAULT_KEY ?? '')
      .digest('hex');
    return [stamp(vaultFileOf(this.config)), stamp(keyFileOf(this.config)), envKey].join('|');
  }

  /** Calls `onChange` after each change of the fingerprint; returns the stop function. */
  watch(onChange: () => void, everyMs = 1000): () => void {
    let last = this.fingerprint();
    const timer = setInterval(() => {
      const now = this.fingerprint();
      if (now === last) return;
      last = now;
      onChange();
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** A worker's vault request: only a domain holding `keys.revoke` (control) may list or revoke entries. */
  async answer(domain: Domain, request: VaultRequest): Promise<VaultReply> {
    if (!DOMAIN_PERMISSIONS[domain].may.includes('keys.revoke')) {
      return {
        kind: 'vault-reply',
        id: request.id,
        ok: false,
        error: `the ${domain} domain may not ask the supervisor for vault operations (capability keys.revoke)`,
      };
    }
    const keeper = localVaultKeeper(this.config, this.revoker, this.env);
    try {
      const result =
        request.op === 'list'
          ? ((await keeper.list()) ?? null)
          : await keeper.revoke(request.name as never, request.reason);
      return { kind: 'vault-reply', id: request.id, ok: true, result };
    } catch (err) {
      return { kind: 'vault-reply', id: request.id, ok: false, error: (err as Error).message };
    }
  }
}
