import axios, { isAxiosError } from 'axios';
import { ApiKeysApi, Configuration } from 'kalshi-typescript';
import type { NemoConfig } from '../../platform/config';
import type { VaultEntryName } from '../../platform/vault/entries';
import type { VenueKeyRevoker } from '../../platform/vault/vault';

/** Which Kalshi endpoint issued an entry's key: demo keys live on the demo exchange, the others on production. */
export function kalshiBaseUrlFor(config: Pick<NemoConfig, 'NEMO_KALSHI_PRODUCTION_URL' | 'NEMO_KALSHI_DEMO_URL'>) {
  return (entry: VaultEntryName): string =>
    entry === 'kalshi.demo' ? config.NEMO_KALSHI_DEMO_URL : config.NEMO_KALSHI_PRODUCTION_URL;
}

/**
 * Deletes a Kalshi API key at the venue (`DELETE /api_keys/{id}`, permanent), signed with that same key through the
 * official SDK. A fresh axios instance each time: the SDK otherwise installs its signing interceptor on the
 * process-global axios, and that key would then sign every other request in the process.
 */
export function createKalshiKeyRevoker(baseUrlFor: (entry: VaultEntryName) => string): VenueKeyRevoker {
  return {
    async revokeKalshiKey(entry, credential) {
      const basePath = baseUrlFor(entry).replace(/\/+$/, '');
      const api = new ApiKeysApi(
        new Configuration({ apiKey: credential.keyId, privateKeyPem: credential.privateKeyPem, basePath }),
        basePath,
        axios.create({ timeout: 15_000 }),
      );
      try {
        await api.deleteApiKey(credential.keyId);
      } catch (err) {
        if (!isAxiosError(err)) throw err;
        // Already gone at the venue: the goal (the key no longer works) holds.
        if (err.response?.status === 404) return;
        const detail = (err.response?.data as { error?: { message?: string } } | undefined)?.error?.message;
        // No `cause`: an axios error carries the signed request's headers, which must stay out of logs.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          `Kalshi did not delete API key ${credential.keyId} at ${basePath}: ${err.response ? `HTTP ${err.response.status}${detail ? ` ${detail}` : ''}` : err.message}`,
        );
      }
    },
  };
}
