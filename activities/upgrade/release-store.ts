import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { NemoHome } from '../../platform/nemo-home';
import { releasesToPrune } from '../../policies/upgrade-rules';
import { updateDeploymentState, type BuildRecord } from './deployment-state';
import { releasePaths, releasesDir } from './paths';

/**
 * The releases under NEMO_HOME/releases/v<version>/: the source tree at the release's git tag, its prebuilt workflow
 * bundles and release.json. seed: "Rollback capability for last 10 versions": the newest ten stay restorable (their
 * tags stay in git for good); older artifacts are deleted unless a build of them is still running.
 */

export interface ReleaseManifest {
  version: string;
  buildId: string;
  tag: string;
  commit: string;
  createdAt: string;
  proposalId: string;
  kind: string;
  summary: string;
  base: { version: string; commit: string; buildId?: string };
  /** The lockfile's dependencies (activities/upgrade/release-build.ts dependenciesSha256). */
  dependenciesSha256: string;
  /** The source tree the workers run (with node_modules linked in). */
  source: string;
  bundleDir: string;
}

export function releaseBuildId(version: string, commit: string): string {
  return `v${version}-${commit.slice(0, 12)}`;
}

export function readRelease(home: NemoHome, version: string): ReleaseManifest | undefined {
  const file = releasePaths(home, version).manifest;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReleaseManifest) : undefined;
}

/** Every complete release on disk (a directory without release.json is an interrupted build), oldest first. */
export function listReleases(home: NemoHome): ReleaseManifest[] {
  const dir = releasesDir(home);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^v\d+\.\d+\.\d+$/.test(name))
    .map((name) => readRelease(home, name.slice(1)))
    .filter((m): m is ReleaseManifest => m !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The build record `nemo up` needs to run a release's workers. */
export function releaseBuild(manifest: ReleaseManifest): Omit<BuildRecord, 'health' | 'registeredAt' | 'run'> {
  return {
    buildId: manifest.buildId,
    version: manifest.version,
    source: 'release',
    dir: manifest.source,
    bundleDir: manifest.bundleDir,
    commit: manifest.commit,
  };
}

/** Deletes the artifacts of releases beyond the newest ten (never one whose workers run) and unused package trees. */
export async function pruneReleases(home: NemoHome): Promise<string[]> {
  return updateDeploymentState(home, (state) => {
    const running = new Set(state.builds.filter((b) => b.run || b.buildId === state.current).map((b) => b.version));
    const pruned = releasesToPrune(listReleases(home), running);
    for (const release of pruned) {
      rmSync(releasePaths(home, release.version).root, { recursive: true, force: true });
      state.builds = state.builds.filter((b) => b.buildId !== release.buildId);
    }
    const storeRoot = path.join(releasesDir(home), 'node_modules');
    if (existsSync(storeRoot)) {
      const inUse = new Set(
        listReleases(home)
          .map((r) => path.join(r.source, 'node_modules'))
          .filter((link) => existsSync(link))
          .map((link) => path.dirname(readlinkSync(link))),
      );
      for (const entry of readdirSync(storeRoot)) {
        const dir = path.join(storeRoot, entry);
        if (!inUse.has(dir)) rmSync(dir, { recursive: true, force: true });
      }
    }
    return pruned.map((r) => r.version);
  });
}
