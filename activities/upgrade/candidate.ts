import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AllowedPackage } from '../../policies/package-allowlist';
import { LIMIT_BOUNDS } from '../../policies/limits';
import {
  codeChangeRefusal,
  loosenedSeedValues,
  parameterChangeRefusal,
  pathRefusal,
  policyFilesIn,
  strategyParametersPath,
  type LoosenedSeedValue,
} from '../../policies/upgrade-rules';
import { describeProposal, type ParameterValue, type UpgradeProposal } from '../../policies/upgrade-proposal';
import { candidateEnv, type CandidateEnvOptions } from './candidate-env';
import { UpgradeRefusal } from './errors';
import { changedFiles, git, revParse, type ChangedFile } from './git';
import { installAllowlistedPackage } from './package-install';
import { assertAllowedPath, candidatePaths, type UpgradeRoots } from './paths';
import { CommandError, runChecked } from './run-command';

/**
 * A proposal applied in its own git worktree (branch nemo-upgrade/<id>) on top of the version that is running, and
 * committed there. Nothing outside the worktree changes; the running code never sees the candidate.
 */

/** The version a proposal is applied to: the current build's commit and the directory it runs from. */
export interface BaseBuild {
  buildId?: string;
  version: string;
  commit: string;
  dir: string;
}

export interface PolicyChange {
  files: string[];
  /** Names the exact change: the first 12 hex digits of the SHA-256 of its diff. */
  digest: string;
  diffStat: string;
  /** Seed limits the change loosens (policies/limits.ts), each old -> new with its rule. */
  loosened: LoosenedSeedValue[];
}

export interface CandidateChange {
  proposalId: string;
  base: BaseBuild;
  commit: string;
  branch: string;
  files: ChangedFile[];
  added: string[];
  policyChange: PolicyChange | null;
  installed?: AllowedPackage;
}

export function candidateBranch(proposalId: string): string {
  return `nemo-upgrade/${proposalId}`;
}

/** Removes a candidate's worktree, branch and scratch area (after a release, a refusal, or before a retry). */
export async function removeCandidate(roots: UpgradeRoots, proposalId: string): Promise<void> {
  const paths = candidatePaths(roots.home, proposalId);
  assertAllowedPath(roots, paths.root, 'candidate area');
  if (existsSync(paths.worktree))
    await git(roots.repo, ['worktree', 'remove', '--force', paths.worktree]).catch(() => undefined);
  rmSync(paths.root, { recursive: true, force: true });
  await git(roots.repo, ['worktree', 'prune']);
  const branch = candidateBranch(proposalId);
  if ((await git(roots.repo, ['branch', '--list', branch])).trim()) await git(roots.repo, ['branch', '-D', branch]);
}

export async function prepareCandidate(
  roots: UpgradeRoots & CandidateEnvOptions,
  proposalId: string,
  proposal: UpgradeProposal,
  base: BaseBuild,
): Promise<CandidateChange> {
  const paths = candidatePaths(roots.home, proposalId);
  assertAllowedPath(roots, paths.root, 'candidate area');
  await removeCandidate(roots, proposalId);
  mkdirSync(paths.root, { recursive: true });
  const branch = candidateBranch(proposalId);
  await git(roots.repo, ['worktree', 'add', '-B', branch, paths.worktree, base.commit]);
  const env = candidateEnv(paths, roots);
  await linkPackages(base.dir, paths.worktree, proposal.kind === 'package-addition');

  let installed: AllowedPackage | undefined;
  switch (proposal.kind) {
    case 'code-change':
      await applyPatch(paths.worktree, paths.patch, proposal.patch, base.version);
      break;
    case 'strategy-parameters':
      await applyParameters(paths.worktree, proposal.strategy, proposal.parameters);
      break;
    case 'package-addition':
      installed = await installAllowlistedPackage(paths.worktree, proposal, env);
      await git(paths.worktree, ['add', '--', 'package.json', 'package-lock.json']);
      break;
    case 'api-credit-purchase':
      throw new UpgradeRefusal('a credit purchase is an approval request only; it changes no code');
  }

  if (!(await git(paths.worktree, ['diff', '--cached', '--name-only'])).trim())
    throw new UpgradeRefusal(`the proposal changes nothing in v${base.version}`);
  await git(paths.worktree, [
    'commit',
    '--no-verify',
    '-q',
    '-m',
    `${proposal.kind}: ${describeProposal(proposal)}\n\nProposal ${proposalId}, applied to v${base.version} (${base.commit.slice(0, 12)}).`,
  ]);
  const commit = await revParse(paths.worktree, 'HEAD');

  const files = await changedFiles(paths.worktree, base.commit, commit);
  for (const file of files) {
    const refusal = pathRefusal(file.path);
    if (refusal) throw new UpgradeRefusal(refusal);
  }
  const policyFiles = policyFilesIn(files.map((f) => f.path));
  let policyChange: PolicyChange | null = null;
  if (policyFiles.length) {
    const diff = await git(paths.worktree, ['diff', base.commit, commit, '--', ...policyFiles]);
    const limitsFile = 'policies/limits.ts';
    policyChange = {
      files: policyFiles,
      digest: createHash('sha256').update(diff).digest('hex').slice(0, 12),
      diffStat: (await git(paths.worktree, ['diff', '--stat', base.commit, commit, '--', ...policyFiles])).trim(),
      // Read as text from the two commits: the candidate's code is never run outside its sandbox.
      loosened: policyFiles.includes(limitsFile)
        ? loosenedSeedValues(
            await git(paths.worktree, ['diff', base.commit, commit, '--', limitsFile]),
            await git(paths.worktree, ['show', `${base.commit}:${limitsFile}`]),
            LIMIT_BOUNDS,
          )
        : [],
    };
  }
  return {
    proposalId,
    base,
    commit,
    branch,
    files,
    added: files.filter((f) => f.status === 'added').map((f) => f.path),
    policyChange,
    ...(installed ? { installed } : {}),
  };
}

/**
 * The worktree uses the base version's installed packages: a symlink when the lockfile stays as it is, a hard-linked
 * private copy when a package is being added (npm replaces packages by renaming, so the base's files never change;
 * its hidden lockfile is dropped from the copy because npm rewrites that one in place).
 */
async function linkPackages(baseDir: string, worktree: string, privateCopy: boolean): Promise<void> {
  const source = path.join(baseDir, 'node_modules');
  if (!existsSync(source))
    throw new UpgradeRefusal(`the running version has no installed packages at ${source}; its tests cannot run`);
  const target = path.join(worktree, 'node_modules');
  if (!privateCopy) {
    symlinkSync(realpathSync(source), target, 'dir');
    return;
  }
  await runChecked('cp', ['-al', `${realpathSync(source)}/.`, target], {
    cwd: worktree,
    env: { PATH: process.env.PATH },
    timeoutMs: 5 * 60_000,
  });
  rmSync(path.join(target, '.package-lock.json'), { force: true });
}

/** A code change: every path it touches is checked before git applies it to the index and the worktree. */
async function applyPatch(worktree: string, patchFile: string, patch: string, baseVersion: string): Promise<void> {
  writeFileSync(patchFile, patch.endsWith('\n') ? patch : `${patch}\n`);
  let numstat: string;
  let summary: string;
  try {
    numstat = await git(worktree, ['apply', '--numstat', '-z', patchFile]);
    summary = await git(worktree, ['apply', '--summary', patchFile]);
  } catch (err) {
    if (err instanceof CommandError) throw new UpgradeRefusal(`the patch cannot be read: ${lastLines(err)}`);
    throw err;
  }
  // -z numstat: "added\tdeleted\tpath\0", or for a rename "added\tdeleted\t\0old\0new\0".
  const paths = numstat
    .split('\0')
    .flatMap((field) => field.split('\t').slice(-1))
    .filter(Boolean);
  if (paths.length === 0) throw new UpgradeRefusal('the patch changes no file');
  const refusal = codeChangeRefusal(paths);
  if (refusal) throw new UpgradeRefusal(refusal);
  // A symlink could point outside the project once checked out.
  const link = /mode 120000 (\S+)/.exec(summary);
  if (link)
    throw new UpgradeRefusal(`${link[1]}: the patch creates a symbolic link; links can point outside the project`);
  try {
    await git(worktree, ['apply', '--index', '--whitespace=nowarn', patchFile]);
  } catch (err) {
    if (err instanceof CommandError)
      throw new UpgradeRefusal(`the patch does not apply to v${baseVersion}: ${lastLines(err)}`);
    throw err;
  }
}

const lastLines = (err: CommandError) => err.result.tail.trim().split('\n').slice(-4).join(' | ');

/** A strategy parameter change: only parameters the strategy already has, each keeping its type. */
async function applyParameters(
  worktree: string,
  strategy: string,
  parameters: Record<string, ParameterValue>,
): Promise<void> {
  const relative = strategyParametersPath(strategy);
  const file = path.join(worktree, relative);
  if (!existsSync(file))
    throw new UpgradeRefusal(`strategy ${strategy} has no parameter file ${relative} in the running version`);
  let current: unknown;
  try {
    current = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UpgradeRefusal(`${relative} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof current !== 'object' || current === null || Array.isArray(current))
    throw new UpgradeRefusal(`${relative} is not a JSON object of parameters`);
  const refusal = parameterChangeRefusal(current as Record<string, unknown>, parameters);
  if (refusal) throw new UpgradeRefusal(`strategy ${strategy}: ${refusal}`);
  writeFileSync(file, `${JSON.stringify({ ...current, ...parameters }, null, 2)}\n`);
  await git(worktree, ['add', '--', relative]);
}
