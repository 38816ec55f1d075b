import type { NemoConfig } from '../../../platform/config';
import type { SecretSource } from '../../../platform/secrets';

/**
 * Which LLM answers which analyst task, and with which credential. Both providers are reached through
 * @anthropic-ai/sdk: Kimi (Moonshot) serves an Anthropic-compatible API at its own base URL. A vault entry
 * (`anthropic`, `kimi`) holds either the plain key or JSON {"apiKey", "baseURL"?, "model"?}.
 */
export type Provider = 'anthropic' | 'kimi';
export type AnalystTask = 'estimate' | 'estimate-cheap' | 'screen';

export const KIMI_BASE_URL = 'https://api.moonshot.ai/anthropic';

export interface LlmEndpoint {
  provider: Provider;
  model: string;
  apiKey: string;
  /** Undefined for Anthropic's own API (the SDK's default). */
  baseURL?: string;
}

export class LlmCredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmCredentialError';
  }
}

function credential(
  secrets: SecretSource,
  provider: Provider,
): { apiKey: string; baseURL?: string; model?: string } | undefined {
  const raw = secrets.get(provider)?.trim();
  if (!raw) return undefined;
  if (!raw.startsWith('{')) return { apiKey: raw };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new LlmCredentialError(
      `vault entry ${provider}: not valid JSON (expected {"apiKey": "...", "baseURL"?: "...", "model"?: "..."} or a plain key)`,
    );
  }
  const { apiKey, baseURL, model } = parsed as Record<string, unknown>;
  if (typeof apiKey !== 'string' || apiKey === '')
    throw new LlmCredentialError(`vault entry ${provider}: "apiKey" must be a non-empty string`);
  if (baseURL !== undefined && (typeof baseURL !== 'string' || !/^https?:\/\//.test(baseURL))) {
    throw new LlmCredentialError(`vault entry ${provider}: "baseURL" must be an http(s) URL`);
  }
  if (model !== undefined && typeof model !== 'string')
    throw new LlmCredentialError(`vault entry ${provider}: "model" must be a string`);
  return { apiKey, baseURL, model };
}

const TASK_SETTING: Readonly<Record<AnalystTask, keyof NemoConfig>> = {
  estimate: 'NEMO_LLM_MODEL_ESTIMATE',
  'estimate-cheap': 'NEMO_LLM_MODEL_ESTIMATE_CHEAP',
  screen: 'NEMO_LLM_MODEL_SCREEN',
};

/**
 * The endpoint configured for a task, or undefined when its provider has no key (NEMO then uses the built-in
 * statistical analyst for estimates, and quarantines what it cannot review). A model named in the vault entry
 * overrides the configured one (e.g. a different Kimi release).
 */
export function endpointFor(task: AnalystTask, config: NemoConfig, secrets: SecretSource): LlmEndpoint | undefined {
  const [provider, configuredModel] = (config[TASK_SETTING[task]] as string).split(':') as [Provider, string];
  const cred = credential(secrets, provider);
  if (!cred) return undefined;
  return {
    provider,
    model: cred.model ?? configuredModel,
    apiKey: cred.apiKey,
    baseURL: cred.baseURL ?? (provider === 'kimi' ? KIMI_BASE_URL : undefined),
  };
}
