import type { TradingDomain } from '../policies/limits';
import type { Cents } from '../policies/money';
import type { Position, RecentOrder, VenueOrder } from '../policies/orders';
import { retainRecentOrders, type RiskPolicy } from '../policies/risk-policy';
import { validateTrade } from '../policies/trade-validation';
import type { TradingState } from '../policies/trading-state';
import type { FailedCheck } from '../policies/verdict';

/**
 * The backtester's risk gate: the same `validateTrade` live trading runs, on an account the engine keeps the way the
 * portfolio guardian keeps the real one. One call per order; the engine never places an order the gate refused.
 */
export interface GateAccount {
  domain: TradingDomain;
  /** The trading state the guardian's reducer keeps (status, loss baselines), at the current equity. */
  trading: TradingState;
  cashCents: Cents;
  positions: readonly Position[];
  /** What was paid for each open position, by marketKey (the exposure book's committed side). */
  committed: Readonly<Record<string, Cents>>;
  recentOrders: readonly RecentOrder[];
}

export interface GateRequest {
  clientOrderId: string;
  strategyId: string;
  strategyVersion: string;
  order: VenueOrder;
  probability: number;
  referencePrice: string;
  now: number;
  account: GateAccount;
}

/** Refusal reasons, one per failed check; empty when the order may be placed. */
export type TradeGate = (request: GateRequest) => readonly FailedCheck[];

/**
 * validateTrade as the backtest applies it. Every check runs as in live trading except `backtest-proof`: the run
 * is producing that proof, so its absence cannot refuse the run's own trades. The markets of the run count as
 * approved (the operator approves a market before any strategy trades it; a backtest asks what would happen if so).
 */
export function validateTradeGate(
  policy: RiskPolicy,
  markets: readonly { venue: VenueOrder['venue']; market: string }[],
): TradeGate {
  const runPolicy: RiskPolicy = { ...policy, approvedMarkets: [...policy.approvedMarkets, ...markets] };
  return (request) => {
    const { account } = request;
    const verdict = validateTrade(
      {
        clientOrderId: request.clientOrderId,
        strategyId: request.strategyId,
        strategyVersion: request.strategyVersion,
        order: request.order,
        probability: request.probability,
      },
      {
        domain: account.domain,
        trading: account.trading,
        cashCents: account.cashCents,
        positions: account.positions,
        exposure: { committed: account.committed, reservations: {}, closed: [] },
        recentOrders: retainRecentOrders(account.recentOrders, request.now, runPolicy),
      },
      runPolicy,
      { proof: undefined, referencePrice: request.referencePrice, now: request.now },
    );
    return verdict.failures.filter((f) => f.check !== 'backtest-proof');
  };
}
