import type { WorkerContext } from '../platform/worker-context';
import { venuePortsFor } from './venues/credentials';
import { openTrade } from './trading/open-trade';
import { tradingActivities } from './trading/trading-activities';
import {
  createAccountActivities,
  createLiveOrderActivities,
  createMarketDataActivities,
} from './venues/venue-activities';

/** The live domain's activities: production venues with production keys (seed: no withdrawal capabilities). */
export function liveActivities(ctx: WorkerContext) {
  const ports = venuePortsFor('live', ctx.secrets, ctx.config);
  const orders = createLiveOrderActivities(ports);
  const trading = tradingActivities(ctx, 'live', ports);
  return {
    ...createMarketDataActivities(ports),
    ...createAccountActivities(ports),
    ...orders,
    ...trading,
    openLiveTrade: openTrade('live', trading.reserveForTrade, orders.placeLiveOrder),
  };
}
