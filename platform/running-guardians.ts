import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { VENUES } from '../activities/exchanges/venue-port';
import type { TradingDomain } from '../policies/limits';
import { guardianStatusQuery, guardianWorkflowId, type GuardianStatus } from '../workflows/guardian-messages';

// The portfolio guardians as a Temporal client sees them, for the CLI's commands and the control domain's activities.
const TRADING_DOMAINS: TradingDomain[] = ['live', 'paper'];

export interface GuardianRef {
  domain: TradingDomain;
  venue: (typeof VENUES)[number];
  workflowId: string;
}

/** The guardians that are running, optionally only `account` (e.g. live:kalshi). */
export async function runningGuardians(client: Client, account?: string): Promise<GuardianRef[]> {
  const found: GuardianRef[] = [];
  for (const domain of TRADING_DOMAINS) {
    for (const venue of VENUES) {
      if (account && account !== `${domain}:${venue}`) continue;
      const workflowId = guardianWorkflowId(domain, venue);
      try {
        const { status } = await client.workflow.getHandle(workflowId).describe();
        if (status.name === 'RUNNING') found.push({ domain, venue, workflowId });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  }
  return found;
}

export async function guardianStatuses(client: Client): Promise<GuardianStatus[]> {
  const guardians = await runningGuardians(client);
  return Promise.all(guardians.map((g) => client.workflow.getHandle(g.workflowId).query(guardianStatusQuery)));
}
