import type { DomainManifest } from './manifest';
import { TRADING_ACTIVITIES, TRADING_CAPABILITIES } from './trading';

/** seed Domain 3: live trading. Production venues with production keys; no withdrawal capability. */
export const liveDomain = {
  name: 'live',
  taskQueue: 'nemo-live',
  purpose: 'Execute real trades within hard limits, pre-approved strategies only',
  risk: 'high',
  may: [...TRADING_CAPABILITIES, 'orders.live'],
  secrets: ['venue.production', 'ledger'],
  mayNot: ['withdrawals', 'unlimited position sizes', 'leverage or margin'],
  workflowsModule: 'workflows/live-domain.ts',
  workflows: ['livePortfolioGuardian', 'liveTrade', 'liveTradingDesk'],
  activities: [...TRADING_ACTIVITIES, 'openLiveTrade', 'placeLiveOrder', 'cancelLiveOrder'],
} as const satisfies DomainManifest;
