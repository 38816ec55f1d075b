import type { Client } from '@temporalio/client';
import type { NemoHome } from '../../platform/nemo-home';
import { TASK_QUEUES } from '../../policies/domains';
import { readWorkerReport } from './deployment-state';
import { currentBuildId } from './worker-deployment';

/**
 * After a deploy, the new build is watched for a window: it must stay current, every one of its worker processes
 * must keep running without a restart, and a canary workflow started as any new workflow would be must run to the
 * end on the new build (its workflow code and its activities). The first problem ends the watch.
 */

/** What the `releaseCanary` workflow returns: declared here, beside its reader, so the workflow imports it downward. */
export interface CanaryReport {
  /** The build whose workflow code ran the workflow's last task. */
  workflowBuildId: string | null;
  /** The build whose worker ran the activity. */
  activityBuildId: string | null;
  /** The build the workflow started on. */
  startedOn: string | null;
}

export interface HealthWatchRequest {
  buildId: string;
  windowMs: number;
  intervalMs: number;
  /** Names the canary workflows: `release-canary/<label>/<n>`. */
  label: string;
}

export interface HealthVerdict {
  healthy: boolean;
  problems: string[];
  canaries: number;
  watchedMs: number;
}

export interface HealthProgress {
  round: number;
  elapsedMs: number;
  canaries: number;
}

export async function watchBuildHealth(
  deps: { client: Client; home: NemoHome },
  request: HealthWatchRequest,
  progress: (p: HealthProgress) => void,
): Promise<HealthVerdict> {
  const started = Date.now();
  const baseline = new Map<string, number>();
  let canaries = 0;
  for (let round = 1; ; round++) {
    const problems: string[] = [];
    const current = await currentBuildId(deps.client);
    if (current !== request.buildId)
      problems.push(`build ${request.buildId} is no longer current (${current ?? 'none'} is)`);

    const report = readWorkerReport(deps.home);
    const processes = report?.builds[request.buildId]?.processes ?? [];
    if (!report) problems.push('no release-worker manager is running (`nemo up`)');
    else if (processes.length === 0) problems.push(`no worker process runs build ${request.buildId}`);
    for (const p of processes) {
      if (!baseline.has(p.name)) baseline.set(p.name, p.restarts);
      if (p.state !== 'running') problems.push(`worker ${p.name} is ${p.state}`);
      else if (p.restarts > baseline.get(p.name)!)
        problems.push(`worker ${p.name} restarted ${p.restarts - baseline.get(p.name)!} time(s) during the watch`);
    }

    if (problems.length === 0) {
      canaries += 1;
      const problem = await runCanary(deps.client, request, canaries);
      if (problem) problems.push(problem);
    }
    const elapsedMs = Date.now() - started;
    progress({ round, elapsedMs, canaries });
    if (problems.length) return { healthy: false, problems, canaries, watchedMs: elapsedMs };
    if (elapsedMs >= request.windowMs) return { healthy: true, problems: [], canaries, watchedMs: elapsedMs };
    await new Promise((r) => setTimeout(r, Math.min(request.intervalMs, Math.max(0, request.windowMs - elapsedMs))));
  }
}

/** A canary does one workflow task and one activity: on a working build it ends in well under a second. */
const CANARY_TIMEOUT_MS = 30_000;

async function runCanary(client: Client, request: HealthWatchRequest, n: number): Promise<string | undefined> {
  try {
    const result: CanaryReport = await client.workflow.execute('releaseCanary', {
      taskQueue: TASK_QUEUES.upgrade,
      workflowId: `release-canary/${request.label}/${n}`,
      args: [{}],
      // A build that cannot run workflows would leave the canary waiting: bound it.
      workflowExecutionTimeout: CANARY_TIMEOUT_MS,
    });
    if (result.workflowBuildId !== request.buildId || result.activityBuildId !== request.buildId) {
      return `canary ${n} ran on workflow build ${result.workflowBuildId ?? 'unversioned'} and activity build ${result.activityBuildId ?? 'unversioned'}, not ${request.buildId}`;
    }
    return undefined;
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    return `canary ${n} failed on build ${request.buildId}: ${cause?.message ?? (err as Error).message}`;
  }
}
