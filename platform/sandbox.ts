import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
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
  if (process.platform !== 'linux')
    return (probed = { ok: false, reason: `Linux namespaces are not available on ${process.platform}` });
  if (!existsSync(BWRAP))
    return (probed = {
      ok: false,
      reason: `${BWRAP} is missing: install the Debian package bubblewrap (npm start does it as root)`,
    });
  const trial = spawnSync(
    BWRAP,
    ['--dev-bind', '/', '/', '--unshare-pid', '--unshare-net', '--proc', '/proc', '--', '/bin/true'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return (probed =
    trial.status === 0
      ? { ok: true }
      : {
          ok: false,
          reason: `bwrap cannot create namespaces here: ${(trial.stderr || trial.error?.message || `exit ${trial.status}`).trim()}`,
        });
}

/**
 * bwrap's arguments for a domain worker (issue 18 A): the machine as it is, except that `hidden` paths (the vault
 * directory, the master key file) are empty, and a PID namespace of its own, so neither /proc/<supervisor>/root
 * nor /proc/<supervisor>/environ reach what the mount hides. Network and users are shared: workers talk to
 * Temporal and PostgreSQL on loopback. The worker runs as PID 1 of its namespace so SIGTERM reaches it directly
 * (bwrap's --info-fd names its pid) and it drains as it would outside.
 *
 * `nestsSandboxes` (the upgrade worker, which builds candidate sandboxes): the kernel refuses a nested sandbox its
 * own /proc under a bwrap-mounted /proc, so this worker keeps the machine's /proc, and with it a path to the
 * supervisor's view of the vault (/proc/<pid>/root); its code is approved code, and that is left to discipline.
 */
export function workerSandboxArgs(hidden: readonly string[], options: { nestsSandboxes?: boolean } = {}): string[] {
  const args = [
    '--dev-bind',
    '/',
    '/',
    '--unshare-pid',
    '--as-pid-1',
    ...(options.nestsSandboxes ? [] : ['--proc', '/proc']),
    '--die-with-parent',
  ];
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

/** Where code that is not yet approved may write, and what it must not see (issue 18 B). */
export interface CandidateSandbox {
  /** The working directory: the candidate's worktree. */
  cwd: string;
  /** The only writable places (besides a private /tmp): the candidate's worktree and scratch area. */
  writable: readonly string[];
  /** Not visible at all: NEMO_HOME (vault, ledger, the live Temporal's database), the key file, PostgreSQL's sockets. */
  hidden: readonly string[];
  /** Read-only although inside a writable place: a private copy of node_modules (hard links to the running build's files). */
  readOnly: readonly string[];
  /** Processes and threads the candidate may run at once. */
  maxProcesses: number;
  /** Names the cgroup that enforces maxProcesses for root, whom the rlimit does not bind. */
  label: string;
}

const NOBODY = 65534;
const POSTGRES_SOCKET_DIRS = ['/run/postgresql', '/var/run/postgresql'];

/**
 * bwrap for a candidate's tests, backtests and installs: every namespace of its own (network: its own loopback only;
 * PID; IPC; user, mapped to nobody when NEMO runs as root), a read-only view of the machine, the writable places
 * bound back, the hidden ones empty; then the process limit (prlimit) and the command.
 */
export function candidateSandboxArgs(box: CandidateSandbox, argv: readonly string[]): string[] {
  // A private /tmp; hidden directories are empty and read-only (remounted last, once the writable places are bound).
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  const hiddenDirs: string[] = [];
  // Real paths (/var/run is a link to /run): a mount goes on the directory itself, once.
  for (const p of new Set(
    [...POSTGRES_SOCKET_DIRS, ...box.hidden].filter((h) => existsSync(h)).map((h) => realpathSync(h)),
  )) {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat || hiddenDirs.some((d) => p.startsWith(`${d}${path.sep}`))) continue;
    if (stat.isDirectory()) hiddenDirs.push(p);
    args.push(...(stat.isDirectory() ? ['--tmpfs', p] : ['--ro-bind', '/dev/null', p]));
  }
  for (const p of box.writable) args.push('--bind', p, p);
  for (const p of box.readOnly) if (existsSync(p)) args.push('--ro-bind', p, p);
  for (const d of hiddenDirs) args.push('--remount-ro', d);
  args.push('--unshare-all', '--die-with-parent', '--new-session', '--chdir', box.cwd);
  if (process.getuid?.() === 0) args.push('--uid', String(NOBODY), '--gid', String(NOBODY));
  args.push('--', '/usr/bin/prlimit', `--nproc=${box.maxProcesses}:${box.maxProcesses}`, '--', ...argv);
  return args;
}

/** How to start `argv` in the sandbox: bwrap, entered through the pids cgroup when there is one. */
export function sandboxedCommand(
  box: CandidateSandbox,
  argv: readonly string[],
  cgroupProcs?: string,
): [string, string[]] {
  const bwrap = [BWRAP, ...candidateSandboxArgs(box, argv)];
  // The shell joins the cgroup before it becomes bwrap, so every process of the sandbox is counted from the first.
  return cgroupProcs
    ? ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroupProcs, ...bwrap]]
    : [bwrap[0]!, bwrap.slice(1)];
}

/**
 * The process limit for root: a pids cgroup (v1 or v2), since RLIMIT_NPROC does not bind a process whose user is
 * root outside its namespace. Undefined when this machine has no writable pids controller (then only prlimit holds,
 * which binds every user but root).
 */
export function pidsCgroup(label: string, maxProcesses: number): { procs: string; remove: () => void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const base of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup']) {
    const dir = path.join(base, `nemo-${label}`);
    try {
      mkdirSync(dir, { recursive: true });
      if (!existsSync(path.join(dir, 'pids.max'))) {
        rmdirSync(dir);
        continue;
      }
      writeFileSync(path.join(dir, 'pids.max'), String(maxProcesses));
      return {
        procs: path.join(dir, 'cgroup.procs'),
        remove: () => removeWhenEmpty(dir),
      };
    } catch {
      // Not writable here: try the next layout.
    }
  }
  return undefined;
}

/** The sandbox's last processes may still be leaving its PID namespace: tries again for a few seconds. */
function removeWhenEmpty(dir: string, attempt = 0): void {
  try {
    rmdirSync(dir);
  } catch {
    if (attempt < 20) setTimeout(() => removeWhenEmpty(dir, attempt + 1), 250).unref();
  }
}
