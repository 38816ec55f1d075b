/**
 * What the candidate sandbox (issue 18 B) costs a self-upgrade's checks: the same candidate check run inside the
 * sandbox and without it, alternately, in one run on this machine; the figure is the ratio.
 *   npx tsx bench/candidate-sandbox.ts [runs]
 * Two checks: a pure test file (the sandbox's own cost), and `npm test -- <that file>` (the whole test runner: inside,
 * the candidate also starts its own PostgreSQL cluster, where outside it uses the machine's).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChecks } from '../activities/upgrade/candidate-checks';
import { candidateEnv, candidateSandbox } from '../activities/upgrade/candidate-env';
import { candidatePaths } from '../activities/upgrade/paths';
import { nemoHome } from '../platform/nemo-home';
import { sandboxAvailability } from '../platform/sandbox';
import { machineLine, percentile } from './machine';

const ROOT = path.resolve(__dirname, '..');
const TEST_FILE = 'test/policies/fees.test.ts';
const CHECKS = {
  'one test file': `node --import tsx --test ${TEST_FILE}`,
  'npm test -- one file': `npm test -- ${TEST_FILE}`,
};

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1);
  console.log(machineLine());
  const availability = sandboxAvailability();
  if (!availability.ok) throw new Error(availability.reason);
  const home = nemoHome(mkdtempSync(path.join(os.tmpdir(), 'nemo-bench-sandbox-')));
  const paths = candidatePaths(home, 'bench');
  try {
    execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', '-q', paths.worktree, 'HEAD']);
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(paths.worktree, 'node_modules'), 'dir');
    for (const [name, command] of Object.entries(CHECKS)) {
      const times = { inside: [] as number[], outside: [] as number[] };
      for (let i = 0; i < runs; i++) {
        for (const where of ['outside', 'inside'] as const) {
          const sandbox = where === 'inside' ? candidateSandbox(paths, home, [], 'candidate-bench') : undefined;
          const report = await runChecks([{ name: 'tests', command }], {
            cwd: paths.worktree,
            env: candidateEnv(paths, { sandboxed: Boolean(sandbox) }),
            sandbox,
            timeoutMs: 20 * 60_000,
            progress: () => undefined,
          });
          if (!report.ok) throw new Error(`${name} ${where}: ${report.failure}\n${report.suites[0]?.outputTail}`);
          times[where].push(report.suites[0]!.durationMs);
        }
      }
      const median = (xs: number[]) =>
        percentile(
          [...xs].sort((a, b) => a - b),
          50,
        );
      const inside = median(times.inside);
      const outside = median(times.outside);
      console.log(
        `${name.padEnd(22)} outside ${(outside / 1000).toFixed(2)} s, inside ${(inside / 1000).toFixed(2)} s: sandbox x${(inside / outside).toFixed(2)} (${runs} run${runs > 1 ? 's' : ''} each, median)`,
      );
    }
  } finally {
    execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', paths.worktree]);
    rmSync(home.root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
