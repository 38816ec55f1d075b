import type { WorkerContext } from '../workers/worker-context';
import { coreHealthProbes, createHealthActivities } from './health';
import { createHeartbeatActivities } from './heartbeat';

/** The control domain's activities: heartbeat, health and (later) incidents, backups, reconciliation, audits. */
export function controlActivities(ctx: WorkerContext) {
  return {
    ...createHeartbeatActivities(ctx),
    ...createHealthActivities(() => coreHealthProbes(ctx)),
  };
}
