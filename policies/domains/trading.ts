import type { ActivityName, Capability } from './capabilities';

/**
 * What the paper and live domains share: they trade the same way, each on its own venues with its own keys, so their
 * manifests differ only in who they are, their secrets and their order activities.
 */
export const TRADING_CAPABILITIES = [
  'market-data.read',
  'account.read',
  'guardian.update',
  'ledger.append',
  'ledger.read',
  'alert.raise',
  'approval.request',
] as const satisfies readonly Capability[];

export const TRADING_ACTIVITIES = [
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
  // The guardian and the trades (activities/trading/trading-activities.ts)
  'markAccount',
  'confirmAtGuardian',
  'releaseAtGuardian',
  'guardianSnapshot',
  'loadGuardianMemory',
  'findStrategyProof',
  'liveApprovalOf',
  'reserveForTrade',
  'settleTrade',
] as const satisfies readonly ActivityName[];
