import { scrub } from '../../platform/secret-scrubber';
import type { CandidateSandbox } from '../../platform/sandbox';
import { runShell } from './run-command';
import { TestOutputReader } from './test-output';

/**
 * seed (Domain 4): "REQUIRES: Testing before deployment". Runs the project's full test suite and the strategies'
 * backtests in the candidate's worktree, reporting progress as it goes, and names what failed.
 */

export interface CheckSuite {
  name: 'tests' | 'backtests';
  command: string;
}

export interface SuiteResult {
  name: CheckSuite['name'];
  command: string;
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  passed: number;
  failed: number;
  failingTests: string[];
  durationMs: number;
  /** The last lines of output, scrubbed of any secret this process knows. */
  outputTail: string;
}

export interface CheckProgress {
  suite: CheckSuite['name'];
  passed: number;
  failed: number;
  lines: number;
  elapsedMs: number;
  lastLine: string;
}

export interface ChecksReport {
  ok: boolean;
  /** Whether the suites ran in the sandbox (false only when the operator allowed unsandboxed checks). */
  sandboxed: boolean;
  suites: SuiteResult[];
  /** One line: what failed, naming the tests. */
  failure?: string;
}

export async function runChecks(
  suites: readonly CheckSuite[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs: number;
    sandbox?: CandidateSandbox;
    signal?: AbortSignal;
    progress: (p: CheckProgress) => void;
    progressEveryMs?: number;
  },
): Promise<ChecksReport> {
  const results: SuiteResult[] = [];
  for (const suite of suites) {
    const reader = new TestOutputReader(options.cwd);
    const started = Date.now();
    const report = () =>
      options.progress({
        suite: suite.name,
        passed: reader.passed,
        failed: reader.failed,
        lines: reader.lines,
        elapsedMs: Date.now() - started,
        lastLine: scrub(reader.lastLine),
      });
    const ticker = setInterval(report, options.progressEveryMs ?? 5000);
    try {
      const result = await runShell(suite.command, {
        cwd: options.cwd,
        env: options.env,
        timeoutMs: options.timeoutMs,
        sandbox: options.sandbox,
        signal: options.signal,
        onLine: (l) => reader.read(l),
      });
      report();
      const ok = result.code === 0 && !result.timedOut;
      const failingTests = reader.failingTests();
      results.push({
        name: suite.name,
        command: suite.command,
        ok,
        exitCode: result.code,
        timedOut: result.timedOut,
        ...reader.counts(),
        failingTests: ok ? [] : failingTests,
        durationMs: Date.now() - started,
        outputTail: scrub(result.tail.split('\n').slice(-40).join('\n')),
      });
      // A failed suite is enough to refuse; later suites would only cost time.
      if (!ok) break;
    } finally {
      clearInterval(ticker);
    }
  }
  const failed = results.find((r) => !r.ok);
  return {
    ok: !failed && results.length === suites.length,
    sandboxed: Boolean(options.sandbox),
    suites: results,
    ...(failed ? { failure: describeFailure(failed) } : {}),
  };
}

function describeFailure(r: SuiteResult): string {
  if (r.timedOut) return `${r.name} (${r.command}) did not finish in time`;
  if (r.failingTests.length) return `${r.name} failed: ${r.failingTests.join('; ')}`;
  const last = r.outputTail.trim().split('\n').slice(-3).join(' | ');
  return `${r.name} (${r.command}) exited with ${r.exitCode}: ${last}`;
}
