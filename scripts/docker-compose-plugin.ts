import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStreaming, withBuildLock } from '../platform/temporal/go-build';

/**
 * Makes `docker compose` work where only the docker client is installed (as on CI here), so CI can validate
 * docker-compose.yml with the real `docker compose config`. Compose v2 cannot be `go install`ed (its go.mod has
 * exclude directives), so it is built as a dependency of a throwaway module, cached outside the checkout, and
 * installed as the user's docker CLI plugin.
 */
export const COMPOSE_VERSION = 'v2.40.3';

const composeWorks = () => spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

export async function ensureComposePlugin(progress: (line: string) => void = () => undefined): Promise<void> {
  if (composeWorks()) return;
  const cacheDir = path.join(
    process.env.NEMO_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'nemo'),
    'docker-compose',
    COMPOSE_VERSION,
  );
  const binary = path.join(cacheDir, 'docker-compose');
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(binary)) {
    await withBuildLock(
      cacheDir,
      async () => {
        if (existsSync(binary)) return;
        progress(`building docker compose ${COMPOSE_VERSION} with Go (a few minutes, once)`);
        const module = path.join(cacheDir, 'build');
        rmSync(module, { recursive: true, force: true });
        mkdirSync(module, { recursive: true });
        writeFileSync(path.join(module, 'go.mod'), 'module nemo/composebuild\n\ngo 1.25\n');
        const env = { ...process.env, GOFLAGS: '-mod=mod' };
        await runStreaming('go', ['get', `github.com/docker/compose/v2@${COMPOSE_VERSION}`], env, progress, module);
        await runStreaming('go', ['build', '-o', binary, 'github.com/docker/compose/v2/cmd'], env, progress, module);
        rmSync(module, { recursive: true, force: true });
      },
      progress,
    );
  }
  const plugins = path.join(os.homedir(), '.docker', 'cli-plugins');
  mkdirSync(plugins, { recursive: true });
  copyFileSync(binary, path.join(plugins, 'docker-compose'));
  spawnSync('chmod', ['+x', path.join(plugins, 'docker-compose')]);
  if (!composeWorks()) throw new Error(`docker compose still does not run after installing ${binary} into ${plugins}`);
}
