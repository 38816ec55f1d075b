/**
 * What the domain manifests are written in: the capabilities a domain may hold, the secret scopes it may load, and
 * the catalogue of activities with the one capability each needs. An activity is catalogued once even when several
 * domains host it (getMarket runs on research, paper, live and control with the same capability).
 */

export type Capability =
  | 'market-data.read' // read-only venue calls
  | 'web.scrape' // allowlisted external text sources
  | 'analyst.ask' // the LLM analyst
  | 'backtest.run'
  | 'ledger.append'
  | 'ledger.read' // look up proofs, approvals and recorded baselines
  | 'guardian.update' // reserve, commit and release exposure at the domain's own portfolio guardian (a trade's settlement writes its ledger entries first)
  | 'alert.raise' // any domain may ask the control domain to alert the operator
  | 'orders.demo' // demo-venue orders (fake money)
  | 'orders.live' // production orders and cancels
  | 'account.read' // balances, positions, orders, fills, settlements of the domain's own account
  | 'approval.request' // ask the operator and wait for a signal
  | 'guardian.signal' // halt/resume the portfolio guardians (incident response)
  | 'keys.revoke'
  | 'code.modify' // git worktrees, patches, deploy and rollback
  | 'release.rollback' // make an earlier release current again (self-upgrade health failures, technical-failure incidents)
  | 'packages.install' // allowlisted packages only
  | 'tests.run'
  | 'backups.run'
  | 'health.probe'
  | 'reports.write';

/** Things no domain may ever do (seed "Forbidden Actions"); no activity may declare these. */
export const FORBIDDEN_CAPABILITIES = ['funds.withdraw', 'funds.transfer', 'leverage.use', 'system.modify'] as const;

// 'ledger': the ledger's MAC key (vault entry ledger.mac); every domain writes the ledger, so every domain holds it.
export type SecretScope = 'venue.readonly' | 'venue.demo' | 'venue.production' | 'llm' | 'alerts' | 'ledger';

/** The capability each activity needs from the workflow that scheduled it. */
export const ACTIVITY_CAPABILITIES = {
  // The ledger appends every worker hosts (LEDGER_ACTIVITIES)
  appendLedgerEntry: 'ledger.append',
  appendLedgerEntries: 'ledger.append',
  observeDomainWorkers: 'health.probe',
  publishLedgerCheckpoint: 'health.probe',
  probeHealth: 'health.probe',
  backUpLedger: 'backups.run',
  proveBackup: 'backups.run',
  pruneBackups: 'backups.run',
  latestBackupName: 'backups.run',
  // Self-upgrade (issue 8): activities/upgrade/upgrade-activities.ts and rollback-activities.ts
  prepareCandidate: 'code.modify',
  runCandidateChecks: 'tests.run',
  versionCandidate: 'code.modify',
  buildRelease: 'code.modify',
  deployRelease: 'code.modify',
  watchReleaseHealth: 'tests.run',
  discardCandidate: 'code.modify',
  reportWorkerBuild: 'tests.run',
  rollBackToLastGoodVersion: 'release.rollback',
  raiseAlert: 'alert.raise',
  flushHeldAlerts: 'alert.raise',
  requestOperatorApproval: 'approval.request',
  recordApprovalOutcome: 'approval.request',
  checkKeyAges: 'health.probe',
  revokeVenueKeys: 'keys.revoke',
  // Venue activities (activities/venues/venue-activities.ts)
  listMarkets: 'market-data.read',
  getMarket: 'market-data.read',
  getOrderBook: 'market-data.read',
  getPriceHistory: 'market-data.read',
  getBalance: 'account.read',
  getPositions: 'account.read',
  getOrder: 'account.read',
  findOrderByClientOrderId: 'account.read',
  listOrders: 'account.read',
  listFills: 'account.read',
  listSettlements: 'account.read',
  placeLiveOrder: 'orders.live',
  cancelLiveOrder: 'orders.live',
  placePaperOrder: 'orders.demo',
  cancelPaperOrder: 'orders.demo',
  // A trade's reservation at its guardian and then its order, in one step (activities/trading/open-trade.ts)
  openLiveTrade: 'orders.live',
  openPaperTrade: 'orders.demo',
  // Research (issue 6): backtests, the analyst, untrusted-text sources and their screening
  runBacktest: 'backtest.run',
  saveMarketBars: 'market-data.read',
  estimateProbability: 'analyst.ask',
  collectResearchText: 'web.scrape',
  screenUntrustedText: 'web.scrape',
  // Trading (issue 4): the guardians and the trades
  markAccount: 'account.read',
  loadGuardianMemory: 'ledger.read',
  findStrategyProof: 'ledger.read',
  liveApprovalOf: 'ledger.read',
  reserveForTrade: 'guardian.update',
  settleTrade: 'guardian.update',
  releaseAtGuardian: 'guardian.update',
  guardianSnapshot: 'guardian.update',
  confirmAtGuardian: 'guardian.update',
  // Incident response and operations (issue 7): activities/incidents/, reconciliation.ts, audits.ts, reports.ts.
  // Opening incidents and accepting reconciliations stop or lift trading: control-only capabilities.
  openIncident: 'guardian.signal',
  haltGuardians: 'guardian.signal',
  resumeGuardians: 'guardian.signal',
  enterSafeMode: 'guardian.signal',
  leaveSafeMode: 'guardian.signal',
  markReconciling: 'guardian.signal',
  acceptReconciliation: 'guardian.signal',
  evaluateAccounts: 'account.read',
  reconcileWithVenue: 'account.read',
  auditPositionLimits: 'account.read',
  gatherErrorContext: 'ledger.read',
  scanIncidentTriggers: 'ledger.read',
  reconcilableAccounts: 'ledger.read',
  auditTradesLogged: 'ledger.read',
  operatorReview: 'ledger.read',
  auditBackups: 'backups.run',
  writeIncidentReport: 'reports.write',
  snapshotAccounts: 'reports.write',
  runInjectionDrill: 'reports.write',
  writeOpsReport: 'reports.write',
  reviewRiskLimits: 'reports.write',
  reviewStrategies: 'reports.write',
  emailReport: 'reports.write',
  // The research scan (issue 6): snapshot, analyse in batches, proof look-up
  snapshotMarketPage: 'market-data.read',
  analyseMarketBatch: 'analyst.ask',
  analyseSpotProducts: 'market-data.read',
  strategiesProvenForLive: 'ledger.read',
} as const satisfies Readonly<Record<string, Capability>>;

/** An activity the catalogue knows: what a manifest may name (a misspelt name does not compile). */
export type ActivityName = keyof typeof ACTIVITY_CAPABILITIES;

/** The capability `activity` needs, or undefined for a name the catalogue does not know (never the prototype's). */
export function capabilityOf(activity: string): Capability | undefined {
  return Object.hasOwn(ACTIVITY_CAPABILITIES, activity) ? ACTIVITY_CAPABILITIES[activity as ActivityName] : undefined;
}

/**
 * The ledger appends every worker hosts (activities/operations/ledger.ts, added by the worker for its own domain, so
 * an entry records the host's domain): derived into every domain's hosted activities, not repeated per manifest.
 */
export const LEDGER_ACTIVITIES = [
  'appendLedgerEntry',
  'appendLedgerEntries',
] as const satisfies readonly ActivityName[];
