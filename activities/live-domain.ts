import type { WorkerContext } from '../platform/worker-context';
import { venuePortsFor } from './venues/credentials';
import { tradingActivities } from './trading/trading-activities';
import {
  createAccountActivities,
  createLiveOrderActivities,
  createMarketDataActivities,
} from './venues/venue-activities';

/** The live domain's activities: production venues with production keys (seed: no withdrawal capabilities). */
export function liveActivities(ctx: WorkerContext) {
  const ports = venuePortsFor('live', ctx.secrets, ctx.config);
  return {
    ...createMarketDataActivities(ports),
    ...createAccountActivities(ports),
    ...createLiveOrderActivities(ports),
    ...tradingActivities(ctx, 'live', ports),
  };
}
