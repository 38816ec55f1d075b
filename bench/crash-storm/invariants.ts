import type pg from 'pg';
import type { VenueOrder } from '../../activities/venues/venue-port';
import { readEntries } from '../../ledger/ledger-store';
import type { TradingDomain } from '../../policies/limits';
import { guardianStatusQuery, guardianWorkflowId } from '../../contracts/guardian';
import { percentile } from '../machine';
import type { ClusterNemo } from './cluster-nemo';
import type { StormRecord } from './storm';
import type { Venue } from '../../policies/orders';

/**
 * What must hold after the crash storm, however the kills fell: each check says what it found, so a failure names the
 * trade, order or market.
 */
export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** How a trade workflow can end; exactly one of them per trade, and it must be a completion. */
const CLOSE_EVENTS = [
  'workflowExecutionCompletedEventAttributes',
  'workflowExecutionFailedEventAttributes',
  'workflowExecutionTimedOutEventAttributes',
  'workflowExecutionTerminatedEventAttributes',
  'workflowExecutionCanceledEventAttributes',
  'workflowExecutionContinuedAsNewEventAttributes',
] as const;
/** The ledger entry each trade ends with. */
const TRADE_ENDINGS = ['trade.report', 'trade.refused', 'trade.venue-rejected', 'trade.not-approved'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const problems = (list: string[]) =>
  list.length ? `${list.length} problems: ${list.slice(0, 5).join('; ')}${list.length > 5 ? '; ...' : ''}` : '';

export async function checkStormInvariants(
  stack: ClusterNemo,
  pool: pg.Pool,
  record: StormRecord,
): Promise<InvariantResult[]> {
  const results: InvariantResult[] = [];
  const entries = await readEntries(pool, { kindPrefix: 'trade.' });
  const ofTrade = (kind: string, workflowId: string) =>
    entries.filter((e) => e.kind === kind && e.payload.workflowId === workflowId);

  // 1. Every trade workflow ended exactly once: one close event in its history, a completion, and one ending in the ledger.
  {
    const found: string[] = [];
    for (const trade of record.trades) {
      if (trade.error || !trade.outcome) found.push(`${trade.workflowId}: ${trade.error ?? 'no outcome'}`);
      const events = (await stack.client.workflow.getHandle(trade.workflowId).fetchHistory()).events ?? [];
      const closes = events.filter((e) => CLOSE_EVENTS.some((k) => e[k]));
      if (closes.length !== 1 || !closes[0]!.workflowExecutionCompletedEventAttributes)
        found.push(`${trade.workflowId}: ${closes.length} close events`);
      const endings = TRADE_ENDINGS.flatMap((kind) => ofTrade(kind, trade.workflowId));
      if (endings.length !== 1) found.push(`${trade.workflowId}: ${endings.length} endings in the ledger`);
    }
    results.push({
      name: 'every trade workflow ended exactly once',
      ok: found.length === 0,
      detail: problems(found) || `${record.trades.length} trades, each one completion and one ledger ending`,
    });
  }

  // 2. The venue holds exactly one order per client order id, and it is the one the trade reported.
  const venueOrders: Record<Venue, VenueOrder[]> = {
    kalshi: await stack.venues.live.kalshi.listOrders({ limit: 10_000 }),
    coinbase: await stack.venues.live.coinbase.listOrders({ limit: 10_000 }),
  };
  {
    const found: string[] = [];
    for (const [venue, orders] of Object.entries(venueOrders)) {
      const count = new Map<string, number>();
      for (const o of orders) count.set(o.clientOrderId, (count.get(o.clientOrderId) ?? 0) + 1);
      for (const [id, n] of count) if (n > 1) found.push(`${venue} holds ${n} orders under ${id}`);
    }
    for (const trade of record.trades) {
      const orders = venueOrders[trade.venue].filter(
        (o) => trade.outcome?.outcome === 'done' && o.clientOrderId === trade.outcome.clientOrderId,
      );
      if (trade.outcome?.outcome === 'done' && (orders.length !== 1 || orders[0]!.orderId !== trade.outcome.orderId)) {
        found.push(`${trade.workflowId}: ${orders.length} venue orders for ${trade.outcome.clientOrderId}`);
      }
    }
    const placed = record.trades.filter((t) => t.outcome?.outcome === 'done').length;
    results.push({
      name: 'the venue holds exactly one order per client order id',
      ok: found.length === 0,
      detail:
        problems(found) ||
        `${placed} orders placed, ${venueOrders.kalshi.length + venueOrders.coinbase.length} at the venues in all, none twice`,
    });
  }

  // 3. Every fill is in the ledger once (with the venue's filled quantity), and the keyed chain verifies.
  {
    const found: string[] = [];
    let fills = 0;
    for (const trade of record.trades) {
      if (trade.outcome?.outcome !== 'done') continue;
      const { clientOrderId } = trade.outcome;
      const venueOrder = venueOrders[trade.venue].find((o) => o.clientOrderId === clientOrderId);
      const ledgerFills = entries.filter((e) => e.kind === 'trade.fill' && e.payload.clientOrderId === clientOrderId);
      const filled = Number(venueOrder?.filledQuantity ?? 0);
      if (filled > 0) fills += 1;
      if (ledgerFills.length !== (filled > 0 ? 1 : 0))
        found.push(`${clientOrderId}: ${ledgerFills.length} ledger fills for a venue fill of ${filled}`);
      else if (filled > 0 && Number(ledgerFills[0]!.payload.filledQuantity) !== filled)
        found.push(
          `${clientOrderId}: ledger says ${ledgerFills[0]!.payload.filledQuantity} filled, the venue ${filled}`,
        );
    }
    const verified = await stack.nemo(['ledger', 'verify']).then(
      (out) => ({ ok: true, out }),
      (err: Error & { stdout?: string; stderr?: string }) => ({
        ok: false,
        out: `${err.stdout ?? ''}${err.stderr ?? err.message}`,
      }),
    );
    if (!verified.ok) found.push(`nemo ledger verify: ${verified.out.trim()}`);
    results.push({
      name: 'every fill is in the ledger once and the chain verifies',
      ok: found.length === 0,
      detail: problems(found) || `${fills} fills, each one ledger entry; ${verified.out.trim().split('\n')[0]}`,
    });
  }

  // 4. Each guardian's book equals what its venue holds (a trade in flight may still be committing: wait for it).
  {
    const found: string[] = [];
    for (const domain of ['live', 'paper'] as TradingDomain[]) {
      for (const venue of ['kalshi', 'coinbase'] as Venue[]) {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const books = await guardianAndVenueBooks(stack, domain, venue).catch((err: Error) => ({
            guardian: err.message,
            venue: '',
          }));
          if (books.guardian === books.venue) break;
          if (Date.now() > deadline) {
            found.push(`${domain}:${venue} guardian ${books.guardian} but the venue ${books.venue}`);
            break;
          }
          await sleep(2000);
        }
      }
    }
    results.push({
      name: "each guardian's book equals what the venue holds",
      ok: found.length === 0,
      detail: problems(found) || 'live and paper, Kalshi and Coinbase: equal',
    });
  }

  // 5. No limit was ever exceeded: every sample of every guardian's book during the storm was within its limits.
  results.push({
    name: 'no limit was ever exceeded',
    ok: record.limitSamples > 0 && record.limitBreaches.length === 0,
    detail: record.limitBreaches.length
      ? problems(record.limitBreaches.map((b) => `${b.guardian}: ${b.detail}`))
      : `${record.limitSamples} samples of the four guardians' books over ${((record.endedAt - record.startedAt) / 1000).toFixed(0)} s, none above a limit`,
  });
  return results;
}

/** Market -> signed quantity, as sorted JSON: the guardian's positions and the venue's. */
async function guardianAndVenueBooks(
  stack: ClusterNemo,
  domain: TradingDomain,
  venue: Venue,
): Promise<{ guardian: string; venue: string }> {
  const status = await stack.client.workflow.getHandle(guardianWorkflowId(domain, venue)).query(guardianStatusQuery);
  const guardian = status.positions.flatMap((p) => {
    if (p.venue !== venue) return [];
    const quantity = p.venue === 'kalshi' ? Number(p.count) * (p.side === 'yes' ? 1 : -1) : Number(p.baseSize);
    return quantity === 0 ? [] : [[p.market, quantity] as const];
  });
  const held = (await stack.venues[domain][venue].getPositions())
    .filter((p) => Number(p.quantity) !== 0)
    .map((p) => [p.market, Number(p.quantity)] as const);
  const sorted = (book: (readonly [string, number])[]) =>
    JSON.stringify([...book].sort(([a], [b]) => a.localeCompare(b)));
  return { guardian: sorted(guardian), venue: sorted(held) };
}

function tradeSeconds(record: StormRecord, p: number): string {
  const sorted = record.trades.flatMap((t) => (t.endedAt ? [t.endedAt - t.startedAt] : [])).sort((a, b) => a - b);
  return sorted.length ? (percentile(sorted, p) / 1000).toFixed(1) : '-';
}

/** The storm's figures and every invariant's result, as printed by the bench and its test. */
export function stormReport(record: StormRecord, results: InvariantResult[]): string[] {
  const outcomes = new Map<string, number>();
  for (const t of record.trades) {
    const key = `${t.venue} ${t.outcome?.outcome ?? 'error'}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const byWorker = new Map<string, number>();
  for (const k of record.kills) byWorker.set(k.worker, (byWorker.get(k.worker) ?? 0) + 1);
  const refusals = new Map<string, number>();
  for (const t of record.trades) {
    if (t.outcome?.outcome !== 'refused') continue;
    for (const f of t.outcome.failures) refusals.set(f.check, (refusals.get(f.check) ?? 0) + 1);
  }
  const midTrade = record.kills.filter((k) =>
    record.trades.some((t) => t.startedAt <= k.at && (t.endedAt ?? Infinity) >= k.at),
  ).length;
  return [
    `trades: ${record.trades.length} (${[...outcomes]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})${refusals.size ? `; refused by ${[...refusals].map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}`,
    `kills: ${record.kills.length} SIGKILLs of worker processes (${[...byWorker]
      .sort()
      .map(([w, n]) => `${w} ${n}`)
      .join(', ')}), ${midTrade} with live trades in flight`,
    `server restarts: ${record.serverRestarts} (SIGKILL, started again on the same PostgreSQL)`,
    `duration: ${((record.endedAt - record.startedAt) / 1000).toFixed(0)} s; a trade took ${tradeSeconds(record, 50)} s at the median, ${tradeSeconds(record, 100)} s at most`,
    ...results.map((r) => `${r.ok ? 'OK  ' : 'FAIL'} ${r.name}: ${r.detail}`),
  ];
}
