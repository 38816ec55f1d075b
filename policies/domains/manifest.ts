import type { ActivityName, Capability, SecretScope } from './capabilities';

/** What a domain may do and which secrets it may load: the seed's permission matrix, one row. */
export interface DomainPermissions {
  purpose: string;
  risk: 'low' | 'medium' | 'high' | 'variable' | 'operational';
  may: readonly Capability[];
  secrets: readonly SecretScope[];
  /** The seed's explicit prohibitions for the domain, kept for the operator's `nemo doctor` and docs. */
  mayNot: readonly string[];
}

/**
 * One execution domain, declared once: its permissions, its task queue, the module of workflows its worker bundles,
 * the workflow types it runs and the activities its worker hosts (besides LEDGER_ACTIVITIES, which every worker
 * hosts). The worker, the registration check and the domain guard read it; tests check the code against it.
 */
export interface DomainManifest extends DomainPermissions {
  name: string;
  taskQueue: string;
  /** From the checkout's root: the module whose exports are exactly `workflows` (one bundle per worker). */
  workflowsModule: string;
  workflows: readonly string[];
  activities: readonly ActivityName[];
}
