import { proxyActivities } from '@temporalio/workflow';
import type { PlaceOrderActivityRequest, VenueActivities } from '../activities/venues/venue-activities';
import type { VenueOrder } from '../activities/venues/venue-port';
import { ORDER_PLACEMENT } from '../workflows/activity-options';

/** The task queue of bench/trade-path.ts's floor worker (never a NEMO domain's). */
export const FLOOR_TASK_QUEUE = 'nemo-bench-floor';

const { placeLiveOrder } = proxyActivities<VenueActivities>({ taskQueue: FLOOR_TASK_QUEUE, ...ORDER_PLACEMENT });

/** The floor of a durable order: one workflow, one activity call to the venue adapter, nothing else. */
export async function floorOrder(request: PlaceOrderActivityRequest): Promise<VenueOrder> {
  return placeLiveOrder(request);
}
