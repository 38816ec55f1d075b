import type { WorkerOptions } from '@temporalio/worker';
import { WORKER_DEPLOYMENT_NAME } from './deployment-state';

/**
 * A worker process started for a build (by `nemo up`'s release-worker manager) carries NEMO_BUILD_ID and joins the
 * `nemo` Worker Deployment as that version. Workflows default to PINNED: a running workflow finishes on the code it
 * started with, and only new workflows run a new release. Without NEMO_BUILD_ID (tests, ad-hoc workers) the worker
 * stays unversioned, as before.
 */
export function workerVersioning(env: NodeJS.ProcessEnv = process.env): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  const buildId = env.NEMO_BUILD_ID;
  if (!buildId) return {};
  return {
    workerDeploymentOptions: {
      version: { deploymentName: WORKER_DEPLOYMENT_NAME, buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
  };
}
