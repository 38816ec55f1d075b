import { condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CanaryReport } from '../../activities/upgrade/health-watch';
import type { UpgradeActivities } from '../../activities/upgrade/upgrade-activities';
import { TASK_QUEUES } from '../../policies/domains';
import { CANARY } from '../activity-options';

/**
 * A release's canary: the smallest workflow that exercises a build end to end (a workflow task and an activity on the
 * upgrade queue) and says which build ran each. The health watch starts one on every round; with `hold` it waits for
 * `finishCanary`, which shows a workflow staying pinned to the build it started on across a deploy.
 */

export const finishCanary = defineSignal('finishCanary');

const { reportWorkerBuild } = proxyActivities<UpgradeActivities>({ taskQueue: TASK_QUEUES.upgrade, ...CANARY });

export async function releaseCanary(options: { hold?: boolean } = {}): Promise<CanaryReport> {
  const startedOn = workflowInfo().currentDeploymentVersion?.buildId ?? null;
  let finished = !options.hold;
  setHandler(finishCanary, () => {
    finished = true;
  });
  await condition(() => finished);
  const activityBuildId = await reportWorkerBuild();
  return { workflowBuildId: workflowInfo().currentDeploymentVersion?.buildId ?? null, activityBuildId, startedOn };
}
