import { reserveExposure, type ExposureBook } from './exposure-book';
import type { Cents } from './money';
import type { RecentOrder, Venue } from './orders';
import { retainRecentOrders, type RiskPolicy } from './risk-policy';
import { validateTrade, type PortfolioSnapshot, type TradeEvidence, type TradeProposal } from './trade-validation';
import type { FailedCheck } from './verdict';

/**
 * The portfolio guardian's decision on one order (NautilusTrader's RiskEngine is the model): every pre-trade check
 * (`validateTrade`, once) on the book as it is at that moment and, when accepted, the book and recent orders with the
 * order entered. The guardian is the only caller for live and paper orders; nothing else decides.
 */
export type OrderDecision =
  | {
      accepted: true;
      intent: 'buy' | 'reduce';
      /** Exposure reserved (0 for a risk-reducing sell). */
      costCents: Cents;
      notes: string[];
      exposure: ExposureBook;
      recentOrders: RecentOrder[];
    }
  | { accepted: false; failures: FailedCheck[] };

export function decideOrder(
  snapshot: PortfolioSnapshot,
  venue: Venue,
  proposal: TradeProposal,
  policy: RiskPolicy,
  evidence: TradeEvidence,
): OrderDecision {
  const id = proposal.clientOrderId;
  // A retried reservation (after the guardian continued as new, the update id is new) finds its own, unchanged.
  const existing = snapshot.exposure.reservations[id];
  if (existing && existing.market === proposal.order.market) {
    return {
      accepted: true,
      intent: 'buy',
      costCents: existing.amountCents,
      notes: [],
      exposure: snapshot.exposure,
      recentOrders: [...snapshot.recentOrders],
    };
  }
  const verdict = validateTrade(proposal, snapshot, policy, evidence);
  if (!verdict.accepted) return { accepted: false, failures: verdict.failures };
  let exposure = snapshot.exposure;
  if (verdict.intent === 'buy') {
    const reserved = reserveExposure(
      exposure,
      { reservationId: id, venue, market: proposal.order.market, amountCents: verdict.costCents },
      {
        domain: snapshot.domain,
        portfolioValueCents: snapshot.trading.equityCents,
        cashCents: snapshot.cashCents,
        limits: policy.limits,
      },
    );
    if (!reserved.ok) return { accepted: false, failures: reserved.refusals };
    exposure = reserved.book;
  }
  // Entered orders feed the duplicate-order and order-rate checks of the orders that follow.
  const entered: RecentOrder = { clientOrderId: id, order: proposal.order, placedAt: evidence.now };
  return {
    accepted: true,
    intent: verdict.intent === 'buy' ? 'buy' : 'reduce',
    costCents: verdict.costCents,
    notes: verdict.notes,
    exposure,
    recentOrders: [...retainRecentOrders(snapshot.recentOrders, evidence.now, policy), entered],
  };
}
