import { chmodSync, existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NemoHome } from '../../platform/nemo-home';
import { nemoCacheDir } from '../../platform/temporal/go-build';
import type { CandidateSandbox } from '../../platform/sandbox';
import { SYSTEM_COMMANDS } from '../../policies/upgrade-rules';
import type { CandidatePaths } from './paths';

/**
 * The environment a candidate's tests, backtests and installs run in: built from an allowlist, so nothing of the
 * running NEMO reaches code that has not been approved yet (no vault key, no ledger DATABASE_URL, no venue or LLM
 * keys, no TEMPORAL_ADDRESS of the live server). NEMO_HOME and TMPDIR point into the candidate's own area, and PATH
 * starts with a guard directory whose system package managers refuse to run.
 */

// Variables that locate tools and never carry credentials.
const PASSED_THROUGH = [
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TERM',
  'SHELL',
  'NEMO_CACHE_DIR',
  'XDG_CACHE_HOME',
  'TEMPORAL_CLI',
  'npm_config_cache',
];

export interface CandidateEnvOptions {
  /** A PostgreSQL server the candidate's tests may create databases on (never the ledger's URL). */
  testDatabaseUrl?: string;
  /**
   * In the sandbox, HOME is the candidate's scratch home (the real one is read-only there); the temporal CLI is
   * still found where it was built.
   */
  sandboxed?: boolean;
}

export function candidateEnv(
  paths: CandidatePaths,
  options: CandidateEnvOptions = {},
  parent: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  for (const dir of [paths.home, paths.tmp]) mkdirSync(dir, { recursive: true });
  writeGuardBin(paths.guardBin);
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_THROUGH) if (parent[name] !== undefined) env[name] = parent[name];
  env.PATH = [paths.guardBin, parent.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(path.delimiter);
  env.NEMO_HOME = paths.home;
  env.TMPDIR = paths.tmp;
  env.CI = '1';
  env.npm_config_update_notifier = 'false';
  // npm reads packages from the user's cache (offline installs) but writes its logs into the candidate's area.
  env.npm_config_logs_dir = paths.tmp;
  if (options.testDatabaseUrl) env.DATABASE_URL = options.testDatabaseUrl;
  if (options.sandboxed) {
    env.NEMO_CACHE_DIR = nemoCacheDir(parent);
    env.HOME = paths.home;
  }
  return env;
}

/** Processes and threads a candidate may run at once: its suite, its PostgreSQL and its Temporal dev server fit. */
export const CANDIDATE_MAX_PROCESSES = 1024;

/**
 * The sandbox a candidate's code runs in (issue 18 B): it writes only its own area (worktree, scratch NEMO_HOME,
 * TMPDIR); NEMO_HOME itself and the vault key file are not there; the packages it was given are read-only, wherever
 * they live (the running build's, or a private copy made of hard links to them).
 */
export function candidateSandbox(
  paths: CandidatePaths,
  home: NemoHome,
  hidden: readonly string[],
  label: string,
): CandidateSandbox {
  const packages = path.join(paths.worktree, 'node_modules');
  return {
    cwd: paths.worktree,
    writable: [paths.root],
    hidden: [home.root, ...hidden],
    readOnly: existsSync(packages) ? [realpathSync(packages)] : [],
    maxProcesses: CANDIDATE_MAX_PROCESSES,
    label,
  };
}

function writeGuardBin(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const command of SYSTEM_COMMANDS) {
    const file = path.join(dir, command);
    writeFileSync(
      file,
      `#!/bin/sh\necho "nemo upgrade: '${command}' refused: upgrade candidates never run system package managers or change privileges" >&2\nexit 126\n`,
    );
    chmodSync(file, 0o755);
  }
}
