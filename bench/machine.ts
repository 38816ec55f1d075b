import os from 'node:os';

/** The line every benchmark prints first, so a figure is never read without the machine it came from. */
export function machineLine(): string {
  const cpus = os.cpus();
  return (
    `machine: ${cpus[0]?.model ?? 'unknown cpu'} x${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `${os.platform()} ${os.release()}, node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join('/')}`
  );
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index]!;
}
