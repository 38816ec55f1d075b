import { randomInt } from 'node:crypto';
import type pg from 'pg';
import type { ApprovalKind, DecisionChannel } from '../../contracts/approvals';
import type { Json } from '../../ledger/canonical-json';

/**
 * The `approvals` table (migrations/002_approvals.sql): requests, their one-time codes and their single decision.
 * Every check that matters (pending, not expired, decided once) happens inside the UPDATE itself, so two channels
 * deciding at the same moment cannot both win.
 */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** What the operator is shown: what is asked, why, and within which limits. */
export interface ApprovalDetails {
  what: string;
  why: string;
  limits: string | { [key: string]: Json };
  [key: string]: Json;
}

export interface ApprovalRow {
  id: number;
  code: string;
  kind: ApprovalKind;
  subject: string;
  summary: string;
  details: ApprovalDetails;
  workflowId: string;
  runId: string;
  createdAt: Date;
  expiresAt: Date;
  status: ApprovalStatus;
  decidedAt: Date | null;
  decidedBy: string | null;
  channel: DecisionChannel | 'timeout' | null;
  reason: string | null;
}

interface Row {
  id: string;
  code: string;
  kind: ApprovalKind;
  subject: string;
  summary: string;
  details: ApprovalDetails;
  workflow_id: string;
  run_id: string;
  created_at: Date;
  expires_at: Date;
  status: ApprovalStatus;
  decided_at: Date | null;
  decided_by: string | null;
  channel: ApprovalRow['channel'];
  reason: string | null;
}

const fromRow = (r: Row): ApprovalRow => ({
  id: Number(r.id),
  code: r.code,
  kind: r.kind,
  subject: r.subject,
  summary: r.summary,
  details: r.details,
  workflowId: r.workflow_id,
  runId: r.run_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  status: r.status,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  channel: r.channel,
  reason: r.reason,
});

type Db = pg.Pool | pg.PoolClient | pg.Client;

export interface NewApproval {
  requestKey: string;
  kind: ApprovalKind;
  subject: string;
  summary: string;
  details: ApprovalDetails;
  workflowId: string;
  runId: string;
  expiresAt: Date;
}

// A request whose workflow vanished without recording its expiry would hold its code forever; after this grace
// (far longer than any workflow takes to record an outcome) such rows are expired so their codes can be reused.
const STALE_GRACE = "interval '1 day'";

/** Creates the request with a fresh code (or returns the one this request key already made). */
export async function insertApproval(
  db: Db,
  request: NewApproval,
): Promise<{ approval: ApprovalRow; created: boolean }> {
  const existing = await db.query<Row>('SELECT * FROM approvals WHERE request_key = $1', [request.requestKey]);
  if (existing.rows[0]) return { approval: fromRow(existing.rows[0]), created: false };
  await db.query(
    `UPDATE approvals SET status = 'expired', decided_at = now(), decided_by = 'nemo', channel = 'timeout',
            reason = 'expired; its workflow recorded no outcome'
      WHERE status = 'pending' AND expires_at < now() - ${STALE_GRACE}`,
  );
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const code = String(randomInt(0, 10_000)).padStart(4, '0');
    try {
      const { rows } = await db.query<Row>(
        `INSERT INTO approvals (code, kind, subject, summary, details, workflow_id, run_id, request_key, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          code,
          request.kind,
          request.subject,
          request.summary,
          JSON.stringify(request.details),
          request.workflowId,
          request.runId,
          request.requestKey,
          request.expiresAt,
        ],
      );
      return { approval: fromRow(rows[0]!), created: true };
    } catch (err) {
      const e = err as { code?: string; constraint?: string };
      if (e.code !== '23505') throw err;
      // The same request inserted concurrently by a retry: return it.
      if (e.constraint !== 'approvals_pending_code') return insertApproval(db, request);
    }
  }
  throw new Error('no free one-time approval code after 50 tries: too many pending approvals');
}

export async function findApproval(db: Db, id: number): Promise<ApprovalRow | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM approvals WHERE id = $1', [id]);
  return rows[0] && fromRow(rows[0]);
}

/** The pending request carrying this code (possibly past its expiry: the caller says which). */
export async function findPendingByCode(db: Db, code: string): Promise<ApprovalRow | undefined> {
  const { rows } = await db.query<Row>("SELECT * FROM approvals WHERE code = $1 AND status = 'pending'", [code]);
  return rows[0] && fromRow(rows[0]);
}

/** Requests still waiting for the operator, soonest expiry first. */
export async function listPending(db: Db): Promise<ApprovalRow[]> {
  const { rows } = await db.query<Row>(
    "SELECT * FROM approvals WHERE status = 'pending' AND expires_at > now() ORDER BY expires_at, id",
  );
  return rows.map(fromRow);
}

export interface Decision {
  approvalId: number;
  approve: boolean;
  by: string;
  channel: DecisionChannel;
  reason?: string;
}

export type Claim =
  | { claimed: true; approval: ApprovalRow }
  | { claimed: false; why: 'unknown' | 'decided' | 'expired'; approval?: ApprovalRow };

/** Records the operator's decision if, at this instant, the request exists, is pending and has not expired. */
export async function claimDecision(db: Db, decision: Decision): Promise<Claim> {
  const { rows } = await db.query<Row>(
    `UPDATE approvals SET status = $2, decided_at = now(), decided_by = $3, channel = $4, reason = $5
      WHERE id = $1 AND status = 'pending' AND expires_at > now() RETURNING *`,
    [
      decision.approvalId,
      decision.approve ? 'approved' : 'rejected',
      decision.by,
      decision.channel,
      decision.reason ?? null,
    ],
  );
  if (rows[0]) return { claimed: true, approval: fromRow(rows[0]) };
  const approval = await findApproval(db, decision.approvalId);
  if (!approval) return { claimed: false, why: 'unknown' };
  return { claimed: false, why: approval.status === 'pending' ? 'expired' : 'decided', approval };
}

/** The workflow's timer fired: expire the request unless a decision got in first, and return the final row. */
export async function expireApproval(db: Db, approvalId: number): Promise<ApprovalRow | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE approvals SET status = 'expired', decided_at = now(), decided_by = 'nemo', channel = 'timeout',
            reason = 'no decision before the request expired'
      WHERE id = $1 AND status = 'pending' RETURNING *`,
    [approvalId],
  );
  return rows[0] ? fromRow(rows[0]) : findApproval(db, approvalId);
}
