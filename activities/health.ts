import type { WorkerContext } from '../workers/worker-context';

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

async function runProbe(probe: HealthProbe): Promise<HealthCheckResult> {
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
    return { name: probe.name, status: 'down', latencyMs: Math.round(performance.now() - started), detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** NEMO's own dependencies; venues and services add their probes through `extraProbes`. */
export function coreHealthProbes(ctx: Pick<WorkerContext, 'temporal' | 'ledgerPool'>): HealthProbe[] {
  return [
    {
      name: 'temporal',
      async check() {
        await ctx.temporal.workflowService.describeNamespace({ namespace: ctx.temporal.options.namespace });
      },
    },
    {
      name: 'postgresql',
      async check() {
        await ctx.ledgerPool.query('SELECT 1 FROM ledger_entries LIMIT 1');
      },
    },
  ];
}

export function createHealthActivities(probes: () => HealthProbe[]) {
  return {
    async probeHealth(): Promise<HealthReport> {
      const checks = await Promise.all(probes().map(runProbe));
      return { checkedAt: new Date().toISOString(), checks, allUp: checks.every((c) => c.status === 'up') };
    },
  };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
