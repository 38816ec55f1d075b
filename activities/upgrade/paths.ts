import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { NemoHome } from '../../platform/nemo-home';
import { BoundaryError } from './errors';

/**
 * Where the upgrade domain writes, and the check every write goes through: the project's repository and NEMO_HOME
 * are the only places it may touch (issue 8, "Boundaries").
 */

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (so symlinks cannot smuggle). */
function realish(p: string): string {
  const absolute = path.resolve(p);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = path.dirname(absolute);
  return parent === absolute ? absolute : path.join(realish(parent), path.basename(absolute));
}

export function isInside(root: string, p: string): boolean {
  const relative = path.relative(realish(root), realish(p));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export interface UpgradeRoots {
  /** The project's git repository (NEMO_UPGRADE_REPO). */
  repo: string;
  home: NemoHome;
}

/** Throws unless `p` is inside the project or NEMO_HOME. */
export function assertAllowedPath(roots: UpgradeRoots, p: string, what: string): string {
  if (isInside(roots.repo, p) || isInside(roots.home.root, p)) return p;
  throw new BoundaryError(
    `${what} ${p} is outside the project (${roots.repo}) and NEMO_HOME (${roots.home.root}); the upgrade domain never touches it`,
  );
}

const PROPOSAL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

/** A proposal id names directories and a git branch: letters, digits, `.`, `_`, `-` only. */
export function checkProposalId(id: string): string {
  if (!PROPOSAL_ID.test(id) || id.includes('..'))
    throw new BoundaryError(`proposal id "${id}" may only hold letters, digits, ".", "_" and "-"`);
  return id;
}

export function upgradesDir(home: NemoHome): string {
  return path.join(home.root, 'upgrades');
}

/** A candidate's private area: its worktree, a scratch NEMO_HOME and TMPDIR for its tests, and a PATH guard. */
export function candidatePaths(home: NemoHome, proposalId: string) {
  const root = path.join(upgradesDir(home), checkProposalId(proposalId));
  return {
    root,
    worktree: path.join(root, 'worktree'),
    home: path.join(root, 'home'),
    tmp: path.join(root, 'tmp'),
    guardBin: path.join(root, 'bin'),
    patch: path.join(root, 'change.patch'),
  };
}

export type CandidatePaths = ReturnType<typeof candidatePaths>;

export function releasesDir(home: NemoHome): string {
  return path.join(home.root, 'releases');
}

export function releasePaths(home: NemoHome, version: string) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new BoundaryError(`"${version}" is not a release version (x.y.z)`);
  const root = path.join(releasesDir(home), `v${version}`);
  return {
    root,
    source: path.join(root, 'source'),
    bundles: path.join(root, 'bundles'),
    manifest: path.join(root, 'release.json'),
  };
}

/** node_modules trees by dependency hash, shared by the releases that have the same dependencies. */
export function packageStoreDir(home: NemoHome, dependenciesSha256: string): string {
  return path.join(releasesDir(home), 'node_modules', dependenciesSha256.slice(0, 32));
}
