import { describeOrder, placedWithin, sameOrder, type RecentOrder, type VenueOrder } from './orders';
import type { SettingBound } from './tighten-only';

/**
 * Duplicate-order check (SEC 15c3-5 (c)(1)(ii)): the same client order id twice, or the same order (market,
 * direction, quantity, price) again within a window, is a retry or a loop gone wrong, never a new decision.
 */
export interface DuplicateWindow {
  /** How long an identical order counts as a duplicate, in milliseconds. */
  windowMs: number;
}

export const DEFAULT_DUPLICATE_WINDOW: Readonly<DuplicateWindow> = Object.freeze({ windowMs: 30_000 });

/** A longer window is tighter. */
export const DUPLICATE_WINDOW_BOUNDS: Readonly<Record<keyof DuplicateWindow, SettingBound>> = Object.freeze({
  windowMs: { min: DEFAULT_DUPLICATE_WINDOW.windowMs, max: 86_400_000, integer: true },
});

/** Why the order duplicates one already entered, or undefined. */
export function duplicateOrderReason(
  clientOrderId: string,
  order: VenueOrder,
  recent: readonly RecentOrder[],
  now: number,
  window: DuplicateWindow,
): string | undefined {
  const sameId = recent.find((r) => r.clientOrderId === clientOrderId);
  if (sameId) return `client order id ${clientOrderId} was already used (${describeOrder(sameId.order)})`;
  const similar = recent.find((r) => placedWithin(r, now, window.windowMs) && sameOrder(r.order, order));
  if (similar) {
    return `the same order (${describeOrder(order)}) was entered ${now - similar.placedAt} ms ago as ${similar.clientOrderId}, within the ${window.windowMs} ms duplicate window`;
  }
  return undefined;
}
