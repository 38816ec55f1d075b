import path from 'node:path';
import type { Domain } from '../policies/domains';
import { readWhileWriterLives } from './live-process-file';
import type { NemoHome } from './nemo-home';

/** What `nemo up` writes about the running stack (NEMO_HOME/run/stack.json) for the commands of other terminals. */
export interface StackDescription {
  pid: number;
  startedAt: string;
  temporalAddress: string;
  namespace: string;
  webUi?: string;
  database: string;
  ownsTemporalServer: boolean;
  /** The Temporal server process NEMO started (crash drills kill it; `nemo up` does not restart it). */
  temporalServerPid?: number;
  workers: Domain[];
  /** SIMULATED: the loopback venues (no venue keys in the vault); real: Kalshi and Coinbase. */
  venues: 'SIMULATED' | 'real';
  codecEndpoint?: string;
}

export function stackFile(home: NemoHome): string {
  return path.join(home.run, 'stack.json');
}

export function readStackDescription(home: NemoHome): StackDescription | undefined {
  return readWhileWriterLives<StackDescription>(stackFile(home));
}
