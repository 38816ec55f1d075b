import type pg from 'pg';

/**
 * The rate limiter's memory is the ledger itself: every alert is an entry (kind `alert`, outcome delivered, held,
 * undelivered or recorded-only) and every summary of held alerts one more (`alert.summary`). So the limit holds
 * across restarts and processes, and what was held is always visible.
 */

export const ALERT_KIND = 'alert';
export const SUMMARY_KIND = 'alert.summary';

/** How many alerts with this dedupe key were put through (not held) since `since`. */
export async function deliveriesSince(db: pg.Pool | pg.PoolClient, dedupeKey: string, since: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger_entries
      WHERE kind = $1 AND recorded_at >= $2 AND payload->>'dedupeKey' = $3 AND payload->>'outcome' <> 'held'`,
    [ALERT_KIND, since, dedupeKey],
  );
  return rows[0]!.n;
}

export interface HeldAlerts {
  dedupeKey: string;
  count: number;
  first: Date;
  last: Date;
  lastSeq: number;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  body: string;
}

/**
 * Alerts held back since the last alert or summary of the same key was put through: what the next delivery (or
 * the digest) must summarise. Only the last `lookback` is searched so the query stays bounded.
 */
export async function heldSinceLastDelivery(
  db: pg.Pool | pg.PoolClient,
  options: { dedupeKey?: string; lookbackSince: Date },
): Promise<HeldAlerts[]> {
  const { rows } = await db.query<{
    key: string;
    n: number;
    first: Date;
    last: Date;
    last_seq: string;
    severities: string[];
    title: string;
    body: string;
  }>(
    `SELECT h.payload->>'dedupeKey' AS key, count(*)::int AS n, min(h.recorded_at) AS first, max(h.recorded_at) AS last,
            max(h.seq) AS last_seq, array_agg(DISTINCT h.payload->>'severity') AS severities,
            (array_agg(h.payload->>'title' ORDER BY h.seq DESC))[1] AS title,
            (array_agg(h.payload->>'body' ORDER BY h.seq DESC))[1] AS body
       FROM ledger_entries h
      WHERE h.kind = $1 AND h.payload->>'outcome' = 'held' AND h.recorded_at >= $2
        AND ($3::text IS NULL OR h.payload->>'dedupeKey' = $3)
        AND h.seq > COALESCE((SELECT max(d.seq) FROM ledger_entries d
                               WHERE d.kind IN ($1, $4) AND d.payload->>'dedupeKey' = h.payload->>'dedupeKey'
                                 AND d.payload->>'outcome' <> 'held'), 0)
      GROUP BY 1 ORDER BY 1`,
    [ALERT_KIND, options.lookbackSince, options.dedupeKey ?? null, SUMMARY_KIND],
  );
  const rank = { info: 0, warning: 1, critical: 2 } as const;
  return rows.map((r) => ({
    dedupeKey: r.key,
    count: r.n,
    first: r.first,
    last: r.last,
    lastSeq: Number(r.last_seq),
    severity: (r.severities as (keyof typeof rank)[]).reduce((a, b) => (rank[b] > rank[a] ? b : a), 'info'),
    title: r.title,
    body: r.body,
  }));
}

export interface SentAlert {
  seq: number;
  at: Date;
  kind: string;
  severity: string;
  title: string;
  outcome: string;
  attempts: { channel: string; status: string; id?: string; error?: string }[];
}

/** The newest `limit` alerts and summaries, newest first: what `nemo alerts` lists. */
export async function recentAlerts(db: pg.Pool | pg.Client, limit: number): Promise<SentAlert[]> {
  const { rows } = await db.query<{
    seq: string;
    recorded_at: Date;
    kind: string;
    payload: Omit<SentAlert, 'seq' | 'at' | 'kind'>;
  }>('SELECT seq, recorded_at, kind, payload FROM ledger_entries WHERE kind IN ($1, $2) ORDER BY seq DESC LIMIT $3', [
    ALERT_KIND,
    SUMMARY_KIND,
    limit,
  ]);
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.recorded_at,
    kind: r.kind,
    severity: r.payload.severity,
    title: r.payload.title,
    outcome: r.payload.outcome,
    attempts: r.payload.attempts ?? [],
  }));
}
