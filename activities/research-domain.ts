import { warmUpScreening } from '../policies/text-screening';
import type { WorkerContext } from '../platform/worker-context';
import { venuePortsFor } from './venues/credentials';
import { createMarketDataActivities } from './venues/venue-activities';
import { createAnalystActivities } from './research/analyst';
import { createBacktestActivities } from './research/backtest';
import { createMarketDataStoreActivities } from './research/market-data-store';
import { createSourceActivities } from './research/sources';
import { createResearchScanActivities } from './research/research-scan';

/** The research domain's activities: read-only market data (read-only keys, or none: market data is public). */
export function researchActivities(ctx: WorkerContext) {
  const ports = venuePortsFor('research', ctx.secrets, ctx.config);
  warmUpScreening();
  return {
    ...createMarketDataActivities(ports),
    ...createBacktestActivities(ctx),
    ...createMarketDataStoreActivities(ctx),
    ...createAnalystActivities(ctx),
    ...createSourceActivities(ctx),
    ...createResearchScanActivities({ ctx, ports }),
  };
}
