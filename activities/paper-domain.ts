import type { WorkerContext } from '../platform/worker-context';
import { venuePortsFor } from './venues/credentials';
import { openTrade } from './trading/open-trade';
import { tradingActivities } from './trading/trading-activities';
import {
  createAccountActivities,
  createMarketDataActivities,
  createPaperOrderActivities,
} from './venues/venue-activities';

/** The paper domain's activities: the demo venues with demo keys only (seed: no real capital, no live keys). */
export function paperActivities(ctx: WorkerContext) {
  const ports = venuePortsFor('paper', ctx.secrets, ctx.config);
  const orders = createPaperOrderActivities(ports);
  const trading = tradingActivities(ctx, 'paper', ports);
  return {
    ...createMarketDataActivities(ports),
    ...createAccountActivities(ports),
    ...orders,
    ...trading,
    openPaperTrade: openTrade('paper', trading.reserveForTrade, orders.placePaperOrder),
  };
}
