import { placedWithin, type RecentOrder } from './orders';
import type { SettingBound } from './tighten-only';

/**
 * Order-rate throttle (SEC 15c3-5 "over a short period"; the Knight Capital order: 4 million orders in 45 minutes):
 * a strategy in a loop is stopped by the count of orders entered, whatever each order looks like.
 */
export interface OrderThrottle {
  maxOrders: number;
  windowMs: number;
}

export const DEFAULT_ORDER_THROTTLE: Readonly<OrderThrottle> = Object.freeze({ maxOrders: 20, windowMs: 60_000 });

/** Fewer orders over a longer window is tighter. */
export const ORDER_THROTTLE_BOUNDS: Readonly<Record<keyof OrderThrottle, SettingBound>> = Object.freeze({
  maxOrders: { min: 0, max: DEFAULT_ORDER_THROTTLE.maxOrders, integer: true },
  windowMs: { min: DEFAULT_ORDER_THROTTLE.windowMs, max: 86_400_000, integer: true },
});

/** Why one more order now would exceed the rate, or undefined. */
export function orderRateBreach(
  recent: readonly RecentOrder[],
  now: number,
  throttle: OrderThrottle,
): string | undefined {
  const entered = recent.filter((r) => placedWithin(r, now, throttle.windowMs)).length;
  if (entered < throttle.maxOrders) return undefined;
  return `${entered} orders were entered in the last ${throttle.windowMs} ms; at most ${throttle.maxOrders} are allowed`;
}
