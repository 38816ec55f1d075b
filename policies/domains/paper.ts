import type { DomainManifest } from './manifest';
import { TRADING_ACTIVITIES, TRADING_CAPABILITIES } from './trading';

/** seed Domain 2: paper trading. The demo venues with demo keys only. */
export const paperDomain = {
  name: 'paper',
  taskQueue: 'nemo-paper',
  purpose: 'Test strategies with simulated capital on the demo venues',
  risk: 'medium',
  may: [...TRADING_CAPABILITIES, 'orders.demo'],
  secrets: ['venue.demo', 'ledger'],
  mayNot: ['real capital access', 'live API keys', 'wallet connections'],
  workflowsModule: 'workflows/paper-domain.ts',
  workflows: ['paperPortfolioGuardian', 'paperTrade', 'paperTradingDesk'],
  activities: [...TRADING_ACTIVITIES, 'openPaperTrade', 'placePaperOrder', 'cancelPaperOrder'],
} as const satisfies DomainManifest;
