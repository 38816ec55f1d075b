import type { ParameterValue, UpgradeProposal } from './upgrade-proposal';

/**
 * The self-improvement domain's rules (seed, Domain 4 and "Version Control"): which files a change may touch, which
 * changes need a separate approval, how versions are bumped, which releases are kept. Pure.
 */

// ── Boundaries ────────────────────────────────────────────────────────────────────────────────────────────────

/** Why a path in a change is refused, or undefined when the change may touch it. Paths are repository-relative. */
export function pathRefusal(path: string): string | undefined {
  if (path === '' || path.includes('\0')) return 'an empty path';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\'))
    return `${path}: absolute or non-POSIX paths leave the project`;
  const parts = path.split('/');
  if (parts.includes('..')) return `${path}: ".." leaves the project`;
  if (parts.includes('.git')) return `${path}: git metadata is never changed by a proposal`;
  if (parts.includes('node_modules'))
    return `${path}: installed packages change only through a package-addition proposal`;
  if (parts.some((p) => /^\.env($|\.)/.test(p) && p !== '.env.example'))
    return `${path}: environment files may hold secrets`;
  return undefined;
}

/** Dependencies change only through a package-addition proposal, where the allowlist and the lockfile are checked. */
export const PACKAGE_MANIFESTS = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json'];

export function codeChangeRefusal(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const refusal = pathRefusal(path);
    if (refusal) return refusal;
    if (PACKAGE_MANIFESTS.includes(path))
      return `${path}: dependencies change only through a package-addition proposal (allowlist and lockfile integrity)`;
  }
  return undefined;
}

/**
 * seed (Forbidden Actions): "Modifying core safety rules without approval". Everything in policies/ decides whether
 * money may move or what a domain may do (limits, breakers, the domain matrix, the package allowlist, these rules),
 * so a change to any of it needs its own approval that names the change, on top of the release approval.
 */
export function policyFilesIn(paths: readonly string[]): string[] {
  return [...new Set(paths.filter((p) => p.startsWith('policies/')))].sort();
}

/**
 * seed: "NO system-level changes without approval". The commands the upgrade domain runs (its configured test and
 * backtest commands included) never invoke a system package manager or raise privileges.
 */
export const SYSTEM_COMMANDS = [
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
  'snap',
  'flatpak',
  'yum',
  'dnf',
  'rpm',
  'zypper',
  'apk',
  'pacman',
  'emerge',
  'brew',
  'port',
  'pip',
  'pip3',
  'pipx',
  'gem',
  'sudo',
  'su',
  'doas',
  'systemctl',
  'launchctl',
] as const;

export function systemCommandRefusal(command: string): string | undefined {
  // Each word in command position: the start, or after a shell separator, `env` or a path prefix.
  for (const segment of command.split(/&&|\|\||[;|&()`\n]|\$\(/)) {
    const words = segment
      .trim()
      .split(/\s+/)
      .filter((w) => !/^\w+=/.test(w) && w !== 'env' && w !== 'exec' && w !== 'command');
    const program = words[0]?.split('/').pop();
    if (program && (SYSTEM_COMMANDS as readonly string[]).includes(program)) {
      return `"${program}" is a system package manager or a privilege change; the upgrade domain never runs it`;
    }
  }
  return undefined;
}

// ── Strategy parameters ───────────────────────────────────────────────────────────────────────────────────────

/** The file a strategy's tunable parameters live in, read by the strategy, the backtester, paper and live. */
export function strategyParametersPath(strategy: string): string {
  return `strategies/parameters/${strategy}.json`;
}

/** The strategies whose parameter files a change touches: their backtests must still make proof. */
export function strategiesChangedBy(paths: readonly string[]): string[] {
  return paths.flatMap((p) => /^strategies\/parameters\/([\w-]+)\.json$/.exec(p)?.[1] ?? []);
}

/** A parameter change may only set parameters the strategy already has, keeping each one's type. */
export function parameterChangeRefusal(
  current: Record<string, unknown>,
  proposed: Record<string, ParameterValue>,
): string | undefined {
  for (const [name, value] of Object.entries(proposed)) {
    if (!Object.hasOwn(current, name))
      return `${name}: the strategy has no such parameter (it has ${Object.keys(current).sort().join(', ') || 'none'})`;
    const was = current[name];
    if (typeof was !== typeof value) return `${name}: was a ${typeof was}, the proposal gives a ${typeof value}`;
  }
  return undefined;
}

// ── Semantic versions (seed: "Semantic versioning (v1.0.0 -> v1.0.1)") ─────────────────────────────────────────

export type BumpLevel = 'patch' | 'minor' | 'major';

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

export function parseVersion(text: string): Version {
  const match = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a release version (x.y.z)`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export const formatVersion = (v: Version): string => `${v.major}.${v.minor}.${v.patch}`;

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

export function nextVersion(current: string, level: BumpLevel): string {
  const v = parseVersion(current);
  if (level === 'major') return formatVersion({ major: v.major + 1, minor: 0, patch: 0 });
  if (level === 'minor') return formatVersion({ major: v.major, minor: v.minor + 1, patch: 0 });
  return formatVersion({ ...v, patch: v.patch + 1 });
}

/**
 * A tuned parameter is a patch; a new dependency or a new file is new capability (minor); a change its proposer marks
 * breaking is major; any other code change is a patch.
 */
export function bumpLevelFor(proposal: UpgradeProposal, change: { added: readonly string[] }): BumpLevel {
  switch (proposal.kind) {
    case 'strategy-parameters':
      return 'patch';
    case 'package-addition':
      return 'minor';
    case 'code-change':
      return proposal.breaking ? 'major' : change.added.length > 0 ? 'minor' : 'patch';
    case 'api-credit-purchase':
      throw new Error('a credit purchase is a request to the operator, never a release');
  }
}

// ── Releases kept (seed: "Rollback capability for last 10 versions") ──────────────────────────────────────────

export const RELEASES_KEPT = 10;

export interface ReleaseRef {
  version: string;
}

/** The newest `keep` releases stay, and so does any release still running (current, or draining pinned workflows). */
export function releasesToPrune<T extends ReleaseRef>(
  releases: readonly T[],
  running: ReadonlySet<string>,
  keep = RELEASES_KEPT,
): T[] {
  const newestFirst = [...releases].sort((a, b) => compareVersions(b.version, a.version));
  return newestFirst.slice(keep).filter((r) => !running.has(r.version));
}

// ── Seed values a change loosens (issue 18 E) ──────────────────────────────────────────────────────────────────

export interface LoosenedSeedValue {
  name: string;
  from: number;
  to: number;
  /** The seed rule, as the limit's own comment states it. */
  rule: string;
}

/**
 * The seed limits a diff of policies/limits.ts loosens, each old -> new with its seed rule, so the operator approving
 * a policy change reads what it gives away, not a diff stat. `bounds` says which way is loose (a value outside them);
 * `baseSource` is the file before the change, whose comments name the rules.
 */
export function loosenedSeedValues(
  diff: string,
  baseSource: string,
  bounds: Readonly<Record<string, { min: number; max: number }>>,
): LoosenedSeedValue[] {
  const number = (text: string) => Number(text.replace(/_/g, ''));
  const values = (sign: '-' | '+') => {
    const found = new Map<string, number>();
    for (const m of diff.matchAll(new RegExp(`^\\${sign}\\s*(\\w+):\\s*([\\d._]+),?\\s*$`, 'gm'))) {
      if (Object.hasOwn(bounds, m[1]!)) found.set(m[1]!, number(m[2]!));
    }
    return found;
  };
  const before = values('-');
  const after = values('+');
  const loosened: LoosenedSeedValue[] = [];
  for (const [name, to] of after) {
    const from = before.get(name);
    const bound = bounds[name]!;
    if (from === undefined || (to >= bound.min && to <= bound.max)) continue;
    const comment = new RegExp(`/\\*\\*\\s*(seed:[^*]*?)\\s*\\*/\\s*\\n\\s*${name}:`).exec(baseSource);
    loosened.push({ name, from, to, rule: comment?.[1]?.trim() ?? `the seed's ${from}` });
  }
  return loosened;
}
