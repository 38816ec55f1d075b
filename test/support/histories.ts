import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Domain } from '../../policies/domains';

/**
 * Replay safety from day one: workflow tests save a real history of each workflow type they run as a fixture
 * (once; NEMO_UPDATE_HISTORIES=1 refreshes), and test/platform/replay.test.ts replays every fixture against the
 * current code, so a change that breaks determinism for running workflows fails CI.
 */
export const HISTORIES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');

export interface HistoryFixture {
  workflowType: string;
  domain: Domain;
  workflowId: string;
  savedAt: string;
  /** The history in protobuf binary form, base64. Binary, because the SDK's JSON helper and the client can hold
   * different copies of protobufjs (npm nests one per package when ccxt pins another major at the top level). */
  history: string;
  events: number;
}

type History = temporal.api.history.v1.History;
const { History } = temporal.api.history.v1;

export function decodeHistory(fixture: HistoryFixture): History {
  return History.decode(Buffer.from(fixture.history, 'base64'));
}

export async function saveHistoryFixture(
  client: Client,
  workflowId: string,
  domain: Domain,
  variant = '',
): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const { type } = await handle.describe();
  const file = path.join(HISTORIES_DIR, `${type}${variant ? `.${variant}` : ''}.json`);
  if (existsSync(file) && process.env.NEMO_UPDATE_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const fixture: HistoryFixture = {
    workflowType: type,
    domain,
    workflowId,
    savedAt: new Date().toISOString(),
    history: Buffer.from(History.encode(history as History).finish()).toString('base64'),
    events: history.events?.length ?? 0,
  };
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(fixture, null, 1)}\n`);
}

export function loadHistoryFixtures(): (HistoryFixture & { file: string })[] {
  if (!existsSync(HISTORIES_DIR)) return [];
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ ...(JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8')) as HistoryFixture), file: f }));
}
