/** A dependency NEMO checks (seed: health checks every 5 minutes), and the one way a check is run. */
export interface HealthProbe {
  name: string;
  /** Resolves when the dependency answers; throws with the reason when it does not. */
  check(): Promise<void>;
}

export interface HealthCheckResult {
  name: string;
  status: 'up' | 'down';
  latencyMs: number;
  detail?: string;
}

export interface HealthReport {
  checkedAt: string;
  checks: HealthCheckResult[];
  allUp: boolean;
}

const PROBE_TIMEOUT_MS = 10_000;

/** Runs one probe with a time limit; never throws. */
export async function runProbe(probe: HealthProbe): Promise<HealthCheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { name: probe.name, status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      name: probe.name,
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      detail: (err as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}
