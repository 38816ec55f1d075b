import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allowlistVerdict, PACKAGE_ALLOWLIST, type AllowedPackage } from '../../policies/package-allowlist';
import { UpgradeRefusal } from './errors';
import { run } from './run-command';

/**
 * seed (Domain 4): "Install approved packages/libraries". Installs one allowlisted package at its exact version into
 * a candidate's worktree from npm's local cache only (no network, no install scripts), then proves from the
 * lockfile that what was installed is exactly the approved version with the approved integrity hash.
 */

interface LockEntry {
  version?: string;
  integrity?: string;
}

export async function installAllowlistedPackage(
  worktree: string,
  request: { name: string; version: string },
  env: NodeJS.ProcessEnv,
  allowlist: readonly AllowedPackage[] = PACKAGE_ALLOWLIST,
): Promise<AllowedPackage> {
  const verdict = allowlistVerdict(request.name, request.version, allowlist);
  if (!verdict.allowed) throw new UpgradeRefusal(verdict.reason);
  const { entry } = verdict;
  const spec = `${entry.name}@${entry.version}`;
  const result = await run(
    'npm',
    ['install', '--offline', '--save-exact', '--ignore-scripts', '--no-audit', '--no-fund', spec],
    {
      cwd: worktree,
      env,
      timeoutMs: 10 * 60_000,
    },
  );
  if (result.code !== 0) {
    const why =
      result.tail
        .split('\n')
        .filter((l) => /npm error/.test(l))
        .slice(0, 3)
        .join(' ') || result.tail.trim().split('\n').slice(-3).join(' ');
    throw new UpgradeRefusal(
      `npm could not install ${spec} offline (from the local npm cache; put it there once with \`npm cache add ${spec}\`): ${why}`,
    );
  }

  const lock = JSON.parse(readFileSync(path.join(worktree, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockEntry>;
  };
  const locked = lock.packages?.[`node_modules/${entry.name}`];
  if (locked?.version !== entry.version) {
    throw new UpgradeRefusal(`${spec}: the lockfile records version ${locked?.version ?? 'none'} instead`);
  }
  if (locked.integrity !== entry.integrity) {
    throw new UpgradeRefusal(
      `${spec}: integrity mismatch; the lockfile has ${locked.integrity ?? 'none'}, the allowlist approves ${entry.integrity}`,
    );
  }
  const manifest = JSON.parse(readFileSync(path.join(worktree, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  if (manifest.dependencies?.[entry.name] !== entry.version) {
    throw new UpgradeRefusal(
      `${spec}: package.json does not pin the exact version (has ${manifest.dependencies?.[entry.name] ?? 'nothing'})`,
    );
  }
  return entry;
}
