import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { until } from './until';

/** The `nemo` command as an operator runs it: `node --import tsx cli/nemo.ts ...` from the checkout. */
export const ROOT = path.resolve(__dirname, '..', '..');
export const NEMO = path.join(ROOT, 'cli', 'nemo.ts');

/** The test process's environment for a `nemo up` of its own: the test stack's Temporal server is not passed on. */
export function nemoEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { TEMPORAL_ADDRESS: _a, TEMPORAL_NAMESPACE: _n, NEMO_WORKFLOW_BUNDLE_DIR: _b, ...env } = process.env;
  return { ...env, ...extra };
}

/**
 * `nemo up` as a process of the test, once it has said "NEMO ready"; its output goes to `onOutput` as it comes. Fails
 * with that output when the process exits before it is ready.
 */
export async function startNemoUp(
  env: NodeJS.ProcessEnv,
  onOutput: (text: string) => void,
  readyWithinMs = 180_000,
): Promise<ChildProcess> {
  const up = spawn(process.execPath, ['--import', 'tsx', NEMO, 'up'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (c: Buffer) => {
    output += c.toString();
    onOutput(c.toString());
  };
  up.stdout!.on('data', take);
  up.stderr!.on('data', take);
  await until(
    () => (/NEMO ready/.test(output) ? true : up.exitCode !== null ? assert.fail(output) : undefined),
    '"NEMO ready"',
    readyWithinMs,
  );
  return up;
}
