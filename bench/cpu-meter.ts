import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time spent by each part of a whole-stack bench (the bench's own process, the Temporal server, the venues,
 * PostgreSQL), read from /proc. On a shared machine wall-clock figures move with the other processes' load; the CPU
 * an order costs each part does not, so it says where NEMO spends more than the floor.
 */
export type CpuParts = Record<string, () => number[]>;

const TICK_MS = 10; // Linux's USER_HZ is 100 on every platform Node runs on.

function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0; // the process ended (or /proc is absent): it adds nothing from now on
  }
}

/** Every process whose command name starts with `name` (PostgreSQL's backends are each a process). */
export function pidsNamed(name: string): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith(name);
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

export class CpuMeter {
  /**
   * Each part's processes as last read: a process that exits (a PostgreSQL backend whose connection closed) keeps the
   * CPU it had used, so a part's figure never falls between two readings.
   */
  private readonly lastRead = new Map<string, Map<number, number>>();

  constructor(private readonly parts: CpuParts) {}

  /** CPU ms used so far by each part (this process through process.cpuUsage, the others through /proc). */
  read(): Record<string, number> {
    const usage = process.cpuUsage();
    const figures: Record<string, number> = { bench: (usage.user + usage.system) / 1000 };
    for (const [part, pids] of Object.entries(this.parts)) {
      const processes = this.lastRead.get(part) ?? new Map<number, number>();
      this.lastRead.set(part, processes);
      for (const pid of pids()) processes.set(pid, Math.max(processes.get(pid) ?? 0, processCpuMs(pid)));
      figures[part] = [...processes.values()].reduce((sum, ms) => sum + ms, 0);
    }
    return figures;
  }

  /** CPU ms each part used between two readings. */
  static used(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.keys(after).map((part) => [part, after[part]! - (before[part] ?? 0)]));
  }

  /** "part X ms, ..." per order, from the CPU each part used for `orders` orders. */
  static perOrder(used: Record<string, number>, orders: number): string {
    const parts = Object.entries(used).map(([part, ms]) => `${part} ${(ms / orders).toFixed(1)}`);
    const total = Object.values(used).reduce((sum, ms) => sum + ms, 0) / orders;
    return `cpu ms per order: ${parts.join(', ')} (total ${total.toFixed(1)})`;
  }
}
