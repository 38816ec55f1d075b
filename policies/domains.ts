/**
 * The seed's execution domains ("Execution Domains") as data: what each domain may do, which secrets it may load,
 * which workflows it runs, and which capability every activity needs. Workers register only their own domain's
 * workflows and activities; each activity also checks at run time that the workflow which scheduled it belongs to a
 * domain holding the capability (defence in depth: a research workflow cannot get an order placed on the live queue).
 */

export const DOMAINS = ['research', 'paper', 'live', 'upgrade', 'control'] as const;
export type Domain = (typeof DOMAINS)[number];

export const TASK_QUEUES: Readonly<Record<Domain, string>> = {
  research: 'nemo-research',
  paper: 'nemo-paper',
  live: 'nemo-live',
  upgrade: 'nemo-upgrade',
  control: 'nemo-control',
};

export type Capability =
  | 'market-data.read' // read-only venue calls
  | 'web.scrape' // allowlisted external text sources
  | 'analyst.ask' // the LLM analyst
  | 'backtest.run'
  | 'ledger.append'
  | 'ledger.read' // look up proofs, approvals and recorded baselines
  | 'guardian.update' // reserve, commit and release exposure at the domain's own portfolio guardian
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

export interface DomainPermissions {
  purpose: string;
  risk: 'low' | 'medium' | 'high' | 'variable' | 'operational';
  may: readonly Capability[];
  secrets: readonly SecretScope[];
  /** The seed's explicit prohibitions for the domain, kept for the operator's `nemo doctor` and docs. */
  mayNot: readonly string[];
}

export const DOMAIN_PERMISSIONS: Readonly<Record<Domain, DomainPermissions>> = {
  research: {
    purpose: 'Scan markets, analyse data, identify opportunities, backtest',
    risk: 'low',
    may: [
      'market-data.read',
      'web.scrape',
      'analyst.ask',
      'backtest.run',
      'ledger.append',
      'ledger.read',
      'alert.raise',
      'approval.request',
    ],
    secrets: ['venue.readonly', 'llm', 'ledger'],
    mayNot: ['trading execution', 'wallet access', 'external code execution'],
  },
  paper: {
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
  },
  live: {
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
  },
  upgrade: {
    purpose: 'Upgrade capabilities with tests before deployment and rollback',
    risk: 'variable',
    may: [
      'code.modify',
      'packages.install',
      'tests.run',
      'backtest.run',
      'release.rollback',
      'ledger.append',
      'alert.raise',
      'approval.request',
    ],
    secrets: ['ledger'],
    mayNot: ['system-level changes without approval', 'external integrations without audit', 'venue keys'],
  },
  control: {
    purpose: 'Heartbeat, health, incidents, backups, reconciliation, audits and reports',
    risk: 'operational',
    may: [
      'market-data.read',
      'account.read',
      'ledger.append',
      'ledger.read',
      'alert.raise',
      'approval.request',
      'guardian.signal',
      'keys.revoke',
      'backups.run',
      'health.probe',
      'reports.write',
      'release.rollback',
    ],
    secrets: ['venue.readonly', 'alerts', 'ledger'],
    mayNot: ['placing orders', 'withdrawals'],
  },
};

/** Which domain each workflow type belongs to (the workflow's exported function name). */
export const WORKFLOW_DOMAINS: Readonly<Record<string, Domain>> = {
  heartbeat: 'control',
  healthCheck: 'control',
  ledgerBackup: 'control',
  restoreDrill: 'control',
  selfUpgrade: 'upgrade',
  releaseCanary: 'upgrade',
  keyAgeCheck: 'control',
  alertDigest: 'control',
  researchScan: 'research',
  backtest: 'research',
  livePortfolioGuardian: 'live',
  liveTrade: 'live',
  paperPortfolioGuardian: 'paper',
  paperTrade: 'paper',
  // Incident response and operations (issue 7)
  securityBreach: 'control',
  financialLoss: 'control',
  technicalFailure: 'control',
  incidentWatch: 'control',
  dailyReconciliation: 'control',
  accountSnapshot: 'control',
  dailyAudit: 'control',
  weeklyReview: 'control',
  monthlyDeepDive: 'control',
  paperTradingDesk: 'paper',
  liveTradingDesk: 'live',
  analystCreditRequest: 'research',
};

/** The capability each activity needs from the workflow that scheduled it. */
export const ACTIVITY_CAPABILITIES: Readonly<Record<string, Capability>> = {
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
  commitFillAtGuardian: 'guardian.update',
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
  snapshotOpenMarkets: 'market-data.read',
  analyseMarketBatch: 'analyst.ask',
  analyseSpotProducts: 'market-data.read',
  strategiesProvenForLive: 'ledger.read',
};

export function domainOfWorkflow(workflowType: string): Domain | undefined {
  return Object.hasOwn(WORKFLOW_DOMAINS, workflowType) ? WORKFLOW_DOMAINS[workflowType] : undefined;
}

export type CallVerdict =
  | { allowed: true; callerDomain: Domain; capability: Capability }
  | { allowed: false; reason: string; callerDomain?: Domain; capability?: Capability };

/**
 * May a workflow of this type get this activity executed by a worker of `hostDomain`? The activity must be one the
 * host domain offers, and the calling workflow's domain must hold the capability the activity needs.
 */
export function mayCall(workflowType: string, activityType: string, hostDomain: Domain): CallVerdict {
  const capability = Object.hasOwn(ACTIVITY_CAPABILITIES, activityType)
    ? ACTIVITY_CAPABILITIES[activityType]
    : undefined;
  if (!capability) return { allowed: false, reason: `activity ${activityType} has no declared capability` };
  if (!DOMAIN_PERMISSIONS[hostDomain].may.includes(capability)) {
    return { allowed: false, capability, reason: `the ${hostDomain} domain does not offer ${capability}` };
  }
  const callerDomain = domainOfWorkflow(workflowType);
  if (!callerDomain)
    return { allowed: false, capability, reason: `workflow type ${workflowType} belongs to no domain` };
  if (!DOMAIN_PERMISSIONS[callerDomain].may.includes(capability)) {
    return {
      allowed: false,
      callerDomain,
      capability,
      reason: `a ${callerDomain} workflow (${workflowType}) may not use ${capability} (activity ${activityType})`,
    };
  }
  // Orders placed for a domain run only on that domain's own worker: paper orders never reach live keys.
  if ((capability === 'orders.live' || capability === 'orders.demo') && callerDomain !== hostDomain) {
    return {
      allowed: false,
      callerDomain,
      capability,
      reason: `${callerDomain} orders must run on the ${callerDomain} worker`,
    };
  }
  return { allowed: true, callerDomain, capability };
}

/**
 * Why a worker of `hostDomain` must not register these activities (none: it may): each needs a declared capability
 * that the host domain offers. Checked when a worker starts, so a registration the matrix would refuse at every call
 * stops the worker instead.
 */
export function registrationProblems(hostDomain: Domain, activityNames: readonly string[]): string[] {
  return activityNames.flatMap((activity) => {
    const capability = Object.hasOwn(ACTIVITY_CAPABILITIES, activity) ? ACTIVITY_CAPABILITIES[activity] : undefined;
    if (!capability) return [`${activity} has no declared capability (ACTIVITY_CAPABILITIES)`];
    return DOMAIN_PERMISSIONS[hostDomain].may.includes(capability)
      ? []
      : [`${activity} needs ${capability}, which the ${hostDomain} domain does not offer`];
  });
}
