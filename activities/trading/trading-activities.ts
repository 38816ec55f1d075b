import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import type { ProofSummary } from '../../policies/proof';
import type { WorkerContext } from '../../platform/worker-context';
import { createAccountMarkActivities } from './account-marks';
import type { VenuePorts } from '../venues/credentials';
import { createGuardianClientActivities, type GuardianClientActivities } from './guardian-client';
import { createLedgerReadActivities, type TradeEvidenceReads } from './ledger-reads';

type ReserveRequest = Parameters<GuardianClientActivities['reserveAtGuardian']>[1];

/** What a trade asks its guardian first: the order, and where the evidence the guardian decides on is recorded. */
export interface TradeReservationRequest {
  proposal: ReserveRequest['proposal'];
  referencePrice?: string;
  /** The proof sources this domain accepts (policies/proof-check.ts ACCEPTED_PROOF_SOURCES). */
  proofSources: ProofSummary['source'][];
}

/** What a trade shares the guardian's decision on: its reservation, and the evidence it was decided on. */
export interface TradeReservation extends TradeEvidenceReads {
  reserved: Awaited<ReturnType<GuardianClientActivities['reserveAtGuardian']>>;
}

/** What the paper and live domains share: marking the account, the guardian's client, and ledger look-ups. */
export function tradingActivities(ctx: WorkerContext, domain: TradingDomain, ports: VenuePorts) {
  const { tradeEvidence, ...reads } = createLedgerReadActivities(ctx.ledgerPool, domain);
  const { reserveAtGuardian, ...guardian } = createGuardianClientActivities(ctx.temporal, domain);
  return {
    ...createAccountMarkActivities(ports),
    ...guardian,
    ...reads,
    /**
     * capability 'guardian.update': a trade's first step in one local activity, the evidence its guardian decides on
     * (the strategy's latest proof and the operator's live approval, read from the ledger) and then the reservation
     * (TradeRefused when the guardian refuses). One hop through the worker instead of two before the order.
     */
    async reserveForTrade(venue: Venue, request: TradeReservationRequest): Promise<TradeReservation> {
      const { proposal } = request;
      const evidence = await tradeEvidence(proposal.strategyId, proposal.strategyVersion, request.proofSources);
      const reserved = await reserveAtGuardian(venue, {
        proposal,
        evidence: { proof: evidence.proof, referencePrice: request.referencePrice },
      });
      return { ...evidence, reserved };
    },
  };
}

export type TradingActivities = ReturnType<typeof tradingActivities>;
