import { createHash } from 'node:crypto';
import { canonicalJson } from '../ledger/canonical-json';
import { seriesColumns, type PriceSeries } from '../strategies/series';

/**
 * The hash that names a backtest's data: every series' identity, the raw bytes of every column and the settlement.
 * The same bars give the same hash wherever they came from (generator, venue adapter, market-data store).
 */
export function dataHash(series: readonly PriceSeries[]): string {
  const hash = createHash('sha256');
  for (const s of series) {
    hash.update(
      canonicalJson({ venue: s.venue, market: s.market, bars: s.close.length, settlement: s.settlement ?? null }),
    );
    for (const { name, values } of seriesColumns(s)) {
      hash.update(name).update(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  return hash.digest('hex').slice(0, 16);
}
