import type { TradingDomain } from '../../policies/limits';
import type { WorkerContext } from '../../platform/worker-context';
import { createAccountMarkActivities } from './account-marks';
import type { VenuePorts } from '../venues/credentials';
import { createGuardianClientActivities } from './guardian-client';
import { createLedgerReadActivities } from './ledger-reads';

/** What the paper and live domains share: marking the account, the guardian's client, and ledger look-ups. */
export function tradingActivities(ctx: WorkerContext, domain: TradingDomain, ports: VenuePorts) {
  return {
    ...createAccountMarkActivities(ports),
    ...createGuardianClientActivities(ctx.temporal, domain),
    ...createLedgerReadActivities(ctx.ledgerPool, domain),
  };
}
