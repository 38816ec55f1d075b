import { msToNumber } from '@temporalio/common';
import type pg from 'pg';
import { decideApproval } from '../../platform/approvals/approvals-decision';
import type { Json } from '../../ledger/canonical-json';
import { loadConfig } from '../../platform/config';
import { appPool } from '../../platform/postgres/postgres';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { heartbeatMissed, parseIncidentId } from '../../policies/incident-triggers';
import { UsageError, type Command, type CommandInput } from '../command';

/**
 * `nemo incident list|show|resolve|health`: the operator's view of incidents (docs/operations.md). The ledger is the
 * record (it holds every incident, open or closed, even without Temporal); resolving is the operator's approval of
 * the incident's pending request, recorded with who and why, after which the incident lifts what it stopped.
 */
interface Row {
  seq: string;
  kind: string;
  recorded_at: Date;
  payload: { [key: string]: Json };
}

export interface IncidentSummary {
  incidentId: string;
  runId: string;
  type: string;
  openedAt: string;
  state: 'OPEN' | 'RESOLVED' | 'RECOVERED';
  by: string | null;
  closedAt: string | null;
  firstTrigger: string;
}

const LIST_LIMIT = 200;

/** The newest incidents, open or closed, from the ledger (newest first). */
export async function incidents(pool: pg.Pool): Promise<IncidentSummary[]> {
  const { rows } = await pool.query<Row>(
    `SELECT seq, kind, recorded_at, payload FROM ledger_entries WHERE kind IN ('incident.opened', 'incident.resolved') ORDER BY seq DESC LIMIT $1`,
    [LIST_LIMIT * 2],
  );
  const closed = new Map(rows.filter((r) => r.kind === 'incident.resolved').map((r) => [String(r.payload.runId), r]));
  return rows
    .filter((r) => r.kind === 'incident.opened')
    .slice(0, LIST_LIMIT)
    .map((r) => {
      const end = closed.get(String(r.payload.runId));
      return {
        incidentId: String(r.payload.incidentId),
        runId: String(r.payload.runId),
        type: String(r.payload.type),
        openedAt: r.recorded_at.toISOString(),
        state: end ? (end.payload.outcome === 'recovered' ? 'RECOVERED' : 'RESOLVED') : 'OPEN',
        by: end ? ((end.payload.by as string | null) ?? null) : null,
        closedAt: end ? end.recorded_at.toISOString() : null,
        firstTrigger: String((r.payload.trigger as { summary?: string } | null)?.summary ?? ''),
      };
    });
}

function incidentArg(positionals: string[]): string {
  const id = positionals[1];
  if (!id || positionals.length > 2)
    throw new UsageError('give exactly one incident id, as `nemo incident list` shows it (incident/<type>/<cause>)');
  if (!parseIncidentId(id))
    throw new UsageError(
      `"${id}" is not an incident id: expected incident/<security-breach|financial-loss|technical-failure>/<cause>`,
    );
  return id;
}

async function list({ values, io }: CommandInput, pool: pg.Pool): Promise<number> {
  const all = await incidents(pool);
  const shown = values.open ? all.filter((i) => i.state === 'OPEN') : all;
  if (values.json) {
    io.out(JSON.stringify(shown, null, 2));
    return 0;
  }
  if (shown.length === 0) {
    io.out(values.open ? 'no open incident' : 'no incident recorded');
    return 0;
  }
  for (const i of shown) {
    const end = i.state === 'OPEN' ? 'OPEN' : `${i.state} ${i.closedAt}${i.by ? ` by ${i.by}` : ''}`;
    io.out(`${i.incidentId}  (run ${i.runId.slice(0, 8)}, opened ${i.openedAt})  ${end}`);
    io.out(`    ${i.firstTrigger}`);
  }
  return 0;
}

async function show({ positionals, values, io }: CommandInput, pool: pg.Pool): Promise<number> {
  const id = incidentArg(positionals);
  const latest = (await incidents(pool)).find((i) => i.incidentId === id);
  if (!latest) {
    io.err(`no incident ${id} is recorded`);
    return 1;
  }
  const { rows } = await pool.query<Row>(
    `SELECT seq, kind, recorded_at, payload FROM ledger_entries WHERE kind LIKE 'incident.%' AND payload->>'runId' = $1 ORDER BY seq`,
    [latest.runId],
  );
  const pending = await pool.query<{ id: string; code: string; expires_at: Date }>(
    "SELECT id, code, expires_at FROM approvals WHERE workflow_id = $1 AND status = 'pending' AND expires_at > now() ORDER BY id DESC LIMIT 1",
    [id],
  );
  const approval = pending.rows[0]
    ? { approvalId: Number(pending.rows[0].id), expiresAt: pending.rows[0].expires_at.toISOString() }
    : null;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ...latest,
          pendingApproval: approval,
          entries: rows.map((r) => ({
            seq: Number(r.seq),
            kind: r.kind,
            at: r.recorded_at.toISOString(),
            ...r.payload,
          })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(`${id}  ${latest.state}  (run ${latest.runId}, opened ${latest.openedAt})`);
  for (const r of rows) {
    const at = r.recorded_at.toISOString();
    if (r.kind === 'incident.opened' || r.kind === 'incident.trigger')
      io.out(`  ${at}  trigger: ${String((r.payload.trigger as { summary?: string }).summary)}`);
    else if (r.kind === 'incident.step') io.out(`  ${at}  ${String(r.payload.step)}: ${String(r.payload.outcome)}`);
    else if (r.kind === 'incident.resolved')
      io.out(
        `  ${at}  ${String(r.payload.outcome)}${r.payload.by ? ` by ${String(r.payload.by)}: ${String(r.payload.reason)}` : ''}`,
      );
  }
  if (approval)
    io.out(
      `  waiting for the operator: nemo incident resolve ${id} --reason "..." (approval #${approval.approvalId}, expires ${approval.expiresAt})`,
    );
  return 0;
}

async function resolve({ positionals, values, io, env }: CommandInput, pool: pg.Pool): Promise<number> {
  const id = incidentArg(positionals);
  const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
  if (!reason)
    throw new UsageError(
      'resolve needs --reason TEXT: say what was found and fixed; it is recorded with the resumption',
    );
  const config = loadConfig(env);
  const pending = await pool.query<{ id: string }>(
    "SELECT id FROM approvals WHERE workflow_id = $1 AND kind = 'incident' AND status = 'pending' AND expires_at > now() ORDER BY id DESC LIMIT 1",
    [id],
  );
  if (!pending.rows[0]) {
    io.err(
      `incident ${id} is not waiting for the operator (it is closed, or still running its protocol): see \`nemo incident show ${id}\``,
    );
    return 1;
  }
  const temporal = await connectClient(nemoTemporalTarget(config, env));
  try {
    const result = await decideApproval(
      { pool, temporal },
      { approvalId: Number(pending.rows[0].id), approve: true, by: config.NEMO_OPERATOR, channel: 'cli', reason },
    );
    if (result.status === 'refused') {
      io.err(`refused: ${result.message}`);
      return 1;
    }
    io.out(
      result.status === 'taken'
        ? `resolved ${id} by ${config.NEMO_OPERATOR}: the incident now lifts what it stopped (\`nemo incident show ${id}\`)`
        : result.message,
    );
    // A worker the supervisor gave up on stays down until someone starts it: offer the command.
    const worker = /^incident\/technical-failure\/worker\/([a-z]+)/.exec(id)?.[1];
    if (worker && result.status === 'taken')
      io.out(`the ${worker} worker is not restarted by resolving: \`nemo worker restart ${worker} --reason "..."\``);
    return 0;
  } finally {
    await temporal.connection.close();
  }
}

async function health({ values, io, env }: CommandInput, pool: pg.Pool): Promise<number> {
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  const config = loadConfig(env);
  const checks = await pool.query<Row>(
    "SELECT seq, kind, recorded_at, payload FROM ledger_entries WHERE kind = 'health.check' ORDER BY seq DESC LIMIT $1",
    [limit],
  );
  const beat = await pool.query<Row>(
    "SELECT seq, kind, recorded_at, payload FROM ledger_entries WHERE kind = 'heartbeat' ORDER BY seq DESC LIMIT 1",
  );
  const intervalMs = msToNumber(config.NEMO_HEARTBEAT_EVERY as '5m');
  const last = beat.rows[0];
  const heartbeat = {
    lastAt: last ? last.recorded_at.toISOString() : null,
    every: config.NEMO_HEARTBEAT_EVERY,
    missed: last ? heartbeatMissed({ now: Date.now(), intervalMs, lastHeartbeatAt: last.recorded_at.getTime() }) : null,
    workersDown: last ? last.payload.workersDown : null,
  };
  const history = checks.rows.map((r) => ({
    seq: Number(r.seq),
    at: r.recorded_at.toISOString(),
    allUp: r.payload.allUp === true,
    checks: r.payload.checks as { name: string; status: string; latencyMs: number; detail?: string }[],
  }));
  if (values.json) {
    io.out(JSON.stringify({ heartbeat, healthChecks: history }, null, 2));
    return 0;
  }
  io.out(
    heartbeat.lastAt
      ? `heartbeat: last ${heartbeat.lastAt}, expected every ${heartbeat.every}${heartbeat.missed ? ' -- MISSED (a technical-failure incident opens)' : ''}`
      : 'heartbeat: none recorded yet',
  );
  for (const h of history) {
    const detail = h.checks
      .map((c) => (c.status === 'up' ? `${c.name} ${c.latencyMs} ms` : `${c.name} DOWN (${c.detail ?? 'no detail'})`))
      .join(', ');
    io.out(`${h.at}  ${h.allUp ? 'all up' : 'PROBLEM'}  ${detail}`);
  }
  return 0;
}

const ACTIONS: Record<string, (input: CommandInput, pool: pg.Pool) => Promise<number>> = {
  list,
  show,
  resolve,
  health,
};

export const incidentCommand: Command = {
  name: 'incident',
  usage: 'incident list [--open] | show ID | resolve ID --reason TEXT | health [--limit N]  [--json]',
  summary:
    'Incidents (security breach, financial loss, technical failure): list, show the protocol steps, resolve (the operator approval); health history',
  options: { open: { type: 'boolean' }, reason: { type: 'string' }, limit: { type: 'string' } },
  async run(input) {
    const name = input.positionals[0] ?? '';
    const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!action) throw new UsageError(`unknown incident action "${name}": use list, show, resolve or health`);
    const config = loadConfig(input.env);
    const pool = appPool(config.DATABASE_URL, 1);
    try {
      return await action(input, pool);
    } finally {
      await pool.end();
    }
  },
};
