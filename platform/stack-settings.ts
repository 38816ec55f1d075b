import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_NEMO_HOME } from './config';
import { readWhileWriterLives } from './live-process-file';
import { nemoHome } from './nemo-home';

/**
 * What another terminal needs to reach the running stack (the private PostgreSQL cluster's URL, the Temporal address
 * and namespace, NEMO_HOME itself), written owner-only by `nemo up` to NEMO_HOME/run/stack-env.json and, when
 * NEMO_HOME is not the default, to the default home's run/ as well: `nemo status` in a fresh terminal finds the stack
 * without the environment `nemo up` was started with. Variables set in the environment still win.
 */
export interface StackSettings {
  pid: number;
  env: { NEMO_HOME: string; DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_NAMESPACE: string };
}

const fileIn = (home: string) => path.join(nemoHome(home).run, 'stack-env.json');

function places(home: string): string[] {
  return [...new Set([fileIn(home), fileIn(DEFAULT_NEMO_HOME)])];
}

export function writeStackSettings(settings: StackSettings): () => void {
  const files = places(settings.env.NEMO_HOME);
  for (const file of files) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  return () => {
    for (const file of files) if (readSettings(file)?.pid === settings.pid) rmSync(file, { force: true });
  };
}

const readSettings = (file: string) => readWhileWriterLives<StackSettings>(file);

/** The environment a command runs with: the running stack's settings under whatever the environment sets. */
export function withRunningStack(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings = readSettings(fileIn(env.NEMO_HOME ?? DEFAULT_NEMO_HOME));
  if (!settings || (env.NEMO_HOME && path.resolve(env.NEMO_HOME) !== path.resolve(settings.env.NEMO_HOME))) return env;
  return { ...settings.env, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) };
}
