import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import type { ProofSummary } from '../../policies/proof';
import type { WorkerContext } from '../../platform/worker-context';
import { createAccountMarkActivities } from './account-marks';
import type { VenuePorts } from '../venues/credentials';
import { createGuardianClientActivities, type GuardianClientActivities } from './guardian-client';
import { createLedgerReadActivities, type TradeEvidenceReads } from './ledger-reads';
import { createLedgerActivities, type LedgerAppendRequest } from '../operations/ledger';
import type { FillReport } from '../../contracts/guardian';

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

/** What a trade settles once its order is done: its ledger entries, then the fill committed or the room released. */
export interface TradeSettlement {
  /** The fill (if any) and the post-trade report, written in one transaction. */
  entries: LedgerAppendRequest[];
  reservationId: string;
  /** What filled, committed at the guardian (which releases the rest); none: the whole reservation is released. */
  fill?: FillReport;
}

/** What the paper and live domains share: marking the account, the guardian's client, and ledger look-ups. */
export function tradingActivities(ctx: WorkerContext, domain: TradingDomain, ports: VenuePorts) {
  const { tradeEvidence, ...reads } = createLedgerReadActivities(ctx.ledgerPool, domain);
  // Reserving and committing a fill are steps of reserveForTrade and settleTrade, not activities of their own.
  const { reserveAtGuardian, commitFillAtGuardian, ...guardian } = createGuardianClientActivities(ctx.temporal, domain);
  const { appendLedgerEntries } = createLedgerActivities(ctx.ledgerPool, domain);
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

    /**
     * capability 'guardian.update': a trade's last step in one local activity, the ledger first (each entry idempotent
     * on its key) and then the guardian (each update idempotent on its id), so a re-run after a crash repeats nothing.
     */
    async settleTrade(venue: Venue, settlement: TradeSettlement): Promise<void> {
      await appendLedgerEntries(settlement.entries);
      if (settlement.fill) await commitFillAtGuardian(venue, settlement.fill);
      else await guardian.releaseAtGuardian(venue, settlement.reservationId);
    },
  };
}

export type TradingActivities = ReturnType<typeof tradingActivities>;
