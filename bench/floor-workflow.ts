import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PlaceOrderActivityRequest, VenueActivities } from '../activities/venues/venue-activities';
import type { VenueOrder } from '../activities/venues/venue-port';
import { ORDER_PLACEMENT } from '../workflows/activity-options';

/** The task queue of bench/trade-path.ts's floor worker (never a NEMO domain's). */
export const FLOOR_TASK_QUEUE = 'nemo-bench-floor';

/** The bare decider's workflow id and its one update: yes to every order, no book, no checks. */
export const DECIDER_WORKFLOW_ID = 'bench-floor-decider';
export const decideUpdate = defineUpdate<boolean, [string]>('decide');

/** The activity of the decided floor: one update to the bare decider, then the placement. */
export interface DecidedFloorActivities {
  decideAndPlaceLiveOrder(request: PlaceOrderActivityRequest): Promise<VenueOrder>;
}

const { placeLiveOrder } = proxyActivities<VenueActivities>({ taskQueue: FLOOR_TASK_QUEUE, ...ORDER_PLACEMENT });
const { decideAndPlaceLiveOrder } = proxyActivities<DecidedFloorActivities>({
  taskQueue: FLOOR_TASK_QUEUE,
  ...ORDER_PLACEMENT,
});

/** The floor of a durable order: one workflow, one activity call to the venue adapter, nothing else. */
export async function floorOrder(request: PlaceOrderActivityRequest): Promise<VenueOrder> {
  return placeLiveOrder(request);
}

/**
 * The floor of an order a workflow decides before it is placed (the design, without NEMO's checks, ledger or
 * book): one workflow, one activity that asks the bare decider by an update and then calls the venue adapter.
 */
export async function decidedFloorOrder(request: PlaceOrderActivityRequest): Promise<VenueOrder> {
  return decideAndPlaceLiveOrder(request);
}

/** The bare decider, running for the whole bench like NEMO's guardian. */
export async function floorDecider(): Promise<void> {
  setHandler(decideUpdate, () => true);
  await condition(() => false);
}
