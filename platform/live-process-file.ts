import { existsSync, readFileSync } from 'node:fs';

/**
 * A JSON file that a running process writes about itself (the stack, its settings, its worker report) and that names
 * that process's pid: read only while the process lives, so a file left by a killed `nemo up` reads as absent.
 */
export function readWhileWriterLives<T extends { pid: number }>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  const content = JSON.parse(readFileSync(file, 'utf8')) as T;
  try {
    process.kill(content.pid, 0);
    return content;
  } catch {
    return undefined;
  }
}
