import { isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { WORKER_DEPLOYMENT_NAME } from './deployment-state';

/**
 * Temporal's Worker Deployment API (server >= 1.28), as `temporal worker deployment set-current-version` uses it.
 * The current version receives new workflows and every auto-upgrade one; pinned workflows finish on the build
 * they started on, whatever becomes current afterwards.
 */

export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployError';
  }
}

// gRPC NOT_FOUND and FAILED_PRECONDITION: the deployment or version is not registered yet, or lacks pollers.
const notYet = (err: unknown) => isGrpcServiceError(err) && (err.code === 5 || err.code === 9);

/** The build new workflows go to, or undefined before any versioned worker was made current. */
export async function currentBuildId(client: Client): Promise<string | undefined> {
  try {
    const answer = await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName: WORKER_DEPLOYMENT_NAME,
    });
    return answer.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || undefined;
  } catch (err) {
    if (notYet(err)) return undefined;
    throw err;
  }
}

/**
 * Makes `buildId` current once its workers poll every task queue the current build polls (the server refuses the
 * switch before that, which is the safety we want). Retries until `timeoutMs`.
 */
export async function makeCurrent(
  client: Client,
  buildId: string,
  options: { timeoutMs: number; identity: string; onWait?: (why: string) => void },
): Promise<{ previous?: string }> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const answer = await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName: WORKER_DEPLOYMENT_NAME,
        buildId,
        identity: options.identity,
      });
      return { previous: answer.previousDeploymentVersion?.buildId || undefined };
    } catch (err) {
      if (!notYet(err)) throw err;
      const why = (err as Error).message;
      if (Date.now() > deadline) {
        throw new DeployError(
          `build ${buildId} could not be made current within ${Math.round(options.timeoutMs / 1000)} s: ${why}`,
        );
      }
      options.onWait?.(why);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** True when no pinned workflow can still need this build (Temporal reports it drained, or never saw it). */
export async function isDrained(client: Client, buildId: string): Promise<boolean> {
  try {
    const answer = await client.workflowService.describeWorkerDeploymentVersion({
      namespace: client.options.namespace,
      deploymentVersion: { deploymentName: WORKER_DEPLOYMENT_NAME, buildId },
    });
    return (
      answer.workerDeploymentVersionInfo?.drainageInfo?.status ===
      temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED
    );
  } catch (err) {
    if (notYet(err)) return true;
    throw err;
  }
}

/** How many running workflows are pinned to (or currently on) this build, from visibility. */
export async function runningOnBuild(client: Client, buildId: string): Promise<number> {
  const { count } = await client.workflow.count(
    `TemporalWorkerDeploymentVersion = '${WORKER_DEPLOYMENT_NAME}:${buildId.replace(/'/g, '')}' AND ExecutionStatus = 'Running'`,
  );
  return count;
}
