import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TradingDomain } from '../policies/limits';
import { guardianStatusQuery, guardianWorkflowId, type GuardianStatus } from '../contracts/guardian';
import { VENUES } from '../policies/orders';

// The portfolio guardians as a Temporal client sees them, for the CLI's commands and the control domain's activities.
const TRADING_DOMAINS: TradingDomain[] = ['live', 'paper'];

export interface GuardianRef {
  domain: TradingDomain;
  venue: (typeof VENUES)[number];
  workflowId: string;
}

/** The guardians that are running, optionally only `account` (e.g. live:kalshi). */
export async function runningGuardians(client: Client, account?: string): Promise<GuardianRef[]> {
  const candidates = TRADING_DOMAINS.flatMap((domain) =>
    VENUES.map((venue) => ({ domain, venue, workflowId: guardianWorkflowId(domain, venue) })),
  ).filter((g) => !account || account === `${g.domain}:${g.venue}`);
  // Describing asks the server, not the worker: it answers even when the guardian's worker is down.
  const running = await Promise.all(
    candidates.map(async (g) => {
      try {
        return (await client.workflow.getHandle(g.workflowId).describe()).status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    }),
  );
  return candidates.filter((_, i) => running[i]);
}

/** How long one guardian may take to answer a status query before it is shown as unreachable. */
export const GUARDIAN_ANSWER_MS = 1500;

export type GuardianAnswer = { ref: GuardianRef; status: GuardianStatus } | { ref: GuardianRef; error: string };

/**
 * Each running guardian asked on its own with a short deadline (a query needs the guardian's worker): one whose worker
 * is down is reported as such, every other one still answers.
 */
export async function guardianStatuses(client: Client): Promise<GuardianAnswer[]> {
  const guardians = await runningGuardians(client);
  const answers = await Promise.allSettled(
    guardians.map((g) =>
      client.withDeadline(Date.now() + GUARDIAN_ANSWER_MS, () =>
        client.workflow.getHandle(g.workflowId).query(guardianStatusQuery),
      ),
    ),
  );
  return answers.map((a, i) =>
    a.status === 'fulfilled'
      ? { ref: guardians[i]!, status: a.value }
      : { ref: guardians[i]!, error: (a.reason as Error).message },
  );
}
