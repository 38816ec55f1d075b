import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { NemoHome } from '../../platform/nemo-home';
import type { BaseBuild } from './candidate';
import { UpgradeRefusal } from './errors';
import { git, revParse, tagCommit } from './git';
import { assertAllowedPath, candidatePaths, packageStoreDir, releasePaths, type UpgradeRoots } from './paths';
import { readRelease, releaseBuildId, type ReleaseManifest } from './release-store';
import { runChecked } from './run-command';

/**
 * An approved candidate becomes a release: an annotated git tag vX.Y.Z on its commit, the tree at that tag exported
 * to NEMO_HOME/releases/vX.Y.Z/source, its packages linked in (shared by lockfile hash), and its workflow bundles
 * prebuilt by the release's own bundler, so its workers start fast and run exactly the tagged code.
 */

export interface ReleaseRequest {
  proposalId: string;
  version: string;
  kind: string;
  summary: string;
  base: BaseBuild;
  createdAt: string;
}

/**
 * What the installed tree depends on: the lockfile without the project's own version, which every release bumps.
 * Releases with the same dependencies share one node_modules.
 */
export function dependenciesSha256(lockFile: string): string {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
    version?: string;
    packages?: Record<string, { version?: string }>;
  };
  delete lock.version;
  if (lock.packages?.['']) delete lock.packages[''].version;
  return createHash('sha256').update(JSON.stringify(lock)).digest('hex');
}

export async function buildRelease(
  roots: UpgradeRoots,
  request: ReleaseRequest,
  progress: (step: string) => void,
): Promise<ReleaseManifest> {
  const { home, repo } = roots;
  const existing = readRelease(home, request.version);
  if (existing) {
    if (existing.proposalId !== request.proposalId)
      throw new UpgradeRefusal(`v${request.version} was already released by proposal ${existing.proposalId}`);
    return existing;
  }
  const candidate = candidatePaths(home, request.proposalId);
  const commit = await revParse(candidate.worktree, 'HEAD');
  const tag = `v${request.version}`;

  progress(`tagging ${tag}`);
  const tagged = await tagCommit(repo, tag);
  if (tagged && tagged !== commit)
    throw new UpgradeRefusal(`${tag} already tags ${tagged.slice(0, 12)}, not this candidate (${commit.slice(0, 12)})`);
  if (!tagged)
    await git(repo, [
      'tag',
      '-a',
      tag,
      '-m',
      `NEMO ${tag}: ${request.summary} (proposal ${request.proposalId})`,
      commit,
    ]);

  const paths = releasePaths(home, request.version);
  assertAllowedPath(roots, paths.root, 'release directory');
  rmSync(paths.root, { recursive: true, force: true });
  mkdirSync(paths.root, { recursive: true });
  progress(`exporting ${tag}`);
  // The script is fixed; the repository, tag and directory are passed as arguments, never spliced into it.
  await runChecked(
    '/bin/sh',
    ['-c', 'git -C "$1" archive --format=tar --prefix=source/ "$2" | tar -x -C "$3"', 'export', repo, tag, paths.root],
    {
      cwd: paths.root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeoutMs: 5 * 60_000,
    },
  );

  const dependencies = dependenciesSha256(path.join(paths.source, 'package-lock.json'));
  linkReleasePackages(home, paths.source, dependencies, request.base.dir, candidate.worktree);

  progress('bundling workflows');
  // The release's own platform/temporal/workflow-bundles.ts bundles the release's own workflows.
  const bundleOut = await runChecked(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "require('./platform/temporal/workflow-bundles').bundleDomainWorkflows(process.argv[1]).then((dir) => console.log(dir))",
      paths.bundles,
    ],
    { cwd: paths.source, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 10 * 60_000 },
  );
  const bundleDir = bundleOut.trim().split('\n').pop()!;
  assertAllowedPath(roots, bundleDir, 'workflow bundles');

  const manifest: ReleaseManifest = {
    version: request.version,
    buildId: releaseBuildId(request.version, commit),
    tag,
    commit,
    createdAt: request.createdAt,
    proposalId: request.proposalId,
    kind: request.kind,
    summary: request.summary,
    base: {
      version: request.base.version,
      commit: request.base.commit,
      ...(request.base.buildId ? { buildId: request.base.buildId } : {}),
    },
    dependenciesSha256: dependencies,
    source: paths.source,
    bundleDir,
  };
  // Written last: a release directory without release.json is an interrupted build and is rebuilt.
  writeFileSync(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Same dependencies as the base: share the base's packages. New dependencies (a package was added): keep the
 * candidate's private tree in the package store, where every release with those dependencies shares it.
 */
function linkReleasePackages(
  home: NemoHome,
  source: string,
  dependencies: string,
  baseDir: string,
  worktree: string,
): void {
  const link = path.join(source, 'node_modules');
  const baseLock = path.join(baseDir, 'package-lock.json');
  if (existsSync(baseLock) && dependenciesSha256(baseLock) === dependencies) {
    symlinkSync(realpathSync(path.join(baseDir, 'node_modules')), link, 'dir');
    return;
  }
  const store = path.join(packageStoreDir(home, dependencies), 'node_modules');
  if (!existsSync(store)) {
    const candidateModules = path.join(worktree, 'node_modules');
    if (!existsSync(candidateModules) || lstatSync(candidateModules).isSymbolicLink()) {
      throw new UpgradeRefusal(
        'the release changes its dependencies but no installed tree for them exists; propose the package addition again',
      );
    }
    mkdirSync(path.dirname(store), { recursive: true });
    renameSync(candidateModules, store);
  }
  symlinkSync(store, link, 'dir');
}
