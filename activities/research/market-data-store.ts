import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { z } from 'zod';
import type { Venue } from '../../policies/orders';
import { seriesFromBars, type PriceSeries } from '../../strategies/series';

/**
 * Historical bars in PostgreSQL (migration 003): bars fetched through the venue adapters are saved once and reused
 * by every backtest over them. Prices stay the venues' exact decimals in the table and become numbers on the way out.
 */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string such as "0.5600"');

export const storedBarSchema = z.object({
  time: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]),
  open: decimal.optional(),
  high: decimal.optional(),
  low: decimal.optional(),
  close: decimal,
  volume: decimal,
  bid: decimal.optional(),
  ask: decimal.optional(),
});

export const saveBarsSchema = z.object({
  venue: z.enum(['kalshi', 'coinbase']),
  market: z.string().min(1).max(200),
  granularity: z.string().min(1).max(40),
  bars: z.array(storedBarSchema).max(100_000),
  /** A binary market's result, once known. */
  result: z.object({ yes: z.boolean(), settledAt: z.iso.datetime({ offset: true }) }).optional(),
});

export type SaveBarsRequest = z.infer<typeof saveBarsSchema>;

/** Bars refused for their form: the message names each field that is wrong. */
export class MarketDataInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarketDataInputError';
  }
}

export async function saveBars(pool: pg.Pool, request: SaveBarsRequest): Promise<{ inserted: number }> {
  const parsed = saveBarsSchema.safeParse(request);
  if (!parsed.success) {
    throw new MarketDataInputError(
      `market bars refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const { venue, market, granularity, bars, result } = parsed.data;
  let inserted = 0;
  // Batches keep each statement's parameter count under PostgreSQL's limit.
  for (let start = 0; start < bars.length; start += 1_000) {
    const batch = bars.slice(start, start + 1_000);
    const params: unknown[] = [];
    const rows = batch.map((b) => {
      params.push(
        venue,
        market,
        granularity,
        new Date(b.time),
        b.open ?? null,
        b.high ?? null,
        b.low ?? null,
        b.close,
        b.volume,
        b.bid ?? null,
        b.ask ?? null,
      );
      const n = params.length;
      return `(${Array.from({ length: 11 }, (_, k) => `$${n - 10 + k}`).join(', ')})`;
    });
    const answer = await pool.query(
      `INSERT INTO market_bars (venue, market, granularity, bar_time, open, high, low, close, volume, bid, ask)
       VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
      params,
    );
    inserted += answer.rowCount ?? 0;
  }
  if (result) {
    await pool.query(
      'INSERT INTO market_results (venue, market, result_yes, settled_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [venue, market, result.yes, new Date(result.settledAt)],
    );
  }
  return { inserted };
}

export interface StoredSeriesQuery {
  venue: Venue;
  /** Exact market ids, or a Kalshi series: every market whose ticker starts with `<series>-`. */
  markets?: string[];
  series?: string;
  granularity: string;
  from?: Date;
  to?: Date;
}

interface BarRow {
  market: string;
  t: string;
  open: string | null;
  high: string | null;
  low: string | null;
  close: string;
  volume: string;
  bid: string | null;
  ask: string | null;
}

const num = (v: string | null) => (v === null ? undefined : Number(v));

/** The stored bars as price series, one per market, in time order; markets with fewer than 2 bars are left out. */
export async function loadStoredSeries(pool: pg.Pool, query: StoredSeriesQuery): Promise<PriceSeries[]> {
  if (!query.markets?.length && !query.series) throw new RangeError('name the markets or a Kalshi series to load');
  const { rows } = await pool.query<BarRow>(
    `SELECT market, (extract(epoch from bar_time) * 1000)::bigint::text AS t, open, high, low, close, volume, bid, ask
       FROM market_bars
      WHERE venue = $1 AND granularity = $2
        AND (market = ANY($3::text[]) OR ($4::text IS NOT NULL AND market LIKE $4 || '-%'))
        AND ($5::timestamptz IS NULL OR bar_time >= $5) AND ($6::timestamptz IS NULL OR bar_time <= $6)
      ORDER BY market, bar_time`,
    [query.venue, query.granularity, query.markets ?? [], query.series ?? null, query.from ?? null, query.to ?? null],
  );
  const results = await pool.query<{ market: string; result_yes: boolean }>(
    'SELECT market, result_yes FROM market_results WHERE venue = $1',
    [query.venue],
  );
  const resultOf = new Map(results.rows.map((r) => [r.market, r.result_yes]));
  const byMarket = new Map<string, BarRow[]>();
  for (const row of rows) {
    const bars = byMarket.get(row.market);
    if (bars) bars.push(row);
    else byMarket.set(row.market, [row]);
  }
  return [...byMarket]
    .filter(([, bars]) => bars.length >= 2)
    .map(([market, bars]) => {
      const result = resultOf.get(market);
      return seriesFromBars(
        query.venue,
        market,
        bars.map((b) => ({
          time: Number(b.t),
          open: num(b.open),
          high: num(b.high),
          low: num(b.low),
          close: Number(b.close),
          volume: Number(b.volume),
          bid: num(b.bid),
          ask: num(b.ask),
        })),
        result === undefined ? undefined : { yes: result },
      );
    });
}

/** The activity the research workflows use to keep bars fetched through the venue adapters (capability market-data.read). */
export function createMarketDataStoreActivities(ctx: { ledgerPool: pg.Pool }) {
  return {
    async saveMarketBars(request: SaveBarsRequest): Promise<{ inserted: number }> {
      try {
        return await saveBars(ctx.ledgerPool, request);
      } catch (err) {
        if (err instanceof MarketDataInputError)
          throw ApplicationFailure.nonRetryable(err.message, 'BacktestDataError');
        throw err;
      }
    },
  };
}
