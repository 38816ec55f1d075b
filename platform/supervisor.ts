import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

/**
 * Keeps NEMO's worker processes running. seed: "Automatic restart on failures (max 3 attempts)" and "Operator alert
 * if 3 restarts fail": a process that keeps failing is restarted at most `maxRestarts` times in a row, then left
 * down while the others keep running. A process that stayed up for `stableAfterMs` has its count reset, so a crash
 * a week is not counted against one a month later.
 */

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export type ProcessState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface ProcessStatus {
  name: string;
  pid?: number;
  state: ProcessState;
  restarts: number;
  lastExit?: { code: number | null; signal: NodeJS.Signals | null; at: string };
}

export interface SupervisorEvents {
  exit: [status: ProcessStatus];
  restart: [status: ProcessStatus, attempt: number];
  'gave-up': [status: ProcessStatus, outputTail: string];
}

interface Managed {
  spec: ProcessSpec;
  child?: ChildProcess;
  status: ProcessStatus;
  startedAt: number;
  tail: string;
  timer?: NodeJS.Timeout;
  /** The operator asked for a restart: the exit that follows is not a failure. */
  replacing?: boolean;
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly managed = new Map<string, Managed>();
  private stopping = false;

  constructor(
    private readonly options: {
      maxRestarts: number;
      restartDelayMs: number;
      stableAfterMs: number;
      onOutput?: (name: string, line: string) => void;
    },
  ) {
    super();
  }

  start(spec: ProcessSpec): void {
    const entry: Managed = { spec, status: { name: spec.name, state: 'starting', restarts: 0 }, startedAt: 0, tail: '' };
    this.managed.set(spec.name, entry);
    this.launch(entry);
  }

  private launch(entry: Managed): void {
    const child = spawn(entry.spec.command, entry.spec.args, {
      env: entry.spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    entry.child = child;
    entry.startedAt = Date.now();
    entry.status = { ...entry.status, pid: child.pid, state: 'running' };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      entry.tail = (entry.tail + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) this.options.onOutput?.(entry.spec.name, line);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => this.onExit(entry, code, signal));
  }

  private onExit(entry: Managed, code: number | null, signal: NodeJS.Signals | null): void {
    entry.child = undefined;
    entry.status = { ...entry.status, pid: undefined, lastExit: { code, signal, at: new Date().toISOString() } };
    if (this.stopping) {
      entry.status.state = 'stopped';
      this.emit('exit', entry.status);
      return;
    }
    if (entry.replacing) {
      entry.replacing = false;
      this.emit('exit', entry.status);
      this.launch(entry);
      return;
    }
    if (Date.now() - entry.startedAt >= this.options.stableAfterMs) entry.status.restarts = 0;
    this.emit('exit', entry.status);
    if (entry.status.restarts >= this.options.maxRestarts) {
      entry.status.state = 'failed';
      this.emit('gave-up', entry.status, entry.tail);
      return;
    }
    entry.status.restarts += 1;
    entry.status.state = 'restarting';
    this.emit('restart', entry.status, entry.status.restarts);
    entry.timer = setTimeout(() => {
      if (!this.stopping) this.launch(entry);
    }, this.options.restartDelayMs);
  }

  statuses(): ProcessStatus[] {
    return [...this.managed.values()].map((m) => ({ ...m.status }));
  }

  /** Sends `signal` to one process as a failure would (tests and drills). */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    return this.managed.get(name)?.child?.kill(signal) ?? false;
  }

  /**
   * The operator's restart (`nemo worker restart`): the restart count starts again from 0; a running process is
   * stopped (SIGTERM) and started again, one that was given up on is started.
   */
  restart(name: string): boolean {
    const entry = this.managed.get(name);
    if (!entry || this.stopping) return false;
    clearTimeout(entry.timer);
    entry.status = { ...entry.status, restarts: 0, state: 'restarting' };
    if (entry.child) {
      entry.replacing = true;
      entry.child.kill('SIGTERM');
    } else {
      this.launch(entry);
    }
    return true;
  }

  /** SIGTERM to all, SIGKILL to what is still alive after `graceMs`. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const waits = [...this.managed.values()].map((entry) => {
      clearTimeout(entry.timer);
      const child = entry.child;
      if (!child) {
        // A process that was given up on stays reported as failed.
        if (entry.status.state !== 'failed') entry.status.state = 'stopped';
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    });
    await Promise.all(waits);
  }
}
