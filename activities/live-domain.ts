import type { WorkerContext } from '../workers/worker-context';
import { venuePortsFor } from './exchanges/credentials';
import { tradingActivities } from './trading-domain';
import { createAccountActivities, createLiveOrderActivities, createMarketDataActivities } from './exchanges/venue-activities';

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
