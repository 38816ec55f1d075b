import type { WorkerContext } from '../platform/worker-context';
import { venuePortsFor } from './venues/credentials';
import { tradingActivities } from './trading/trading-activities';
import {
  createAccountActivities,
  createMarketDataActivities,
  createPaperOrderActivities,
} from './venues/venue-activities';

/** The paper domain's activities: the demo venues with demo keys only (seed: no real capital, no live keys). */
export function paperActivities(ctx: WorkerContext) {
  const ports = venuePortsFor('paper', ctx.secrets, ctx.config);
  return {
    ...createMarketDataActivities(ports),
    ...createAccountActivities(ports),
    ...createPaperOrderActivities(ports),
    ...tradingActivities(ctx, 'paper', ports),
  };
}
