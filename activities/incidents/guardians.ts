import type { Client } from '@temporalio/client';
import { runningGuardians, type GuardianRef } from '../../platform/running-guardians';
import type { TradingDomain } from '../../policies/limits';
import { guardianStatusQuery, type GuardianStatus } from '../../contracts/guardian';

/** The running portfolio guardians the control domain works with (incidents, reconciliation, snapshots). */
export async function guardiansOf(client: Client, domains: readonly TradingDomain[]): Promise<GuardianRef[]> {
  return (await runningGuardians(client)).filter((g) => domains.includes(g.domain));
}

export const guardianAccount = (guardian: GuardianRef): string => `${guardian.domain}:${guardian.venue}`;

/** The guardian's status, or undefined when no worker answers within a few seconds (a query waits for one). */
export async function queryGuardian(client: Client, workflowId: string): Promise<GuardianStatus | undefined> {
  try {
    return await client.connection.withDeadline(Date.now() + 3_000, () =>
      client.workflow.getHandle(workflowId).query(guardianStatusQuery),
    );
  } catch {
    return undefined;
  }
}
