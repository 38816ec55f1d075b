import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type { Domain } from '../../policies/domains';
import type { ProofSummary } from '../../policies/proof';
import type { GuardianMemory } from '../../contracts/guardian';

/**
 * What trading workflows look up in the ledger: the guardian's last recorded state (its baselines survive even a new
 * Temporal database), a strategy's latest proof, and whether the operator approved a strategy for live trading.
 */

/** Where each kind of proof is recorded: a backtest's by the research domain, a desk's record by its own domain. */
export const PROOF_KINDS: Readonly<Record<ProofSummary['source'], string>> = {
  backtest: 'backtest.proof',
  paper: 'paper.proof',
  live: 'live.proof',
};
export const LIVE_APPROVAL_KIND = 'strategy.live-approved';

/** What a trade looks up before the guardian decides: the strategy's latest proof and the operator's live approval. */
export interface TradeEvidenceReads {
  proof: ProofSummary | undefined;
  liveApproval: { by: string; at: string } | undefined;
}

export function createLedgerReadActivities(pool: pg.Pool, domain: Domain) {
  const reads = {
    /** capability 'ledger.read': the newest recorded memory of one of this domain's guardians, if any. */
    async loadGuardianMemory(account: string): Promise<GuardianMemory | undefined> {
      if (!account.startsWith(`${domain}:`)) {
        throw ApplicationFailure.nonRetryable(
          `the ${domain} domain has no guardian for account ${account}`,
          'LedgerInputError',
        );
      }
      const { rows } = await pool.query<{ payload: { memory: GuardianMemory } }>(
        `SELECT payload FROM ledger_entries WHERE account = $1 AND kind IN ('guardian.opened', 'guardian.transition')
         ORDER BY seq DESC LIMIT 1`,
        [account],
      );
      return rows[0]?.payload.memory;
    },

    /** capability 'ledger.read': the newest proof of a strategy from any of the given sources. */
    async findStrategyProof(strategyId: string, sources: ProofSummary['source'][]): Promise<ProofSummary | undefined> {
      const kinds = sources.map((s) => PROOF_KINDS[s]);
      const { rows } = await pool.query<{ payload: { summary: ProofSummary } }>(
        `SELECT payload FROM ledger_entries WHERE kind = ANY($1) AND payload->'summary'->>'strategyId' = $2
         ORDER BY seq DESC LIMIT 1`,
        [kinds, strategyId],
      );
      return rows[0]?.payload.summary;
    },

    /** capability 'ledger.read': did the operator approve this version of the strategy for live trading? */
    async liveApprovalOf(strategyId: string, strategyVersion: string): Promise<{ by: string; at: string } | undefined> {
      const { rows } = await pool.query<{ payload: { by: string }; recorded_at: Date }>(
        `SELECT payload, recorded_at FROM ledger_entries WHERE kind = $1 AND payload->>'strategyId' = $2
           AND payload->>'strategyVersion' = $3 ORDER BY seq DESC LIMIT 1`,
        [LIVE_APPROVAL_KIND, strategyId, strategyVersion],
      );
      return rows[0] ? { by: rows[0].payload.by, at: rows[0].recorded_at.toISOString() } : undefined;
    },

    /** A trade's read-only look-ups, the proof and the live approval read in parallel (activities/trading/trading-activities.ts reserveForTrade). */
    async tradeEvidence(
      strategyId: string,
      strategyVersion: string,
      sources: ProofSummary['source'][],
    ): Promise<TradeEvidenceReads> {
      const [proof, liveApproval] = await Promise.all([
        reads.findStrategyProof(strategyId, sources),
        reads.liveApprovalOf(strategyId, strategyVersion),
      ]);
      return { proof, liveApproval };
    },
  };
  return reads;
}

export type LedgerReadActivities = ReturnType<typeof createLedgerReadActivities>;
