import type { DomainManifest } from './manifest';

/** seed Domain 2: paper trading. The demo venues with demo keys only. */
export const paperDomain = {
  name: 'paper',
  taskQueue: 'nemo-paper',
  purpose: 'Test strategies with simulated capital on the demo venues',
  risk: 'medium',
  may: [
    'market-data.read',
    'account.read',
    'orders.demo',
    'guardian.update',
    'ledger.append',
    'ledger.read',
    'alert.raise',
    'approval.request',
  ],
  secrets: ['venue.demo', 'ledger'],
  mayNot: ['real capital access', 'live API keys', 'wallet connections'],
  workflowsModule: 'workflows/paper-domain.ts',
  workflows: ['paperPortfolioGuardian', 'paperTrade', 'paperTradingDesk'],
  activities: [
    // Venues (activities/venues/venue-activities.ts)
    'listMarkets',
    'getMarket',
    'getOrderBook',
    'getPriceHistory',
    'getBalance',
    'getPositions',
    'getOrder',
    'findOrderByClientOrderId',
    'listOrders',
    'listFills',
    'listSettlements',
    'placePaperOrder',
    'cancelPaperOrder',
    // The guardian and the trades (activities/trading/trading-activities.ts)
    'markAccount',
    'confirmAtGuardian',
    'commitFillAtGuardian',
    'releaseAtGuardian',
    'guardianSnapshot',
    'loadGuardianMemory',
    'findStrategyProof',
    'liveApprovalOf',
    'reserveForTrade',
  ],
} as const satisfies DomainManifest;
