/**
 * The seed's execution domains ("Execution Domains") as data. Each domain is declared once, in its own manifest
 * (research.ts, paper.ts, live.ts, upgrade.ts, control.ts): what it may do, which secrets it may load, its task queue,
 * the workflows it runs and the activities its worker hosts. The tables below are derived from the manifests.
 *
 * Workers register only their own domain's workflows and activities, and refuse to start when those differ from the
 * manifest (registrationProblems); each activity also checks at run time that the workflow which scheduled it belongs
 * to a domain holding the capability (mayCall; defence in depth: a research workflow cannot get an order placed on
 * the live queue).
 */
import { capabilityOf, LEDGER_ACTIVITIES, type ActivityName, type Capability } from './capabilities';
import type { DomainManifest, DomainPermissions } from './manifest';
import { controlDomain } from './control';
import { liveDomain } from './live';
import { paperDomain } from './paper';
import { researchDomain } from './research';
import { upgradeDomain } from './upgrade';

export {
  ACTIVITY_CAPABILITIES,
  FORBIDDEN_CAPABILITIES,
  LEDGER_ACTIVITIES,
  type ActivityName,
  type Capability,
  type SecretScope,
} from './capabilities';
export type { DomainManifest, DomainPermissions } from './manifest';

/** Every domain's manifest, in the seed's order. */
export const DOMAIN_MANIFESTS = [researchDomain, paperDomain, liveDomain, upgradeDomain, controlDomain] as const;

export type Domain = (typeof DOMAIN_MANIFESTS)[number]['name'];
export const DOMAINS: readonly Domain[] = DOMAIN_MANIFESTS.map((manifest) => manifest.name);

/** A table with one value per domain, read off the manifests. */
function perDomain<T>(value: (manifest: DomainManifest) => T): Readonly<Record<Domain, T>> {
  return Object.fromEntries(DOMAIN_MANIFESTS.map((manifest) => [manifest.name, value(manifest)])) as Record<Domain, T>;
}

const MANIFESTS = perDomain((manifest) => manifest);

export function manifestOf(domain: Domain): DomainManifest {
  return MANIFESTS[domain];
}

export const TASK_QUEUES = perDomain((manifest) => manifest.taskQueue);

/** The permission matrix, a row per domain: the manifests themselves, read for their permissions only. */
export const DOMAIN_PERMISSIONS: Readonly<Record<Domain, DomainPermissions>> = MANIFESTS;

/** Which domain each workflow type belongs to (the workflow's exported function name). */
export const WORKFLOW_DOMAINS: Readonly<Record<string, Domain>> = Object.fromEntries(
  DOMAIN_MANIFESTS.flatMap((manifest) => manifest.workflows.map((workflow) => [workflow, manifest.name])),
);

/** The activities a domain's worker registers: the ledger appends every worker hosts, then the manifest's own. */
export function hostedActivities(domain: Domain): readonly ActivityName[] {
  return [...LEDGER_ACTIVITIES, ...MANIFESTS[domain].activities];
}

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
  const capability = capabilityOf(activityType);
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

/** Activities the host domain could never run: no declared capability, or one the domain does not offer. */
function capabilityProblems(hostDomain: Domain, activityNames: readonly string[]): string[] {
  return activityNames.flatMap((activity) => {
    const capability = capabilityOf(activity);
    if (!capability) return [`${activity} has no declared capability (ACTIVITY_CAPABILITIES)`];
    return DOMAIN_PERMISSIONS[hostDomain].may.includes(capability)
      ? []
      : [`${activity} needs ${capability}, which the ${hostDomain} domain does not offer`];
  });
}

/** Activities registered that the manifest does not name, and activities it names that are not registered. */
function manifestProblems(hostDomain: Domain, activityNames: readonly string[]): string[] {
  const hosted: readonly string[] = hostedActivities(hostDomain);
  return [
    ...activityNames
      .filter((activity) => !hosted.includes(activity))
      .map((activity) => `${activity} is registered but not in the ${hostDomain} manifest`),
    ...hosted
      .filter((activity) => !activityNames.includes(activity))
      .map((activity) => `${activity} is in the ${hostDomain} manifest but not registered`),
  ];
}

/**
 * Why a worker of `hostDomain` must not start with these activities (none: it may): they must be exactly the ones
 * its manifest names, and each needs a declared capability the host domain offers. Checked when a worker starts, so
 * a registration the manifest does not describe, or one the matrix would refuse at every call, stops the worker.
 */
export function registrationProblems(hostDomain: Domain, activityNames: readonly string[]): string[] {
  return [...manifestProblems(hostDomain, activityNames), ...capabilityProblems(hostDomain, activityNames)];
}
