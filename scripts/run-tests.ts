/**
 * `npm test`: the whole suite against real parts. It type-checks, checks the format and lints (Prettier, ESLint),
 * makes the temporal CLI available (building it once into a cache outside the checkout), starts a Temporal dev server
 * and makes sure PostgreSQL answers, prepares a migrated template database, bundles the workflows once, then runs
 * every test file with node's built-in test runner, each in its own process, its own Temporal namespace and its own
 * database.
 *
 *   npm test                      all tests
 *   npm test -- test/ledger       only files under a path (or matching a substring)
 *
 * The static checks (types, format, lint) run before a full suite; NEMO_TEST_TYPECHECK=1 runs them before a filtered one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTemporalCli } from '../platform/temporal/temporal-cli';
import { startDevServer } from '../platform/temporal/temporal-server';
import { ensurePostgres } from '../platform/postgres/postgres-bootstrap';
import { dropDatabase, ensureDatabase, withDatabase } from '../platform/postgres/postgres';
import { migrate } from '../platform/postgres/migrations';
import { bundleDomainWorkflows } from '../platform/temporal/workflow-bundles';
import { freePort } from '../platform/ports';
import { stopPrivateCluster, findPostgresBinaries } from '../platform/postgres/postgres-cluster';
import { unformattedLines } from './format-check';

const ROOT = path.resolve(__dirname, '..');
const CONCURRENCY = Number(process.env.NEMO_TEST_CONCURRENCY ?? Math.max(1, os.cpus().length));
const FILE_TIMEOUT_MS = Number(process.env.NEMO_TEST_FILE_TIMEOUT_MS ?? 20 * 60_000);

/** The type-checker and the linter (its cache under node_modules), run on the whole tree before a full suite. */
const STATIC_CHECKS = [
  { title: 'type-checking (tsc --noEmit)', bin: 'typescript/bin/tsc', args: ['--noEmit', '-p', ROOT] },
  {
    title: 'linting (eslint)',
    bin: 'eslint/bin/eslint.js',
    args: ['--cache', '--cache-location', 'node_modules/.cache/eslint/', '.'],
  },
];

const say = (line: string) => process.stdout.write(`[nemo-test] ${line}\n`);

function testFiles(filters: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return name === 'fixtures' ? [] : walk(full);
      return name.endsWith('.test.ts') ? [full] : [];
    });
  const all = walk(path.join(ROOT, 'test')).sort();
  if (filters.length === 0) return all;
  return all.filter((f) => filters.some((filter) => path.relative(ROOT, f).includes(filter.replace(/^\.\//, ''))));
}

interface FileResult {
  file: string;
  code: number | null;
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
  ms: number;
}

function count(output: string, label: string): number {
  const match = new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(output);
  return match ? Number(match[1]) : 0;
}

/** `live`: stream the file's output as it comes (one file alone), instead of printing it whole when it ends. */
function runFile(file: string, env: NodeJS.ProcessEnv, live = false): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // --test-force-exit: a handle a test forgot to close must not hold the file open until the timeout.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', file],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const take = (c: Buffer) => {
      output += c.toString();
      if (live) process.stdout.write(c);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      output += `\n[nemo-test] ${path.relative(ROOT, file)} exceeded ${FILE_TIMEOUT_MS} ms and was killed\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!live) process.stdout.write(`\n── ${path.relative(ROOT, file)} ──\n${output}`);
      resolve({
        file,
        code,
        tests: count(output, 'tests'),
        pass: count(output, 'pass'),
        fail: count(output, 'fail'),
        skipped: count(output, 'skipped') + count(output, 'todo'),
        ms: Date.now() - started,
      });
    });
  });
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = testFiles(filters);
  if (files.length === 0) {
    say(`no test files match ${filters.join(' ')}`);
    return 1;
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nemo-test-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(scratch, { recursive: true, force: true })];
  try {
    // The whole tree's static checks run before a full suite (a filtered run skips them unless asked); each failure
    // names the file and line.
    if (filters.length === 0 || process.env.NEMO_TEST_TYPECHECK === '1') {
      for (const check of STATIC_CHECKS) {
        say(check.title);
        const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', check.bin), ...check.args], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        if (run.status !== 0) {
          process.stdout.write(run.stdout + run.stderr);
          say(`${check.title} failed`);
          return 1;
        }
      }
      say('checking the format (prettier)');
      const unformatted = await unformattedLines(ROOT);
      if (unformatted.length > 0) {
        process.stdout.write(unformatted.map((line) => `${line}\n`).join(''));
        say(`${unformatted.length} files are not formatted; \`npm run format\` rewrites them`);
        return 1;
      }
    }

    const cli = await ensureTemporalCli({ explicit: process.env.TEMPORAL_CLI, progress: say });
    say(`temporal CLI: ${cli.path} (${cli.source})`);

    const namespaces = files.map((_, i) => `nemo-test-${i + 1}`);
    const port = await freePort();
    const server = await startDevServer({
      cli: cli.path,
      dbFile: path.join(scratch, 'temporal.db'),
      port,
      uiPort: await freePort(),
      headless: true,
      namespaces,
      logFile: path.join(scratch, 'temporal-server.log'),
    });
    cleanups.unshift(() => server.stop());
    say(`temporal dev server on ${server.address} with ${namespaces.length} test namespaces`);

    const baseUrl = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/nemo';
    const postgres = await ensurePostgres(baseUrl, path.join(os.tmpdir(), 'nemo-test-postgres'), say);
    if (postgres.privateClusterDir) {
      const binaries = findPostgresBinaries()!;
      cleanups.push(() => stopPrivateCluster(binaries, postgres.privateClusterDir!));
    }
    const templateUrl = withDatabase(postgres.url, `nemo_test_template_${process.pid}`);
    await dropDatabase(templateUrl);
    await ensureDatabase(templateUrl);
    await migrate(templateUrl);
    cleanups.push(() => dropDatabase(templateUrl));
    say(`PostgreSQL ready; migrated template database ${new URL(templateUrl).pathname.slice(1)}`);

    const bundles = await bundleDomainWorkflows(path.join(os.homedir(), '.cache', 'nemo', 'workflow-bundles'), {
      progress: say,
    });
    say(`workflow bundles in ${bundles}`);

    const results: FileResult[] = [];
    const queue = files.map((file, i) => ({ file, namespace: namespaces[i]! }));
    say(`running ${files.length} test files, ${CONCURRENCY} at a time`);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const env: NodeJS.ProcessEnv = {
            ...process.env,
            NODE_ENV: 'test',
            TEMPORAL_ADDRESS: server.address,
            TEMPORAL_NAMESPACE: next.namespace,
            NEMO_TEST_TEMPLATE_DATABASE_URL: templateUrl,
            NEMO_TEST_TEMPORAL_CLI: cli.path,
            NEMO_WORKFLOW_BUNDLE_DIR: bundles,
            NEMO_TEST_SCRATCH: scratch,
          };
          results.push(await runFile(next.file, env, files.length === 1));
        }
      }),
    );

    const total = results.reduce(
      (t, r) => ({
        tests: t.tests + r.tests,
        pass: t.pass + r.pass,
        fail: t.fail + r.fail,
        skipped: t.skipped + r.skipped,
      }),
      { tests: 0, pass: 0, fail: 0, skipped: 0 },
    );
    const broken = results.filter((r) => r.code !== 0);
    process.stdout.write('\n══ NEMO test summary ══\n');
    for (const r of results.sort((a, b) => a.file.localeCompare(b.file))) {
      const mark = r.code === 0 ? 'ok  ' : 'FAIL';
      process.stdout.write(
        `${mark} ${path.relative(ROOT, r.file).padEnd(60)} ${String(r.pass).padStart(4)} passed ${String(r.fail).padStart(3)} failed ${(r.ms / 1000).toFixed(1).padStart(7)}s\n`,
      );
    }
    process.stdout.write(
      `\nfiles ${results.length} | tests ${total.tests} | pass ${total.pass} | fail ${total.fail} | skipped ${total.skipped} | ` +
        `${((Date.now() - started) / 1000).toFixed(0)}s | ${broken.length === 0 ? 'ALL PASSED' : `FAILED: ${broken.map((b) => path.relative(ROOT, b.file)).join(', ')}`}\n`,
    );
    return broken.length === 0 && total.tests > 0 ? 0 : 1;
  } finally {
    for (const cleanup of cleanups)
      await Promise.resolve(cleanup()).catch((err) => say(`cleanup: ${(err as Error).message}`));
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
