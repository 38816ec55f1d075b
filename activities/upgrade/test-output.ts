import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads a test run's output as it streams: counts passes and failures for the progress heartbeat, and names the
 * failing tests for the refusal. Understands node's spec reporter (its "failing tests" section gives each failing
 * test with its file and line), TAP ("not ok N - name"), NEMO's runner summary ("FAIL test/file.test.ts") and the
 * strategies' backtests (scripts/backtest-strategies.ts: one "ok   <strategy> <version> on ..." or "FAIL ..." line each).
 */

const DURATION = /\s+\([\d.]+m?s\)$/;
// "test at file:line:column" names where the failing test is; the column is dropped.
const LOCATION = /^test at (.+?)(?::\d+)?$/;
// One strategy's backtest verdict: "ok   kalshi-mispricing 0123456789abcdef on synthetic kalshi data: ...".
const BACKTEST = /^(ok|FAIL) +([a-z0-9-]+) [0-9a-f]{16} on /;

/**
 * Where a failing test is. For TypeScript, node reports the line of tsx's transpiled output (every test at ":2"), so
 * the test is found by its name in its source under `cwd`; without a match, the file alone.
 */
function locate(location: string, name: string, cwd: string | undefined): string {
  const at = /^(.+\.[cm]?tsx?):\d+$/.exec(location);
  if (!at) return location;
  const file = at[1]!;
  try {
    const lines = readFileSync(path.resolve(cwd ?? '.', file), 'utf8').split('\n');
    const index = lines.findIndex((l) =>
      [`'${name}'`, `"${name}"`, `\`${name}\``].some((quoted) => l.includes(quoted)),
    );
    return index >= 0 ? `${file}:${index + 1}` : file;
  } catch {
    return file;
  }
}

export class TestOutputReader {
  /** `cwd`: where the suite ran, to find a TypeScript test's line in its source. */
  constructor(private readonly cwd?: string) {}

  /** Live counts from the pass and fail marks as they stream (suites included), for progress. */
  passed = 0;
  failed = 0;
  lines = 0;
  lastLine = '';
  private inFailingSection = false;
  private location: string | undefined;
  private readonly fromSection: string[] = [];
  private readonly fromMarks: string[] = [];
  private readonly failedFiles: string[] = [];
  private reported: { passed: number; failed: number } | undefined;
  private overall: { passed: number; failed: number } | undefined;

  read(raw: string): void {
    // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
    this.lines += 1;
    if (line.trim()) this.lastLine = line.trim().slice(0, 200);
    const trimmed = line.trim();
    const summary = /^ℹ (pass|fail) (\d+)$/.exec(trimmed);
    if (summary) {
      this.reported ??= { passed: 0, failed: 0 };
      this.reported[summary[1] === 'pass' ? 'passed' : 'failed'] += Number(summary[2]);
      return;
    }
    const runner = /\| pass (\d+) \| fail (\d+) \|/.exec(trimmed);
    if (runner) this.overall = { passed: Number(runner[1]), failed: Number(runner[2]) };
    if (trimmed === '✖ failing tests:') {
      this.inFailingSection = true;
      return;
    }
    // A new file's output (NEMO's runner prints one block per file) ends the previous file's failing section.
    if (/^── .+ ──$/.test(trimmed)) this.inFailingSection = false;
    if (this.inFailingSection) {
      const at = LOCATION.exec(trimmed);
      if (at) this.location = at[1];
      else if (trimmed.startsWith('✖ ') && !line.startsWith(' ')) {
        const name = trimmed.slice(2).replace(DURATION, '');
        this.fromSection.push(this.location ? `${name} (${locate(this.location, name, this.cwd)})` : name);
        this.location = undefined;
      }
      return;
    }
    if (/^\s*✔ /.test(line)) this.passed += 1;
    else if (/^\s*✖ /.test(line)) {
      this.failed += 1;
      this.fromMarks.push(trimmed.slice(2).replace(DURATION, ''));
    } else {
      const tap = /^\s*not ok \d+ - (.+?)(\s+#.*)?$/.exec(line);
      if (tap) {
        this.failed += 1;
        this.fromMarks.push(tap[1]!);
      } else if (/^\s*ok \d+ - /.test(line)) this.passed += 1;
      const backtest = BACKTEST.exec(trimmed);
      const file = /^FAIL\s+(\S+)/.exec(trimmed);
      if (backtest?.[1] === 'ok') this.passed += 1;
      else if (backtest) {
        this.failed += 1;
        this.fromMarks.push(`backtest ${backtest[2]}`);
      } else if (file) this.failedFiles.push(file[1]!);
    }
  }

  /** Tests passed and failed: the runner's own totals when it printed them, else the marks seen. */
  counts(): { passed: number; failed: number } {
    return this.overall ?? this.reported ?? { passed: this.passed, failed: this.failed };
  }

  /** The failing tests by name (with file where the reporter gives it), most precise source first. */
  failingTests(limit = 20): string[] {
    const names = this.fromSection.length
      ? this.fromSection
      : this.fromMarks.length
        ? this.fromMarks
        : this.failedFiles;
    return [...new Set(names)].slice(0, limit);
  }
}
