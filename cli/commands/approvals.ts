import { decideApproval } from '../../platform/approvals/approvals-decision';
import { listPending, type ApprovalRow } from '../../platform/approvals/approvals-store';
import { loadConfig } from '../../platform/config';
import { ledgerPool } from '../../platform/ledger-key';
import { appPool } from '../../platform/postgres/postgres';
import { guardianStatuses } from '../../platform/running-guardians';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { UsageError, type Command, type CommandInput } from '../command';

/** `nemo approvals`, `nemo approve ID`, `nemo reject ID --reason TEXT`: the operator's side of the approval protocol. */

function minutesLeft(a: ApprovalRow, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((a.expiresAt.getTime() - now) / 60_000));
  return minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
}

function approvalId(positionals: string[]): number {
  const id = positionals[0];
  if (!id || !/^\d+$/.test(id) || positionals.length > 1)
    throw new UsageError('give exactly one approval id (a number, as `nemo approvals` lists it)');
  return Number(id);
}

const accountOf = (a: ApprovalRow) => /\b(live|paper):(kalshi|coinbase)\b/.exec(`${a.subject} ${a.summary}`)?.[0];

/** The trading state of each account a pending request is about, as its guardian reports it now. */
async function currentStates(
  pending: ApprovalRow[],
  config: ReturnType<typeof loadConfig>,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  if (!pending.some(accountOf)) return states;
  const client = await connectClient(nemoTemporalTarget(config, env), 3000).catch(() => undefined);
  if (!client) return states;
  try {
    for (const answer of await guardianStatuses(client)) {
      if ('status' in answer)
        states.set(
          `${answer.ref.domain}:${answer.ref.venue}`,
          `${answer.status.trading.status} since ${answer.status.trading.since}`,
        );
    }
  } finally {
    await client.connection.close();
  }
  return states;
}

export const approvalsCommand: Command = {
  name: 'approvals',
  usage: 'approvals [--json]',
  summary: 'List pending approval requests: what, why, limits, expiry',
  async run({ values, io, env }) {
    const config = loadConfig(env);
    const pool = appPool(config.DATABASE_URL, 1);
    try {
      const pending = await listPending(pool);
      if (values.json) {
        io.out(JSON.stringify(pending, null, 2));
        return 0;
      }
      if (pending.length === 0) {
        io.out('no pending approval requests');
        return 0;
      }
      const now = await currentStates(pending, config, env);
      for (const a of pending) {
        const limits = typeof a.details.limits === 'string' ? a.details.limits : JSON.stringify(a.details.limits);
        io.out(`#${a.id}  ${a.kind}  ${a.subject}  (expires ${a.expiresAt.toISOString()}, in ${minutesLeft(a)})`);
        io.out(`    ${a.summary}`);
        io.out(`    what:   ${a.details.what}`);
        io.out(`    why:    ${a.details.why}`);
        io.out(`    limits: ${limits}`);
        // The request's text is from when it was asked; the account may have moved on since (e.g. resumed).
        const account = accountOf(a);
        if (account)
          io.out(
            `    now:    ${account} ${now.get(account) ?? 'unknown (its guardian is not running or did not answer)'}`,
          );
        io.out(
          `    decide: nemo approve ${a.id}  |  nemo reject ${a.id} --reason "..."  |  SMS reply YES ${a.code} / NO ${a.code} <reason>`,
        );
      }
      return 0;
    } finally {
      await pool.end();
    }
  },
};

async function decide({ io, env }: CommandInput, id: number, approve: boolean, reason?: string): Promise<number> {
  const config = loadConfig(env);
  const pool = ledgerPool(config);
  const temporal = await connectClient(nemoTemporalTarget(config, env));
  try {
    const result = await decideApproval(
      { pool, temporal },
      { approvalId: id, approve, by: config.NEMO_OPERATOR, channel: 'cli', reason },
    );
    if (result.status === 'refused') {
      io.err(`refused: ${result.message}`);
      return 1;
    }
    if (result.status === 'unconfirmed') {
      io.out(result.message);
      return 0;
    }
    const a = result.approval;
    io.out(
      `${result.taken.outcome} #${a.id} (${a.kind}: ${a.subject}) by ${config.NEMO_OPERATOR}; workflow ${a.workflowId} confirmed the decision`,
    );
    return 0;
  } finally {
    await temporal.connection.close();
    await pool.end();
  }
}

export const approveCommand: Command = {
  name: 'approve',
  usage: 'approve ID',
  summary: 'Approve a pending request (recorded as NEMO_OPERATOR via cli) and confirm the workflow took it',
  run: (input) => decide(input, approvalId(input.positionals), true),
};

export const rejectCommand: Command = {
  name: 'reject',
  usage: 'reject ID --reason TEXT',
  summary: 'Reject a pending request with a reason and confirm the workflow took it',
  options: { reason: { type: 'string' } },
  run: (input) => {
    const id = approvalId(input.positionals);
    const reason = typeof input.values.reason === 'string' ? input.values.reason.trim() : '';
    if (!reason) throw new UsageError('--reason TEXT is required: say why, it is recorded with the decision');
    return decide(input, id, false, reason);
  },
};
