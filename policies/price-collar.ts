import { percent } from './format';
import { priceDistance, type VenueOrder } from './orders';
import type { SettingBound } from './tighten-only';

/**
 * Erroneous-order check (SEC 15c3-5 (c)(1)(ii) price collar): an order priced far from the market's reference price
 * is a fat finger or a bad feed, refused in either direction. Kalshi prices live in $0..1, so their band is absolute;
 * spot prices are unbounded, so their band is a fraction of the reference.
 */
export interface PriceCollar {
  /** Largest distance of a Kalshi price from the reference YES price, in cents per contract. */
  kalshiMaxCents: number;
  /** Largest distance of a spot price from the reference price, as a fraction of the reference. */
  spotMaxFraction: number;
}

export const DEFAULT_PRICE_COLLAR: Readonly<PriceCollar> = Object.freeze({ kalshiMaxCents: 10, spotMaxFraction: 0.05 });

export const PRICE_COLLAR_BOUNDS: Readonly<Record<keyof PriceCollar, SettingBound>> = Object.freeze({
  kalshiMaxCents: { min: 0, max: DEFAULT_PRICE_COLLAR.kalshiMaxCents, integer: true },
  spotMaxFraction: { min: 0, max: DEFAULT_PRICE_COLLAR.spotMaxFraction },
});

const PPM = 1_000_000n;

/** Why the order's price is outside the collar, or undefined when it is inside. */
export function priceCollarBreach(
  order: VenueOrder,
  referencePrice: string | undefined,
  collar: PriceCollar,
): string | undefined {
  if (referencePrice === undefined) return 'no reference price for the market: the price collar cannot be checked';
  let measured: ReturnType<typeof priceDistance>;
  try {
    measured = priceDistance(order, referencePrice);
  } catch (err) {
    return `the reference price cannot be read: ${(err as Error).message}`;
  }
  const { distance, reference } = measured;
  if (order.venue === 'kalshi') {
    // Kalshi prices are in 1e-4 dollars: one cent is 100 units.
    if (distance <= BigInt(collar.kalshiMaxCents) * 100n) return undefined;
    return `YES price $${order.price} is more than ${collar.kalshiMaxCents} cents from the reference YES price $${referencePrice}`;
  }
  // The fraction in whole parts per million (0.05 -> 50000), read past binary floating-point noise.
  const bandPpm = BigInt(Math.floor(collar.spotMaxFraction * 1e6 + 1e-6));
  if (distance * PPM <= bandPpm * reference) return undefined;
  return `price $${order.price} is more than ${percent(collar.spotMaxFraction)} from the reference $${referencePrice}`;
}
