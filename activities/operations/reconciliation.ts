import { ApplicationFailure } from '@temporalio/common';
import type { Json } from '../../ledger/canonical-json';
import type { LedgerEntry } from '../../ledger/entry';
import { appendEntry, readEntries } from '../../ledger/ledger-store';
import type { Position, Venue, VenueOrder } from '../../policies/orders';
import {
  reconcileAccount,
  type LedgerFillRecord,
  type ReconciliationBaseline,
  type ReconciliationResult,
} from '../../policies/reconciliation';
import type { WorkerContext } from '../../platform/worker-context';
import { guardianWorkflowId, reconciliationUpdate, type GuardianMemory } from '../../contracts/guardian';
import type { VenuePorts } from '../venues/credentials';
import { toActivityFailure } from '../venues/venue-errors';
import { queryGuardian } from '../incidents/guardians';
import { VENUES } from '../../policies/orders';

/**
 * The daily reconciliation's reads and records (policies/reconciliation.ts decides what differs). The control domain
 * reads the live accounts with its read-only venue keys; paper accounts trade fake money on the demo venues, which
 * only the paper domain's keys reach, and are not reconciled.
 */
export interface ReconciliationReport {
  account: string;
  /** The `reconciliation.completed` ledger entry, when recorded. */
  seq: number | null;
  at: string;
  differences: number;
  /** The first rows (all of them are in the ledger entry). */
  rows: Json[];
  compared: ReconciliationResult['compared'];
  baseline: { seq: number; source: ReconciliationBaseline['source'] };
}

const ROWS_RETURNED = 50;
const LIVE_ACCOUNT = /^live:(kalshi|coinbase)$/;

function signedPosition(position: Position): string {
  if (position.venue === 'coinbase') return position.baseSize;
  return position.side === 'yes' ? position.count : `-${position.count}`;
}

/** + for what adds to the venue's signed position (Kalshi: a bid, i.e. YES bought or NO sold), - otherwise. */
function signedFill(filled: VenueOrder): string {
  const adds =
    filled.venue === 'kalshi' ? (filled.action === 'buy') === (filled.side === 'yes') : filled.side === 'BUY';
  const quantity = filled.venue === 'kalshi' ? filled.count : filled.baseSize;
  return adds ? quantity : `-${quantity}`;
}

function checkAccount(account: string): Venue {
  if (!LIVE_ACCOUNT.test(account)) {
    throw ApplicationFailure.nonRetryable(
      `reconciliation: account "${account}" must be live:kalshi or live:coinbase (paper accounts are not reconciled)`,
      'ReconciliationInputError',
    );
  }
  return account.split(':')[1] as Venue;
}

export function createReconciliationActivities({ ctx, ports }: { ctx: WorkerContext; ports: VenuePorts }) {
  const pool = ctx.ledgerPool;

  async function allEntries(kind: string, account: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (let afterSeq = 0; ;) {
      const batch = await readEntries(pool, { kind, account, afterSeq, limit: 1000 });
      entries.push(...batch);
      if (batch.length < 1000) return entries;
      afterSeq = batch.at(-1)!.seq;
    }
  }

  /** The ledger's side: the opening, the latest agreed baseline, accepted orders and every fill. */
  async function ledgerSide(account: string) {
    const [opened] = await readEntries(pool, { kind: 'guardian.opened', account, limit: 1 });
    if (!opened) return undefined;
    const memory = opened.payload.memory as unknown as GuardianMemory;
    let baseline: ReconciliationBaseline = {
      seq: opened.seq,
      at: opened.recordedAt,
      source: 'guardian.opened',
      cashCents: memory.cashCents,
      positions: Object.fromEntries(memory.positions.map((p) => [p.market, signedPosition(p)])),
    };
    const { rows } = await pool.query<{
      seq: string;
      kind: ReconciliationBaseline['source'];
      recorded_at: Date;
      payload: { snapshot: { cashCents: number; positions: Record<string, string> } };
    }>(
      `SELECT seq, kind, recorded_at, payload FROM ledger_entries
        WHERE account = $1 AND (kind = 'reconciliation.accepted' OR (kind = 'reconciliation.completed' AND (payload->>'differences')::int = 0))
        ORDER BY seq DESC LIMIT 1`,
      [account],
    );
    const later = rows[0];
    if (later) {
      baseline = {
        seq: Number(later.seq),
        at: later.recorded_at.toISOString(),
        source: later.kind,
        cashCents: later.payload.snapshot.cashCents,
        positions: later.payload.snapshot.positions,
      };
    }
    const accepted = await allEntries('reconciliation.accepted', account);
    const fills: LedgerFillRecord[] = (await allEntries('trade.fill', account)).map((e) => ({
      seq: e.seq,
      orderId: String(e.payload.orderId),
      clientOrderId: String(e.payload.clientOrderId),
      market: String(e.payload.market),
      signedQuantity: signedFill(e.payload.filled as unknown as VenueOrder),
      feesCents: Number(e.payload.feesCents),
    }));
    return {
      openedAt: opened.recordedAt,
      baseline,
      fills,
      acceptedOrderIds: accepted.flatMap((e) => e.payload.acceptedOrderIds as string[]),
    };
  }

  return {
    /** capability ledger.read: the live accounts NEMO has a ledger record of and the control domain can read. */
    async reconcilableAccounts(): Promise<string[]> {
      const accounts: string[] = [];
      for (const venue of VENUES) {
        const account = `live:${venue}`;
        if (
          ports[venue]?.authenticated &&
          (await readEntries(pool, { kind: 'guardian.opened', account, limit: 1 })).length > 0
        )
          accounts.push(account);
      }
      return accounts;
    },

    /**
     * capability guardian.signal: the account is REDUCING (only risk-reducing orders) while it is reconciled, so no
     * new position appears between the ledger's reading and the venue's.
     */
    async markReconciling(request: { account: string; phase: 'started' | 'ended' }): Promise<string> {
      const venue = checkAccount(request.account);
      const workflowId = guardianWorkflowId('live', venue);
      if (!(await queryGuardian(ctx.temporal, workflowId))) return 'no running guardian answered';
      return ctx.temporal.workflow.getHandle(workflowId).executeUpdate(reconciliationUpdate, { args: [request.phase] });
    },

    /**
     * capability account.read: the ledger against the venue (fills, positions, balance). Recorded as
     * `reconciliation.completed` with every row when `record` says so: always, or only when nothing differs (a first
     * look whose differences are confirmed by a second one after a grace).
     */
    async reconcileWithVenue(request: {
      account: string;
      record: 'always' | 'if-clean';
      key: string;
    }): Promise<ReconciliationReport> {
      const venue = checkAccount(request.account);
      const port = ports[venue];
      if (!port?.authenticated)
        throw ApplicationFailure.nonRetryable(
          `reconciliation: the control domain holds no read-only ${venue} key`,
          'VenueNotConfigured',
        );
      const ledger = await ledgerSide(request.account);
      if (!ledger)
        throw ApplicationFailure.nonRetryable(
          `reconciliation: ${request.account} has no guardian.opened entry in the ledger`,
          'ReconciliationInputError',
        );
      let venueRecords;
      try {
        const [fills, positions, balance, open, settlements] = await Promise.all([
          port.listFills(),
          port.getPositions(),
          port.getBalance(),
          port.listOrders({ status: 'open' }),
          port.listSettlements(),
        ]);
        venueRecords = {
          fills: fills.map((f) => ({
            fillId: f.fillId,
            orderId: f.orderId,
            market: f.market,
            side: f.side,
            price: f.price,
            quantity: f.quantity,
            feeCents: f.feeCents,
            at: f.at,
          })),
          positions: positions.map((p) => ({ market: p.market, quantity: p.quantity })),
          availableCents: balance.availableCents,
          heldCents: balance.heldCents,
          openOrders: open.length,
          settlements: settlements.map((s) => ({
            market: s.market,
            revenueCents: s.revenueCents,
            feeCents: s.feeCents,
            settledAt: s.settledAt,
          })),
        };
      } catch (err) {
        throw toActivityFailure(err);
      }
      const result = reconcileAccount({
        venue,
        baseline: ledger.baseline,
        openedAt: ledger.openedAt,
        ledgerFills: ledger.fills,
        acceptedOrderIds: ledger.acceptedOrderIds,
        venueRecords,
      });
      const at = new Date().toISOString();
      const rows = JSON.parse(JSON.stringify(result.rows)) as Json[];
      let seq: number | null = null;
      if (request.record === 'always' || result.rows.length === 0) {
        const { entry } = await appendEntry(pool, {
          kind: 'reconciliation.completed',
          domain: 'control',
          account: request.account,
          payload: {
            account: request.account,
            differences: result.rows.length,
            rows,
            compared: { ...result.compared },
            snapshot: JSON.parse(JSON.stringify(result.snapshot)),
            baseline: { seq: ledger.baseline.seq, source: ledger.baseline.source },
          },
          idempotencyKey: `reconciliation.completed:${request.key}`,
        });
        seq = entry.seq;
      }
      return {
        account: request.account,
        seq,
        at,
        differences: result.rows.length,
        rows: rows.slice(0, ROWS_RETURNED),
        compared: result.compared,
        baseline: { seq: ledger.baseline.seq, source: ledger.baseline.source },
      };
    },

    /**
     * capability guardian.signal (incident resolution only): the operator approved a reconciliation incident, so the
     * venue's figures of that reconciliation become the baseline and its differing orders are not reported again.
     */
    async acceptReconciliation(request: {
      reconciliationSeq: number;
      by: string;
      reason: string;
    }): Promise<{ seq: number }> {
      const { rows } = await pool.query<{ account: string; payload: { rows: { orderId?: string }[]; snapshot: Json } }>(
        "SELECT account, payload FROM ledger_entries WHERE seq = $1 AND kind = 'reconciliation.completed'",
        [request.reconciliationSeq],
      );
      const completed = rows[0];
      if (!completed)
        throw ApplicationFailure.nonRetryable(
          `ledger entry ${request.reconciliationSeq} is not a reconciliation`,
          'ReconciliationInputError',
        );
      const { entry } = await appendEntry(pool, {
        kind: 'reconciliation.accepted',
        domain: 'control',
        account: completed.account,
        payload: {
          reconciliationSeq: request.reconciliationSeq,
          by: request.by,
          reason: request.reason,
          snapshot: completed.payload.snapshot,
          acceptedOrderIds: [...new Set(completed.payload.rows.flatMap((r) => (r.orderId ? [r.orderId] : [])))],
        },
        idempotencyKey: `reconciliation.accepted:${request.reconciliationSeq}`,
      });
      return { seq: entry.seq };
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
