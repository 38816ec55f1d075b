import type { WorkerContext } from '../workers/worker-context';
import { venuePortsFor } from './exchanges/credentials';
import { createMarketDataActivities } from './exchanges/venue-activities';
import { createAnalystActivities } from './analyst';
import { createBacktestActivities } from './backtest';
import { createMarketDataStoreActivities } from './market-data-store';
import { createSourceActivities } from './sources';
import { createResearchScanActivities } from './research-scan';

/** The research domain's activities: read-only market data (read-only keys, or none: market data is public). */
export function researchActivities(ctx: WorkerContext) {
  const ports = venuePortsFor('research', ctx.secrets, ctx.config);
  return {
    ...createMarketDataActivities(ports),
    ...createBacktestActivities(ctx),
    ...createMarketDataStoreActivities(ctx),
    ...createAnalystActivities(ctx),
    ...createSourceActivities(ctx),
    ...createResearchScanActivities({ ctx, ports }),
  };
}
