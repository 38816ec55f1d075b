import { spawn } from 'node:child_process';
import { systemCommandRefusal } from '../../policies/upgrade-rules';
import { BoundaryError } from './errors';
import { pidsCgroup, sandboxedCommand, type CandidateSandbox } from '../../platform/sandbox';

/**
 * Every process the upgrade domain starts goes through here: argv or a configured shell command, never a system
 * package manager, killed as a whole process group on timeout or cancellation, output kept as a bounded tail.
 */

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Aborting kills the process group (activity cancellation). */
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Runs inside this sandbox (platform/sandbox.ts): code that is not approved yet. */
  sandbox?: CandidateSandbox;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last lines of stdout and stderr, interleaved as they came. */
  tail: string;
  stdout: string;
}

const TAIL_CHARS = 12_000;
const STDOUT_CHARS = 4_000_000;

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

function start(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const { sandbox } = options;
  const cgroup = sandbox ? pidsCgroup(sandbox.label, sandbox.maxProcesses) : undefined;
  const [command, argv] = sandbox ? sandboxedCommand(sandbox, [file, ...args], cgroup?.procs) : [file, args];
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let tail = '';
    let stdout = '';
    let partial = '';
    let timedOut = false;
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onData = (chunk: Buffer, isStdout: boolean) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-TAIL_CHARS);
      if (isStdout && stdout.length < STDOUT_CHARS) stdout += text;
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line);
      }
    };
    child.stdout.on('data', (c: Buffer) => onData(c, true));
    child.stderr.on('data', (c: Buffer) => onData(c, false));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs)
      : undefined;
    options.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      if (partial && options.onLine) options.onLine(partial);
      resolve({ code, signal, timedOut, tail, stdout });
    });
  }).finally(() => cgroup?.remove());
}

/** Runs a program with arguments (no shell). */
export async function run(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const refusal = systemCommandRefusal(file);
  if (refusal) throw new BoundaryError(refusal);
  return start(file, args, options);
}

/** Runs a program and returns its stdout; a non-zero exit throws CommandError with the output's tail. */
export async function runChecked(file: string, args: string[], options: RunOptions): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    const why = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : `exited with ${result.code ?? result.signal}`;
    throw new CommandError(
      `${[file, ...args].join(' ').slice(0, 300)} ${why}: ${result.tail.trim().split('\n').slice(-8).join('\n')}`,
      result,
    );
  }
  return result.stdout;
}

/** Runs an operator-configured shell command (the test and backtest commands). */
export async function runShell(command: string, options: RunOptions): Promise<RunResult> {
  const refusal = systemCommandRefusal(command);
  if (refusal) throw new BoundaryError(`configured command "${command}": ${refusal}`);
  return start('/bin/sh', ['-c', command], options);
}
