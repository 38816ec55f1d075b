import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareVersions, nextVersion, parseVersion, type BumpLevel } from '../../policies/upgrade-rules';
import { UpgradeRefusal } from './errors';
import { git, revParse, tagCommit } from './git';

/**
 * seed ("Version Control"): "Semantic versioning (v1.0.0 -> v1.0.1)" and "All code changes committed to git". The
 * candidate's version is bumped in package.json (and the lockfile) and the change is written at the top of
 * CHANGELOG.md, as one commit on the candidate branch, before the operator is asked.
 */

export interface ChangelogEntry {
  version: string;
  date: string;
  kind: string;
  summary: string;
  proposalId: string;
  baseVersion: string;
  baseCommit: string;
  files: { path: string; status: string }[];
  checks: string;
  policyChange?: { files: string[]; digest: string };
}

export interface VersionedCandidate {
  version: string;
  previousVersion: string;
  commit: string;
  changelogEntry: string;
}

const CHANGELOG_HEADER = `# Changelog

Every release NEMO ships, newest first (seed: "Semantic versioning", "all changes logged"). The self-upgrade workflow
writes each entry when a proposal has passed its tests; the release is tagged \`vX.Y.Z\` once the operator approves.
`;

export function changelogEntry(e: ChangelogEntry): string {
  const files =
    e.files
      .slice(0, 30)
      .map((f) => `${f.path} (${f.status})`)
      .join(', ') + (e.files.length > 30 ? `, and ${e.files.length - 30} more` : '');
  const lines = [
    `## v${e.version} (${e.date})`,
    '',
    `- ${e.kind}: ${e.summary}`,
    `  - proposal ${e.proposalId}, applied to v${e.baseVersion} (${e.baseCommit.slice(0, 12)})`,
    `  - files: ${files}`,
    `  - checks: ${e.checks}`,
  ];
  if (e.policyChange)
    lines.push(`  - policy change ${e.policyChange.digest} (${e.policyChange.files.join(', ')}), approved separately`);
  return `${lines.join('\n')}\n`;
}

/** Inserts the entry above the newest one, creating the file with its header if needed. */
export function prependChangelog(existing: string | undefined, entry: string): string {
  const text = existing ?? CHANGELOG_HEADER;
  const first = text.search(/^## /m);
  return first < 0 ? `${text.trimEnd()}\n\n${entry}` : `${text.slice(0, first)}${entry}\n${text.slice(first)}`;
}

function writeVersion(worktree: string, version: string): void {
  const manifestFile = path.join(worktree, 'package.json');
  const manifest = readFileSync(manifestFile, 'utf8');
  // Only the top-level "version" line changes, so the file keeps its formatting and key order.
  writeFileSync(manifestFile, manifest.replace(/^(\s{2}"version":\s*")[^"]*(")/m, `$1${version}$2`));
  const lockFile = path.join(worktree, 'package-lock.json');
  if (existsSync(lockFile)) {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
      version?: string;
      packages?: Record<string, { version?: string }>;
    };
    lock.version = version;
    if (lock.packages?.['']) lock.packages[''].version = version;
    writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  }
}

export function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function versionCandidate(
  repo: string,
  worktree: string,
  level: BumpLevel,
  entry: Omit<ChangelogEntry, 'version' | 'baseVersion'>,
): Promise<VersionedCandidate> {
  const subject = (await git(worktree, ['log', '-1', '--format=%s'])).trim();
  const released = /^release v(\d+\.\d+\.\d+)$/.exec(subject);
  if (released) {
    // A retry after the commit was made: report what was done.
    const parent = await revParse(worktree, 'HEAD~1');
    const previousVersion = (JSON.parse(await git(worktree, ['show', `${parent}:package.json`])) as { version: string })
      .version;
    const version = released[1]!;
    return {
      version,
      previousVersion,
      commit: await revParse(worktree, 'HEAD'),
      changelogEntry: changelogEntry({ ...entry, version, baseVersion: previousVersion }),
    };
  }

  const previousVersion = packageVersion(worktree);
  try {
    parseVersion(previousVersion);
  } catch (err) {
    throw new UpgradeRefusal(`package.json version ${previousVersion}: ${(err as Error).message}`);
  }
  // Versions are never reused: a release that was rolled back keeps its number, so count from the highest tag.
  const tags = (await git(repo, ['tag', '--list', 'v*']))
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => /^v\d+\.\d+\.\d+$/.test(t));
  const highest = tags.map((t) => t.slice(1)).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b), previousVersion);
  const version = nextVersion(highest, level);
  if (await tagCommit(repo, `v${version}`)) {
    throw new UpgradeRefusal(`v${version} was released while this proposal was being versioned; propose it again`);
  }
  writeVersion(worktree, version);
  const changelogFile = path.join(worktree, 'CHANGELOG.md');
  const text = changelogEntry({ ...entry, version, baseVersion: previousVersion });
  writeFileSync(
    changelogFile,
    prependChangelog(existsSync(changelogFile) ? readFileSync(changelogFile, 'utf8') : undefined, text),
  );
  const files = [
    'package.json',
    'CHANGELOG.md',
    ...(existsSync(path.join(worktree, 'package-lock.json')) ? ['package-lock.json'] : []),
  ];
  await git(worktree, ['add', '--', ...files]);
  await git(worktree, ['commit', '--no-verify', '-q', '-m', `release v${version}`]);
  return { version, previousVersion, commit: await revParse(worktree, 'HEAD'), changelogEntry: text };
}
