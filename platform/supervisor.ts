import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { BWRAP } from './sandbox';

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
  /**
   * The process's secrets, written on file descriptor 3 at every start and again on `handOverSecrets()`
   * (platform/vault/secret-handover.ts); `answer` serves what the process asks back on the same descriptor.
   */
  secrets?: { handover: () => string; answer: (line: string) => Promise<string> };
  /** bwrap arguments (platform/sandbox.ts): the process runs inside that sandbox. */
  sandbox?: string[];
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
  /** The sandboxed process itself (bwrap's child), which signals go to so it can drain. */
  innerPid?: number;
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
    const entry: Managed = {
      spec,
      status: { name: spec.name, state: 'starting', restarts: 0 },
      startedAt: 0,
      tail: '',
    };
    this.managed.set(spec.name, entry);
    this.launch(entry);
  }

  private launch(entry: Managed): void {
    const { spec } = entry;
    const [command, args] = spec.sandbox
      ? [BWRAP, [...spec.sandbox, '--info-fd', '4', '--', spec.command, ...spec.args]]
      : [spec.command, spec.args];
    const child = spawn(command, args, {
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', spec.secrets ? 'pipe' : 'ignore', spec.sandbox ? 'pipe' : 'ignore'],
    });
    entry.child = child;
    entry.innerPid = undefined;
    if (spec.sandbox) {
      let info = '';
      (child.stdio[4] as Socket).on('data', (chunk: Buffer) => {
        info += chunk.toString();
        const pid = /"child-pid":\s*(\d+)/.exec(info);
        if (pid) entry.innerPid = Number(pid[1]);
      });
    }
    if (spec.secrets) this.serveSecrets(entry, child, spec.secrets);
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

  private serveSecrets(entry: Managed, child: ChildProcess, secrets: NonNullable<ProcessSpec['secrets']>): void {
    const channel = child.stdio[3] as Socket;
    channel.on('error', () => undefined);
    channel.write(secrets.handover());
    let partial = '';
    channel.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines)
        if (line) void secrets.answer(line).then((reply) => entry.child === child && channel.write(reply));
    });
  }

  /** Hands every running process its secrets again (a rotation, a revocation, a new master key). */
  handOverSecrets(): void {
    for (const entry of this.managed.values()) {
      const channel = entry.child?.stdio[3] as Socket | null | undefined;
      if (entry.spec.secrets && channel && !channel.destroyed) channel.write(entry.spec.secrets.handover());
    }
  }

  /** Signals the process (inside its sandbox, if it has one; bwrap then exits with it). */
  private signal(entry: Managed, signal: NodeJS.Signals): boolean {
    if (!entry.child) return false;
    if (entry.innerPid && signal !== 'SIGKILL') {
      try {
        process.kill(entry.innerPid, signal);
        return true;
      } catch {
        // Gone already; signal bwrap.
      }
    }
    return entry.child.kill(signal);
  }

  statuses(): ProcessStatus[] {
    return [...this.managed.values()].map((m) => ({ ...m.status }));
  }

  /** Sends `signal` to one process as a failure would (tests and drills). */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const entry = this.managed.get(name);
    return entry ? this.signal(entry, signal) : false;
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
        this.signal(entry, 'SIGTERM');
      });
    });
    await Promise.all(waits);
  }
}
