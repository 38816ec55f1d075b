import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

import type { NemoConfig } from './config';

/** The address NEMO's processes use: TEMPORAL_ADDRESS if set, else the dev server NEMO runs. */
export function temporalAddress(config: NemoConfig): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
}

export async function connectClient(target: TemporalTarget, connectTimeoutMs = 10_000): Promise<Client> {
  const connection = await Connection.connect({ address: target.address, connectTimeout: connectTimeoutMs });
  return new Client({ connection, namespace: target.namespace });
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address });
}
