import type { DomainManifest } from './manifest';

/** seed Domain 3: live trading. Production venues with production keys; no withdrawal capability. */
export const liveDomain = {
  name: 'live',
  taskQueue: 'nemo-live',
  purpose: 'Execute real trades within hard limits, pre-approved strategies only',
  risk: 'high',
  may: [
    'market-data.read',
    'account.read',
    'orders.live',
    'guardian.update',
    'ledger.append',
    'ledger.read',
    'alert.raise',
    'approval.request',
  ],
  secrets: ['venue.production', 'ledger'],
  mayNot: ['withdrawals', 'unlimited position sizes', 'leverage or margin'],
  workflowsModule: 'workflows/live-domain.ts',
  workflows: ['livePortfolioGuardian', 'liveTrade', 'liveTradingDesk'],
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
    'placeLiveOrder',
    'cancelLiveOrder',
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
