import type { ApprovedMarket } from './approved-markets';
import { DEFAULT_DUPLICATE_WINDOW, DUPLICATE_WINDOW_BOUNDS, type DuplicateWindow } from './duplicate-orders';
import { DEFAULT_LIMITS, tightenedLimits, type Limits } from './limits';
import { DEFAULT_ORDER_THROTTLE, ORDER_THROTTLE_BOUNDS, type OrderThrottle } from './order-throttle';
import { placedWithin, type RecentOrder } from './orders';
import { DEFAULT_PRICE_COLLAR, PRICE_COLLAR_BOUNDS, type PriceCollar } from './price-collar';
import { DEFAULT_PROOF_THRESHOLDS, tightenedProofThresholds, type ProofThresholds } from './proof';
import { tightenOnly } from './tighten-only';

/** Everything trade validation is configured by. Every number in it may only be tightened from its default. */
export interface RiskPolicy {
  limits: Limits;
  proof: ProofThresholds;
  collar: PriceCollar;
  throttle: OrderThrottle;
  duplicates: DuplicateWindow;
  /** The operator's list; empty by default (seed: approved markets only). */
  approvedMarkets: readonly ApprovedMarket[];
}

export const DEFAULT_RISK_POLICY: Readonly<RiskPolicy> = Object.freeze({
  limits: DEFAULT_LIMITS,
  proof: DEFAULT_PROOF_THRESHOLDS,
  collar: DEFAULT_PRICE_COLLAR,
  throttle: DEFAULT_ORDER_THROTTLE,
  duplicates: DEFAULT_DUPLICATE_WINDOW,
  approvedMarkets: Object.freeze([]),
});

export interface RiskPolicyOverrides {
  limits?: Partial<Limits>;
  proof?: Partial<ProofThresholds>;
  collar?: Partial<PriceCollar>;
  throttle?: Partial<OrderThrottle>;
  duplicates?: Partial<DuplicateWindow>;
  approvedMarkets?: readonly ApprovedMarket[];
}

/** Builds the policy from configuration, refusing (RangeError) any value that would loosen a rule. */
export function tightenedRiskPolicy(overrides: RiskPolicyOverrides): RiskPolicy {
  return {
    limits: tightenedLimits(overrides.limits ?? {}),
    proof: tightenedProofThresholds(overrides.proof ?? {}),
    collar: tightenOnly('price collar', DEFAULT_PRICE_COLLAR, PRICE_COLLAR_BOUNDS, overrides.collar ?? {}),
    throttle: tightenOnly('order throttle', DEFAULT_ORDER_THROTTLE, ORDER_THROTTLE_BOUNDS, overrides.throttle ?? {}),
    duplicates: tightenOnly(
      'duplicate window',
      DEFAULT_DUPLICATE_WINDOW,
      DUPLICATE_WINDOW_BOUNDS,
      overrides.duplicates ?? {},
    ),
    approvedMarkets: [...(overrides.approvedMarkets ?? [])],
  };
}

/** The recent orders the checks still need (the longer of the two windows), so the guardian's list stays bounded. */
export function retainRecentOrders(recent: readonly RecentOrder[], now: number, policy: RiskPolicy): RecentOrder[] {
  const windowMs = Math.max(policy.throttle.windowMs, policy.duplicates.windowMs);
  return recent.filter((r) => placedWithin(r, now, windowMs));
}
