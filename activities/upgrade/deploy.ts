import type { Client } from '@temporalio/client';
import type { NemoHome } from '../../platform/nemo-home';
import { findBuild, readWorkerReport, updateDeploymentState, upsertBuild, type BuildRecord } from './deployment-state';
import { DeployError, makeCurrent } from './worker-deployment';

/**
 * Making a build current: its workers are asked of the release-worker manager (`nemo up`), and once they poll every
 * task queue Temporal routes new workflows to it. Workflows already running stay pinned to the build they started
 * on, whose workers keep running until Temporal reports that build drained.
 */

export interface ReleaseControl {
  client: Client;
  home: NemoHome;
  /** Recorded by Temporal as who changed the current version. */
  identity: string;
  /** How long the new build's workers may take to start and poll. */
  readyTimeoutMs: number;
  /** A replaced build keeps its workers at least this long (NEMO_UPGRADE_KEEP_WARM), so a rollback finds them up. */
  keepWarmMs: number;
  onWait?: (why: string) => void;
}

export type DeployableBuild = Omit<BuildRecord, 'health' | 'registeredAt' | 'run'>;

export async function deployBuild(
  control: ReleaseControl,
  build: DeployableBuild,
): Promise<{ buildId: string; previous?: string }> {
  if (!readWorkerReport(control.home)) {
    throw new DeployError(
      'no release-worker manager is running (it runs inside `nemo up`): nothing would start the workers of the new build',
    );
  }
  const now = () => new Date();
  await updateDeploymentState(control.home, (state) => {
    // Not retired while its workers start and register, whatever Temporal says about a version it has not seen yet.
    upsertBuild(
      state,
      {
        ...build,
        run: true,
        keepUntil: new Date(Date.now() + control.readyTimeoutMs + control.keepWarmMs).toISOString(),
      },
      now(),
    );
  });
  let previous: string | undefined;
  try {
    ({ previous } = await makeCurrent(control.client, build.buildId, {
      timeoutMs: control.readyTimeoutMs,
      identity: control.identity,
      onWait: control.onWait,
    }));
  } catch (err) {
    // The switch never happened: the build's workers are not wanted, and it is not a version to return to.
    await updateDeploymentState(control.home, (state) => {
      const record = findBuild(state, build.buildId);
      if (record && state.current !== build.buildId) Object.assign(record, { run: false, health: 'bad' });
    });
    throw err;
  }
  await updateDeploymentState(control.home, (state) => {
    const record = findBuild(state, build.buildId)!;
    record.currentSince = now().toISOString();
    state.current = build.buildId;
    const replaced = previous ? findBuild(state, previous) : undefined;
    if (replaced && replaced.buildId !== build.buildId)
      replaced.keepUntil = new Date(Date.now() + control.keepWarmMs).toISOString();
  });
  return { buildId: build.buildId, previous };
}

export async function setBuildHealth(home: NemoHome, buildId: string, health: BuildRecord['health']): Promise<void> {
  await updateDeploymentState(home, (state) => {
    const record = findBuild(state, buildId);
    if (record) record.health = health;
  });
}
