import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Shared by the tools NEMO builds with Go into its cache (the temporal CLI and server, the docker compose plugin). */

/** Outside the checkout so CI runs and later sessions reuse one build. */
export function nemoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NEMO_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nemo');
}

/** Why the installed Go cannot build a module needing `min` (undefined when it can). */
export function goTooOld(min: readonly [number, number]): string | undefined {
  const probe = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const match = probe.status === 0 ? /go(\d+)\.(\d+)/.exec(probe.stdout) : null;
  if (!match) return 'Go is not installed';
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > min[0] || (major === min[0] && minor >= min[1])
    ? undefined
    : `Go ${major}.${minor} is too old (need ${min.join('.')}+)`;
}

/** A build in another process (tests and `nemo up` at once) is waited for rather than repeated. */
export async function withBuildLock<T>(
  dir: string,
  fn: () => Promise<T>,
  progress: (line: string) => void,
): Promise<T> {
  const lock = path.join(dir, '.build-lock');
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (!held) continue;
      // A lock left by a build that was killed is stale after the longest build we expect.
      if (Date.now() - held.mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      progress(`another process is building in ${dir}; waiting for it`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function runStreaming(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
  cwd?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) progress(line.trim());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(tail) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${tail}`)),
    );
  });
}
