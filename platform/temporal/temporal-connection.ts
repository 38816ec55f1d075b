import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';

import type { NemoConfig } from '../config';
import { payloadCodecFor } from './payload-codec';

/** The address NEMO's processes use: TEMPORAL_ADDRESS if set, else the dev server NEMO runs. */
export function temporalAddress(config: NemoConfig): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Encrypts payloads (platform/temporal/payload-codec.ts `payloadCodecFor`); absent in SIMULATED mode. */
  payloadCodec?: PayloadCodec;
  /** Client authentication (mTLS or an API key) for a cluster that wants it, e.g. Temporal Cloud. */
  auth?: { tls?: ConnectionOptions['tls']; apiKey?: string };
}

type AuthSettings = Pick<
  NemoConfig,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_API_KEY_FILE'
>;

/**
 * What is wrong with the settings for a cluster that authenticates clients (empty: nothing). Temporal Cloud
 * (`*.tmprl.cloud`) needs a namespace `<name>.<account>` and exactly one of mTLS (a certificate and its key) or an
 * API key; a key or API key file others can read is refused like the vault's key file.
 */
export function temporalAuthProblems(config: AuthSettings): string[] {
  const problems: string[] = [];
  const cloud = /\.tmprl\.cloud:\d+$/.test(config.TEMPORAL_ADDRESS ?? '');
  const mtls = Boolean(config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_KEY);
  if (cloud && !/^[\w-]+\.[\w-]+$/.test(config.TEMPORAL_NAMESPACE)) {
    problems.push(
      `TEMPORAL_NAMESPACE=${config.TEMPORAL_NAMESPACE}: Temporal Cloud namespaces are <namespace>.<account-id>`,
    );
  }
  if (cloud && !mtls && !config.TEMPORAL_API_KEY_FILE)
    problems.push('Temporal Cloud needs TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or TEMPORAL_API_KEY_FILE');
  if (mtls && config.TEMPORAL_API_KEY_FILE)
    problems.push('set either mTLS (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY) or TEMPORAL_API_KEY_FILE, not both');
  if ((mtls || config.TEMPORAL_API_KEY_FILE) && !config.TEMPORAL_ADDRESS)
    problems.push("client authentication is set but TEMPORAL_ADDRESS is not (NEMO's own server takes none)");
  const read = (name: string, file: string, secret: boolean): string | undefined => {
    try {
      if (secret && (statSync(file).mode & 0o077) !== 0) {
        problems.push(`${name}=${file} can be read by others; chmod 600 it`);
        return undefined;
      }
      return readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${name}=${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  };
  if (mtls) {
    if (!config.TEMPORAL_TLS_CERT || !config.TEMPORAL_TLS_KEY)
      problems.push('mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY');
    const cert = config.TEMPORAL_TLS_CERT && read('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT, false);
    const key = config.TEMPORAL_TLS_KEY && read('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY, true);
    if (cert && key) {
      try {
        if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)))
          problems.push('TEMPORAL_TLS_KEY is not the key of TEMPORAL_TLS_CERT');
      } catch (err) {
        problems.push(
          `TEMPORAL_TLS_CERT or TEMPORAL_TLS_KEY is not a PEM certificate and key: ${(err as Error).message}`,
        );
      }
    }
  }
  if (config.TEMPORAL_API_KEY_FILE) {
    const apiKey = read('TEMPORAL_API_KEY_FILE', config.TEMPORAL_API_KEY_FILE, true);
    if (apiKey !== undefined && !apiKey.trim())
      problems.push(`TEMPORAL_API_KEY_FILE=${config.TEMPORAL_API_KEY_FILE} is empty`);
  }
  return problems;
}

/** The connection's authentication from validated settings (none for a server that takes none). */
export function temporalAuth(config: AuthSettings): TemporalTarget['auth'] {
  const problems = temporalAuthProblems(config);
  if (problems.length) throw new Error(`Temporal client authentication settings: ${problems.join('; ')}`);
  if (config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY) {
    return {
      tls: {
        clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) },
      },
    };
  }
  if (config.TEMPORAL_API_KEY_FILE)
    return { tls: true, apiKey: readFileSync(config.TEMPORAL_API_KEY_FILE, 'utf8').trim() };
  return undefined;
}

/** NEMO's own server and namespace, with payload encryption whenever a vault master key exists. */
export function nemoTemporalTarget(
  config: NemoConfig,
  env: NodeJS.ProcessEnv = process.env,
  payloadCodec = payloadCodecFor(config, env),
): TemporalTarget {
  return {
    address: temporalAddress(config),
    namespace: config.TEMPORAL_NAMESPACE,
    payloadCodec,
    auth: temporalAuth(config),
  };
}

export async function connectClient(target: TemporalTarget, connectTimeoutMs = 10_000): Promise<Client> {
  const connection = await Connection.connect({
    address: target.address,
    connectTimeout: connectTimeoutMs,
    ...target.auth,
  });
  const dataConverter = target.payloadCodec ? { payloadCodecs: [target.payloadCodec] } : undefined;
  return new Client({ connection, namespace: target.namespace, dataConverter });
}
