import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Optional persistence of a venue instance's state, so a restarted `nemo up` in SIMULATED mode keeps balances,
 * positions and orders. Writes are coalesced (at most one per `delayMs`) and atomic (write then rename).
 */
export class StateFile<T> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly snapshot: () => T,
    private readonly delayMs = 250,
  ) {}

  /** Schedules a save soon; many changes in a burst produce one write. */
  touch(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, this.delayMs);
    this.timer.unref();
  }

  saveNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** The state saved by a previous run, if any. */
export function readStateFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
