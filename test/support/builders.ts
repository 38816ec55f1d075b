/**
 * Small builders for the policy tests: a valid live Kalshi trade on a $1,000 account, which each test then breaks
 * in the one way it is about.
 */
import { EMPTY_EXPOSURE_BOOK } from '../../policies/exposure-book';
import type { ProofSummary } from '../../policies/proof';
import type { CoinbaseOrder, KalshiOrder } from '../../policies/orders';
import { tightenedRiskPolicy, type RiskPolicy } from '../../policies/risk-policy';
import type { PortfolioSnapshot, TradeEvidence, TradeProposal } from '../../policies/trade-validation';
import { openTradingState } from '../../policies/trading-state';

export const NOW = Date.UTC(2026, 1, 12, 15, 0, 0);
export const AT = new Date(NOW).toISOString();
export const MARKET = 'KXBTCD-26FEB12-T100000';

export function kalshiOrder(overrides: Partial<KalshiOrder> = {}): KalshiOrder {
  // 10 YES at $0.50: $5.00 + fee ceil(0.07 x 10 x 0.5 x 0.5) = 18 cents -> costs $5.18
  return { venue: 'kalshi', market: MARKET, action: 'buy', side: 'yes', count: '10', price: '0.5000', ...overrides };
}

export function coinbaseOrder(overrides: Partial<CoinbaseOrder> = {}): CoinbaseOrder {
  // 0.0001 BTC at $100,000: $10.00 + 0.6% fee = $10.06
  return { venue: 'coinbase', market: 'BTC-USD', side: 'BUY', baseSize: '0.0001', price: '100000.00', ...overrides };
}

export function proposal(overrides: Partial<TradeProposal> = {}): TradeProposal {
  return {
    clientOrderId: 'live-trade/momentum/KXBTCD/1',
    strategyId: 'momentum',
    strategyVersion: 'v-abc123',
    order: kalshiOrder(),
    probability: 0.85,
    ...overrides,
  };
}

export function proof(overrides: Partial<ProofSummary> = {}): ProofSummary {
  return {
    proofId: 'proof:momentum:v-abc123:data1',
    strategyId: 'momentum',
    strategyVersion: 'v-abc123',
    dataHash: 'data1',
    periodStart: '2025-11-01',
    periodEnd: '2026-02-01',
    trades: 150,
    wins: 120,
    netPnlCents: 3_000,
    maxDrawdown: 0.1,
    winRate: 0.8,
    sharpe: 1.4,
    expectancyCents: 20,
    source: 'paper',
    ...overrides,
  };
}

export function snapshot(overrides: Partial<PortfolioSnapshot> = {}): PortfolioSnapshot {
  return {
    domain: 'live',
    trading: openTradingState({ startingValueCents: 100_000, day: '2026-02-12', at: AT }),
    cashCents: 100_000,
    positions: [],
    exposure: EMPTY_EXPOSURE_BOOK,
    recentOrders: [],
    ...overrides,
  };
}

export function policy(): RiskPolicy {
  return tightenedRiskPolicy({
    approvedMarkets: [
      { venue: 'kalshi', series: 'KXBTCD' },
      { venue: 'coinbase', market: 'BTC-USD' },
    ],
  });
}

export function evidence(overrides: Partial<TradeEvidence> = {}): TradeEvidence {
  return { proof: proof(), referencePrice: '0.5000', now: NOW, ...overrides };
}
