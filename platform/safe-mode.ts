import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NemoHome } from './nemo-home';

/** seed: "Enter safe mode (monitoring only)": a file in NEMO_HOME/run that `nemo status` shows until an operator clears it. */
export function safeModeFile(home: NemoHome): string {
  return path.join(home.run, 'safe-mode.json');
}

/** Enters safe mode, or keeps the record of whoever entered it first (the supervisor or an incident). */
export function enterSafeMode(home: NemoHome, reason: string, incident?: string): { since: string } {
  const file = safeModeFile(home);
  if (existsSync(file)) return { since: (JSON.parse(readFileSync(file, 'utf8')) as { since: string }).since };
  const since = new Date().toISOString();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ since, reason, ...(incident ? { incident } : {}) }, null, 2)}\n`);
  return { since };
}

export function leaveSafeMode(home: NemoHome): void {
  rmSync(safeModeFile(home), { force: true });
}
