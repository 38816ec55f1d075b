import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';

import type { NemoConfig } from './config';
import { payloadCodecFor } from './payload-codec';

/** The address NEMO's processes use: TEMPORAL_ADDRESS if set, else the dev server NEMO runs. */
export function temporalAddress(config: NemoConfig): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Encrypts payloads (platform/payload-codec.ts `payloadCodecFor`); absent in SIMULATED mode. */
  payloadCodec?: PayloadCodec;
}

/** NEMO's own server and namespace, with payload encryption whenever a vault master key exists. */
export function nemoTemporalTarget(config: NemoConfig, env: NodeJS.ProcessEnv = process.env, payloadCodec = payloadCodecFor(config, env)): TemporalTarget {
  return { address: temporalAddress(config), namespace: config.TEMPORAL_NAMESPACE, payloadCodec };
}

export async function connectClient(target: TemporalTarget, connectTimeoutMs = 10_000): Promise<Client> {
  const connection = await Connection.connect({ address: target.address, connectTimeout: connectTimeoutMs });
  const dataConverter = target.payloadCodec ? { payloadCodecs: [target.payloadCodec] } : undefined;
  return new Client({ connection, namespace: target.namespace, dataConverter });
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address });
}
