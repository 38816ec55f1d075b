import { appendEntry } from '../../ledger/ledger-store';
import { loadConfig } from '../../platform/config';
import { ledgerPool } from '../../platform/ledger-key';
import { runningGuardians, type GuardianRef } from '../../platform/running-guardians';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { operatorCommandUpdate, type OperatorCommand, type OperatorCommandResult } from '../../contracts/guardian';
import { UsageError, type Command, type CommandInput } from '../command';

/**
 * `nemo halt`, `nemo resume`, `nemo reset`: the operator's commands to the portfolio guardians (seed: "Manual review
 * required to resume"; the FIA's kill switch "operable by a separate person"). Each is an update, so the command
 * says whether the guardian applied it, and each decision is recorded with who made it.
 */
function operatorCommand(action: OperatorCommand['action'], summary: string): Command {
  return {
    name: action,
    usage: `${action} --reason TEXT [--account DOMAIN:VENUE] [--json]`,
    summary,
    options: { reason: { type: 'string' }, account: { type: 'string' } },
    async run({ values, io, env }: CommandInput) {
      const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
      // The kill switch works without a reason (stopping is always safe); lifting a stop needs one (seed: review).
      if (!reason && action !== 'halt') throw new UsageError(`${action} needs --reason: say what was reviewed`);
      const account = typeof values.account === 'string' ? values.account : undefined;
      if (account && !/^(live|paper):(kalshi|coinbase)$/.test(account))
        throw new UsageError('--account must be live:kalshi, live:coinbase, paper:kalshi or paper:coinbase');
      const config = loadConfig(env);
      const client = await connectClient(nemoTemporalTarget(config, env));
      const pool = ledgerPool(config, 1);
      try {
        const guardians = await runningGuardians(client, account);
        if (guardians.length === 0) {
          io.err(account ? `no running guardian for ${account}` : 'no portfolio guardian is running (is NEMO up?)');
          return 1;
        }
        const by = config.NEMO_OPERATOR;
        const results: (GuardianRef & OperatorCommandResult)[] = [];
        for (const guardian of guardians) {
          const result = await client.workflow
            .getHandle(guardian.workflowId)
            .executeUpdate(operatorCommandUpdate, { args: [{ action, by, reason: reason || 'kill switch' }] });
          results.push({ ...guardian, ...result });
          await appendEntry(pool, {
            kind: `operator.${action}`,
            domain: 'operator',
            account: `${guardian.domain}:${guardian.venue}`,
            payload: {
              by,
              reason: reason || null,
              applied: result.applied,
              refused: result.refused ?? null,
              status: result.status,
            },
            idempotencyKey: `operator.${action}:${guardian.workflowId}:${Date.now()}`,
          });
        }
        if (values.json) io.out(JSON.stringify(results, null, 2));
        else {
          for (const r of results) {
            io.out(
              r.applied
                ? `${r.domain}:${r.venue} ${action} applied by ${by}: now ${r.status}`
                : `${r.domain}:${r.venue} ${action} refused: ${r.refused} (still ${r.status})`,
            );
          }
        }
        // Lifting every account's stop (no --account) succeeds when each is trading afterwards, already ACTIVE or not.
        return results.every((r) => r.applied || action === 'halt' || (!account && r.status === 'ACTIVE')) ? 0 : 1;
      } finally {
        await pool.end();
        await client.connection.close();
      }
    },
  };
}

export const haltCommand = operatorCommand(
  'halt',
  'Kill switch: HALT trading (no new orders, working orders cancelled); --reason recommended',
);
export const resumeCommand = operatorCommand(
  'resume',
  'Resume trading after a daily-loss PAUSE or a HALT, after review (--reason required)',
);
export const resetCommand = operatorCommand(
  'reset',
  'Reset a SHUTDOWN after the total loss limit (--reason required); restarts the loss baselines',
);
