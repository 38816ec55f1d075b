import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Domain } from '../policies/domains';
import type { NemoHome } from './nemo-home';

/**
 * `nemo worker restart DOMAIN` asks the running `nemo up` (which owns the supervisors) through a request file in
 * NEMO_HOME/run, the same way releases are asked to start and stop (deployment-state.json): the stack reads the
 * folder every second, restarts the domain's worker with its restart count reset, and removes the request.
 */
export interface WorkerRestartRequest {
  domain: Domain;
  reason: string;
  by: string;
  requestedAt: string;
}

const folder = (home: NemoHome) => path.join(home.run, 'worker-restarts');

export function requestWorkerRestart(home: NemoHome, request: WorkerRestartRequest): void {
  mkdirSync(folder(home), { recursive: true });
  const file = path.join(folder(home), `${request.domain}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(request)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The pending requests, each removed as it is taken. */
export function takeWorkerRestartRequests(home: NemoHome): WorkerRestartRequest[] {
  if (!existsSync(folder(home))) return [];
  return readdirSync(folder(home))
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const file = path.join(folder(home), f);
      const request = JSON.parse(readFileSync(file, 'utf8')) as WorkerRestartRequest;
      rmSync(file, { force: true });
      return request;
    });
}
