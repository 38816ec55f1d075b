import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Linux namespaces through bubblewrap (`bwrap`, Debian package bubblewrap, installed by scripts/ensure-deps.js):
 * what a process started by NEMO may see of the machine (issue 18). Without it (macOS, a kernel without user or
 * mount namespaces) `nemo doctor` says so.
 */

export const BWRAP = '/usr/bin/bwrap';

export type SandboxAvailability = { ok: true } | { ok: false; reason: string };

let probed: SandboxAvailability | undefined;

/** Whether bwrap can build a mount, PID and network namespace here (probed once per process). */
export function sandboxAvailability(): SandboxAvailability {
  if (probed) return probed;
  if (process.platform !== 'linux') return (probed = { ok: false, reason: `Linux namespaces are not available on ${process.platform}` });
  if (!existsSync(BWRAP)) return (probed = { ok: false, reason: `${BWRAP} is missing: install the Debian package bubblewrap (npm start does it as root)` });
  const trial = spawnSync(BWRAP, ['--dev-bind', '/', '/', '--unshare-pid', '--unshare-net', '--proc', '/proc', '--', '/bin/true'], { encoding: 'utf8', timeout: 10_000 });
  return (probed = trial.status === 0 ? { ok: true } : { ok: false, reason: `bwrap cannot create namespaces here: ${(trial.stderr || trial.error?.message || `exit ${trial.status}`).trim()}` });
}

/**
 * bwrap's arguments for a domain worker (issue 18 A): the machine as it is, except that `hidden` paths (the vault
 * directory, the master key file) are empty, and a PID namespace of its own, so neither /proc/<supervisor>/root
 * nor /proc/<supervisor>/environ reach what the mount hides. Network and users are shared: workers talk to
 * Temporal and PostgreSQL on loopback. The worker runs as PID 1 of its namespace so SIGTERM reaches it directly
 * (bwrap's --info-fd names its pid) and it drains as it would outside.
 */
export function workerSandboxArgs(hidden: readonly string[]): string[] {
  const args = ['--dev-bind', '/', '/', '--unshare-pid', '--as-pid-1', '--proc', '/proc', '--die-with-parent'];
  const dirs: string[] = [];
  for (const p of hidden) {
    const stat = statSync(p, { throwIfNoEntry: false });
    // A path that does not exist is left alone: binding over it would create it on the host.
    if (!stat || dirs.some((d) => p.startsWith(`${d}${path.sep}`))) continue;
    if (stat.isDirectory()) dirs.push(p);
    args.push(...(stat.isDirectory() ? ['--tmpfs', p] : ['--ro-bind', '/dev/null', p]));
  }
  return args;
}
