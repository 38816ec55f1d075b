import type { DomainManifest } from './manifest';

/** seed Domain 4: self-improvement. Candidates tested before deployment, releases watched, rollbacks; no venue keys. */
export const upgradeDomain = {
  name: 'upgrade',
  taskQueue: 'nemo-upgrade',
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
  workflowsModule: 'workflows/upgrade-domain.ts',
  workflows: ['selfUpgrade', 'releaseCanary'],
  activities: [
    'prepareCandidate',
    'runCandidateChecks',
    'versionCandidate',
    'buildRelease',
    'deployRelease',
    'watchReleaseHealth',
    'discardCandidate',
    'reportWorkerBuild',
    'rollBackToLastGoodVersion',
  ],
} as const satisfies DomainManifest;
