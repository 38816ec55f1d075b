import type pg from 'pg';
import { appendEntry } from '../../ledger/ledger-store';
import type { ProofSummary } from '../../policies/proof';

/** A strategy with a paper record that the operator already approved for live trading (so trades ask no one). */
export async function approveStrategyForLive(pool: pg.Pool, strategyId: string): Promise<void> {
  const proof: ProofSummary = {
    proofId: `proof:${strategyId}:v1:paper`,
    strategyId,
    strategyVersion: 'v1',
    dataHash: 'paper-record',
    source: 'paper',
    periodStart: '2026-01-01T00:00:00.000Z',
    periodEnd: '2026-02-01T00:00:00.000Z',
    trades: 140,
    wins: 120,
    netPnlCents: 21_000,
    maxDrawdown: 0.06,
    winRate: 0.857,
    sharpe: 2.1,
    expectancyCents: 150,
  };
  await appendEntry(pool, {
    kind: 'paper.proof',
    domain: 'paper',
    account: 'paper:kalshi',
    payload: { summary: { ...proof } },
    idempotencyKey: `proof:${strategyId}`,
  });
  await appendEntry(pool, {
    kind: 'strategy.live-approved',
    domain: 'operator',
    account: 'live:kalshi',
    payload: { strategyId, strategyVersion: 'v1', by: 'alice', reason: 'test', firstTrade: 'none' },
    idempotencyKey: `approved:${strategyId}`,
  });
}
