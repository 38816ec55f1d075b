import type { Venue } from './orders';

/**
 * seed: "Operating in unapproved markets" is forbidden and trade.market must be in APPROVED_MARKETS. The operator
 * approves a market by its exact id, or a whole Kalshi series (every market whose ticker is `<series>-...`).
 * The default list is empty: nothing is approved until the operator says so.
 */
export type ApprovedMarket = { venue: Venue; market: string } | { venue: 'kalshi'; series: string };

export function isApprovedMarket(approved: readonly ApprovedMarket[], venue: Venue, market: string): boolean {
  return approved.some((entry) => {
    if (entry.venue !== venue) return false;
    return 'series' in entry ? entry.series !== '' && market.startsWith(`${entry.series}-`) : entry.market === market;
  });
}
