import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { goTooOld, nemoCacheDir, runStreaming, withBuildLock } from './go-build';
import path from 'node:path';

/**
 * Makes a `temporal` CLI (dev server + Web UI) available with no internet beyond the registries.
 * The version is pinned here and nowhere else. v1.5.1 is the newest tag `go install` accepts: v1.6.0 and later
 * carry a `replace` directive in go.mod, which `go install pkg@version` refuses (see docs/decisions.md).
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** Server 1.29.1 inside CLI v1.5.1 needs Go >= 1.25 to build. */
export const MIN_GO = [1, 25] as const;

export type CliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install' | 'download';

export interface TemporalCli {
  path: string;
  source: CliSource;
}

export class TemporalCliUnavailable extends Error {
  constructor(detail: string) {
    super(
      `no temporal CLI could be made available: ${detail}\n` +
        `Fix one of these:\n` +
        `  - install Go ${MIN_GO.join('.')} or newer (https://go.dev/dl/ or your package manager) and run again: NEMO builds the CLI with\n` +
        `      go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\n` +
        `  - or put a temporal binary on PATH, or point TEMPORAL_CLI at one (https://docs.temporal.io/cli)\n` +
        `  - or set TEMPORAL_ADDRESS to a running Temporal server so NEMO starts none`,
    );
    this.name = 'TemporalCliUnavailable';
  }
}

/** Outside the checkout so CI runs and later sessions reuse one build. */
export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(nemoCacheDir(env), 'temporal-cli', TEMPORAL_CLI_VERSION);
}

function isWorkingCli(file: string): boolean {
  if (!existsSync(file)) return false;
  const probe = spawnSync(file, ['server', 'start-dev', '--help'], { encoding: 'utf8', timeout: 15_000 });
  return probe.status === 0;
}

async function buildWithGo(dir: string, progress: (line: string) => void): Promise<string> {
  const started = Date.now();
  progress(
    `building temporal CLI ${TEMPORAL_CLI_VERSION} with go install (a few minutes on first run; cached in ${dir})`,
  );
  const staging = path.join(dir, 'staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await runStreaming(
    'go',
    ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`],
    { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
    progress,
  );
  const target = path.join(dir, 'temporal');
  renameSync(path.join(staging, 'temporal'), target);
  rmSync(staging, { recursive: true, force: true });
  progress(`built temporal CLI in ${Math.round((Date.now() - started) / 1000)}s`);
  return target;
}

async function downloadRelease(dir: string, progress: (line: string) => void): Promise<string> {
  const platform = process.platform === 'darwin' ? 'darwin' : 'linux';
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const url = `https://temporal.download/cli/archive/${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
  progress(`downloading the official temporal CLI ${TEMPORAL_CLI_VERSION} from ${url}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`download answered ${response.status}`);
  const archive = path.join(dir, 'temporal.tar.gz');
  writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
  const untar = spawnSync('tar', ['-xzf', archive, '-C', dir, 'temporal'], { encoding: 'utf8' });
  rmSync(archive, { force: true });
  if (untar.status !== 0) throw new Error(`could not unpack the download: ${untar.stderr}`);
  const target = path.join(dir, 'temporal');
  chmodSync(target, 0o755);
  return target;
}

/** Finds or makes the CLI: TEMPORAL_CLI, then PATH, then the cache, then go install, then the official download. */
export async function ensureTemporalCli(
  options: { explicit?: string; env?: NodeJS.ProcessEnv; progress?: (line: string) => void } = {},
): Promise<TemporalCli> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => undefined);
  if (options.explicit) {
    if (!isWorkingCli(options.explicit)) {
      throw new TemporalCliUnavailable(
        `TEMPORAL_CLI=${options.explicit} is not a working temporal CLI (\`server start-dev --help\` failed)`,
      );
    }
    return { path: options.explicit, source: 'TEMPORAL_CLI' };
  }
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && isWorkingCli(onPath)) return { path: onPath, source: 'PATH' };

  const dir = cliCacheDir(env);
  const cached = path.join(dir, 'temporal');
  if (isWorkingCli(cached)) return { path: cached, source: 'cache' };
  mkdirSync(dir, { recursive: true });

  return withBuildLock(
    dir,
    async () => {
      if (isWorkingCli(cached)) return { path: cached, source: 'cache' as const };
      const tooOld = goTooOld(MIN_GO);
      const problems: string[] = [];
      if (!tooOld) {
        try {
          return { path: await buildWithGo(dir, progress), source: 'go install' as const };
        } catch (err) {
          problems.push(`go install failed: ${(err as Error).message}`);
        }
      } else {
        problems.push(tooOld);
      }
      try {
        return { path: await downloadRelease(dir, progress), source: 'download' as const };
      } catch (err) {
        problems.push(`the official download failed: ${(err as Error).message}`);
      }
      throw new TemporalCliUnavailable(problems.join('; '));
    },
    progress,
  );
}
