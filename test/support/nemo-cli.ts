import path from 'node:path';

/** The `nemo` command as an operator runs it: `node --import tsx cli/nemo.ts ...` from the checkout. */
export const ROOT = path.resolve(__dirname, '..', '..');
export const NEMO = path.join(ROOT, 'cli', 'nemo.ts');

/** The test process's environment for a `nemo up` of its own: the test stack's Temporal server is not passed on. */
export function nemoEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { TEMPORAL_ADDRESS: _a, TEMPORAL_NAMESPACE: _n, NEMO_WORKFLOW_BUNDLE_DIR: _b, ...env } = process.env;
  return { ...env, ...extra };
}
