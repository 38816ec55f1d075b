import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DOMAINS, manifestOf, type Domain } from '../../policies/domains';

const ROOT = path.resolve(__dirname, '..', '..');
// Everything a workflow bundle can import lives in these folders.
const SOURCE_DIRS = ['contracts', 'workflows', 'policies', 'strategies', 'ledger', 'backtest'];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** A hash of the workflow sources, so an unchanged tree reuses the bundles it built last time. */
export function workflowSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d))).sort()) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The module of workflows a domain's worker runs (its manifest's workflowsModule), from this checkout or release. */
export function workflowsModule(domain: Domain): string {
  return path.join(ROOT, manifestOf(domain).workflowsModule);
}

/**
 * Bundles each domain's workflows once (webpack, a few seconds each) so worker processes and tests load prebuilt
 * code instead of bundling in every process. Returns the directory holding <domain>.js.
 */
export async function bundleDomainWorkflows(
  cacheRoot: string,
  options: { domains?: readonly Domain[]; progress?: (line: string) => void } = {},
): Promise<string> {
  const dir = path.join(cacheRoot, workflowSourceHash());
  mkdirSync(dir, { recursive: true });
  // Marks the set as in use: another checkout's prune must not remove bundles a running suite is loading.
  const now = new Date();
  utimesSync(dir, now, now);
  for (const domain of options.domains ?? DOMAINS) {
    const file = path.join(dir, `${domain}.js`);
    if (existsSync(file)) continue;
    options.progress?.(`bundling ${domain} workflows`);
    const { code } = await bundleWorkflowCode({
      workflowsPath: workflowsModule(domain),
      logger: {
        log() {},
        trace() {},
        debug() {},
        info() {},
        warn() {},
        error(message: string) {
          console.error(message);
        },
      },
    });
    writeFileSync(`${file}.tmp`, code);
    renameSync(`${file}.tmp`, file);
  }
  pruneOldBundles(cacheRoot, dir);
  return dir;
}

const IN_USE_MS = 24 * 3600_000;

/** Keeps the newest few bundle sets and any used in the last day (several checkouts may share the cache). */
function pruneOldBundles(cacheRoot: string, keep: string): void {
  const sets = readdirSync(cacheRoot)
    .map((name) => path.join(cacheRoot, name))
    .filter((p) => p !== keep && statSync(p).isDirectory())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const stale = sets.slice(3).filter((p) => Date.now() - statSync(p).mtimeMs > IN_USE_MS);
  for (const old of stale) rmSync(old, { recursive: true, force: true });
}
