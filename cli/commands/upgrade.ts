import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { msToNumber, TypedSearchAttributes } from '@temporalio/common';
import type pg from 'pg';
import { decideApproval } from '../../platform/approvals/approvals-decision';
import { readDeploymentState } from '../../activities/upgrade/deployment-state';
import { listReleases } from '../../activities/upgrade/release-store';
import { rollBack } from '../../activities/upgrade/rollback';
import { currentBuildId, runningOnBuild } from '../../activities/upgrade/worker-deployment';
import { readEntries } from '../../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { ledgerPool } from '../../platform/ledger-key';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { TASK_QUEUES } from '../../policies/domains';
import {
  describeProposal,
  parseProposal,
  ProposalError,
  type ParameterValue,
  type UpgradeProposal,
} from '../../policies/upgrade-proposal';
import { NemoDomain } from '../../contracts/search-attributes';
import { upgradeStatus, type selfUpgrade, type UpgradeStatus } from '../../workflows/upgrade/self-upgrade';
import { UsageError, type Command, type CommandInput } from '../command';
import { pendingApproval } from '../../contracts/approvals';

/**
 * `nemo upgrade`: the operator's side of the self-improvement domain (docs/upgrades.md). Proposals run as
 * `selfUpgrade` workflows; approvals go through the approval protocol (`nemo approve` works too); a rollback is done
 * here directly, so it works even when the build being left cannot run a workflow.
 */

type DurationText = Parameters<typeof msToNumber>[0];

const USAGE =
  'upgrade propose ... | list | show ID | approve ID [--policy-change DIGEST] | reject ID --reason TEXT | rollback [VERSION]';

const PROPOSE_FORMS =
  'propose one of: --patch FILE --summary TEXT [--breaking] | --strategy NAME --set K=V [--set K=V...] --reason TEXT | ' +
  '--package NAME@VERSION --reason TEXT | --credit PROVIDER --amount USD --reason TEXT; ' +
  '[--allow-unsandboxed-checks] only where no sandbox can be built (nemo doctor)';

interface Session {
  config: NemoConfig;
  client: Client;
  pool: pg.Pool;
}

async function withSession<T>(env: NodeJS.ProcessEnv, work: (s: Session) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const client = await connectClient(nemoTemporalTarget(config, env));
  const pool = ledgerPool(config, 2);
  try {
    return await work({ config, client, pool });
  } finally {
    await client.connection.close();
    await pool.end();
  }
}

const text = (values: CommandInput['values'], name: string) =>
  typeof values[name] === 'string' ? (values[name] as string) : undefined;

function parameterValue(raw: string): ParameterValue {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
}

/** The proposal the flags describe, checked by the same rules the workflow applies. */
function proposalFrom(values: CommandInput['values'], sets: string[]): UpgradeProposal {
  const kinds = ['patch', 'strategy', 'package', 'credit'].filter((k) => values[k] !== undefined);
  if (kinds.length !== 1) throw new UsageError(PROPOSE_FORMS);
  let raw: Record<string, unknown>;
  if (values.patch !== undefined) {
    let patch: string;
    try {
      patch = readFileSync(text(values, 'patch')!, 'utf8');
    } catch (err) {
      throw new UsageError(`--patch: cannot read ${text(values, 'patch')}: ${(err as Error).message}`);
    }
    raw = {
      kind: 'code-change',
      summary: text(values, 'summary'),
      patch,
      ...(values.breaking ? { breaking: true } : {}),
    };
  } else if (values.strategy !== undefined) {
    const parameters: Record<string, ParameterValue> = {};
    for (const set of sets) {
      const at = set.indexOf('=');
      if (at <= 0) throw new UsageError(`--set ${set}: expected NAME=VALUE`);
      parameters[set.slice(0, at)] = parameterValue(set.slice(at + 1));
    }
    raw = {
      kind: 'strategy-parameters',
      strategy: text(values, 'strategy'),
      parameters,
      rationale: text(values, 'reason'),
    };
  } else if (values.package !== undefined) {
    const spec = text(values, 'package')!;
    const at = spec.lastIndexOf('@');
    if (at <= 0) throw new UsageError(`--package ${spec}: expected NAME@VERSION with an exact version`);
    raw = {
      kind: 'package-addition',
      name: spec.slice(0, at),
      version: spec.slice(at + 1),
      reason: text(values, 'reason'),
    };
  } else {
    raw = {
      kind: 'api-credit-purchase',
      provider: text(values, 'credit'),
      amountUsd: Number(text(values, 'amount')),
      reason: text(values, 'reason'),
    };
  }
  try {
    return parseProposal(raw);
  } catch (err) {
    if (err instanceof ProposalError) throw new UsageError(err.message);
    throw err;
  }
}

function newProposalId(now = new Date()): string {
  return `upgrade-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;
}

async function propose({ values, io, env }: CommandInput, sets: string[]): Promise<number> {
  const proposal = proposalFrom(values, sets);
  return withSession(env, async ({ config, client }) => {
    const proposalId = newProposalId();
    const summary = describeProposal(proposal);
    await client.workflow.start<typeof selfUpgrade>('selfUpgrade', {
      taskQueue: TASK_QUEUES.upgrade,
      workflowId: proposalId,
      args: [
        {
          proposal,
          proposedBy: config.NEMO_OPERATOR,
          ...(values['allow-unsandboxed-checks'] ? { allowUnsandboxedChecks: true } : {}),
          approvalTimeout: config.NEMO_UPGRADE_APPROVAL_TIMEOUT as DurationText,
          healthWindow: config.NEMO_UPGRADE_HEALTH_WINDOW as DurationText,
          healthInterval: config.NEMO_UPGRADE_HEALTH_INTERVAL as DurationText,
        },
      ],
      typedSearchAttributes: new TypedSearchAttributes([{ key: NemoDomain, value: 'upgrade' }]),
      memo: { summary: `${proposal.kind}: ${summary}` },
    });
    if (values.json) io.out(JSON.stringify({ proposalId, kind: proposal.kind, summary }));
    else
      io.out(
        `proposal ${proposalId} started (${proposal.kind}: ${summary}); follow it with: nemo upgrade show ${proposalId}`,
      );
    return 0;
  });
}

async function statusOf(client: Client, handle: WorkflowHandle): Promise<UpgradeStatus | undefined> {
  try {
    return await client.connection.withDeadline(Date.now() + 5000, () => handle.query(upgradeStatus));
  } catch {
    return undefined;
  }
}

async function list({ values, io, env }: CommandInput): Promise<number> {
  return withSession(env, async ({ config, client }) => {
    const home = nemoHome(config.NEMO_HOME);
    const state = readDeploymentState(home);
    const current = await currentBuildId(client);
    const releases = await Promise.all(
      listReleases(home)
        .reverse()
        .map(async (r) => {
          const build = state.builds.find((b) => b.buildId === r.buildId);
          const role = r.buildId === current ? 'current' : build?.run ? 'draining' : 'retained';
          return {
            version: r.version,
            buildId: r.buildId,
            createdAt: r.createdAt,
            role,
            health: build?.health ?? 'unknown',
            pinnedRunning: build?.run ? await runningOnBuild(client, r.buildId) : 0,
            summary: r.summary,
          };
        }),
    );
    const proposals: { proposalId: string; status: string; startedAt: string; summary: string }[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'selfUpgrade'` })) {
      proposals.push({
        proposalId: wf.workflowId,
        status: wf.status.name,
        startedAt: wf.startTime.toISOString(),
        summary: String(wf.memo?.summary ?? ''),
      });
      if (proposals.length >= 20) break;
    }
    if (values.json) {
      io.out(JSON.stringify({ current: current ?? null, releases, proposals }, null, 2));
      return 0;
    }
    io.out(`current build: ${current ?? 'none (workers unversioned)'}`);
    io.out(releases.length ? 'releases (newest first; the last 10 are kept):' : 'no releases yet');
    for (const r of releases) {
      io.out(
        `  v${r.version.padEnd(9)} ${r.role.padEnd(9)} ${r.health.padEnd(7)} ${r.buildId}  ${r.createdAt}  ${r.summary}${r.pinnedRunning ? ` (${r.pinnedRunning} pinned workflows running)` : ''}`,
      );
    }
    io.out(proposals.length ? 'proposals (newest first):' : 'no proposals yet');
    for (const p of proposals) io.out(`  ${p.proposalId}  ${p.status.padEnd(10)} ${p.startedAt}  ${p.summary}`);
    return 0;
  });
}

async function show({ positionals, values, io, env }: CommandInput): Promise<number> {
  const proposalId = positionals[1];
  if (!proposalId) throw new UsageError('name the proposal: nemo upgrade show ID');
  return withSession(env, async ({ client, pool }) => {
    const handle = client.workflow.getHandle(proposalId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new UsageError(`there is no proposal ${proposalId} (see nemo upgrade list)`);
      throw err;
    }
    const status = await statusOf(client, handle);
    const entries = (await readEntries(pool, { kindPrefix: 'upgrade.', limit: 10_000 })).filter(
      (e) => e.payload.proposalId === proposalId,
    );
    if (values.json) {
      io.out(
        JSON.stringify(
          { proposalId, workflowStatus: description.status.name, status: status ?? null, ledger: entries },
          null,
          2,
        ),
      );
      return 0;
    }
    io.out(
      `${proposalId}: ${status?.summary ?? '(status unavailable: no upgrade worker answered)'} [${description.status.name}]`,
    );
    if (status) {
      io.out(
        `  step: ${status.step}${status.baseVersion ? `, base v${status.baseVersion}` : ''}${status.version ? `, version v${status.version}` : ''}`,
      );
      if (status.policyChange)
        io.out(
          `  policy change ${status.policyChange.digest}: ${status.policyChange.files.join(', ')} (needs: nemo upgrade approve ${proposalId} --policy-change ${status.policyChange.digest})`,
        );
      if (status.result)
        io.out(`  outcome: ${status.result.outcome}${status.result.reason ? ` (${status.result.reason})` : ''}`);
    }
    for (const e of entries) io.out(`  #${e.seq} ${e.recordedAt} ${e.kind}`);
    return 0;
  });
}

async function decide({ positionals, values, io, env }: CommandInput, approve: boolean): Promise<number> {
  const proposalId = positionals[1];
  if (!proposalId || positionals.length > 2)
    throw new UsageError(`name one proposal: nemo upgrade ${approve ? 'approve' : 'reject'} ID`);
  const reason = text(values, 'reason')?.trim();
  if (!approve && !reason) throw new UsageError('--reason TEXT is required: say why, it is recorded with the decision');
  const named = text(values, 'policy-change');
  return withSession(env, async ({ config, client, pool }) => {
    const handle = client.workflow.getHandle(proposalId);
    const status = await statusOf(client, handle);
    if (!status)
      throw new Error(`proposal ${proposalId} did not answer (is it running, and is the upgrade worker up?)`);
    const awaitingPolicy = status.step === 'awaiting-policy-approval';
    if (!['awaiting-policy-approval', 'awaiting-approval', 'awaiting-credit-approval'].includes(status.step)) {
      io.err(`refused: proposal ${proposalId} is not waiting for a decision (step: ${status.step})`);
      return 1;
    }
    // seed: "Modifying core safety rules without approval": the operator names the exact change to approve it.
    if (approve && awaitingPolicy && named !== status.policyChange!.digest) {
      io.err(
        named
          ? `refused: --policy-change ${named} does not name this change; the pending change to ${status.policyChange!.files.join(', ')} is ${status.policyChange!.digest}`
          : `refused: proposal ${proposalId} changes ${status.policyChange!.files.join(', ')}; that needs its own approval naming the change: nemo upgrade approve ${proposalId} --policy-change ${status.policyChange!.digest}`,
      );
      return 1;
    }
    if (named && !awaitingPolicy) {
      io.err(`refused: no policy change of proposal ${proposalId} is waiting for approval`);
      return 1;
    }
    const pending = await openRequest(client, handle, status);
    if (!pending)
      throw new Error(
        `proposal ${proposalId} opened no approval request for its ${status.step.replace('awaiting-', '')} yet; try again in a moment`,
      );
    const result = await decideApproval(
      { pool, temporal: client },
      { approvalId: pending.approvalId, approve, by: config.NEMO_OPERATOR, channel: 'cli', reason },
    );
    if (result.status === 'refused') {
      io.err(`refused: ${result.message}`);
      return 1;
    }
    const what = awaitingPolicy
      ? `policy change ${status.policyChange!.digest}`
      : status.step === 'awaiting-credit-approval'
        ? 'credit purchase'
        : `release v${status.version}`;
    io.out(
      result.status === 'taken'
        ? `${approve ? 'approved' : 'rejected'} ${what} of ${proposalId} (approval #${pending.approvalId})`
        : result.message,
    );
    return 0;
  });
}

/**
 * The approval request the workflow holds open for the step it reported. It opens the request just after entering
 * the step, so this waits a few seconds for it; the subject is matched so a decision never lands on another request.
 */
async function openRequest(
  client: Client,
  handle: WorkflowHandle,
  status: UpgradeStatus,
): Promise<{ approvalId: number } | undefined> {
  const belongs = (subject: string, kind: string) =>
    status.step === 'awaiting-policy-approval'
      ? subject.startsWith(`policy change ${status.policyChange!.digest}:`)
      : status.step === 'awaiting-credit-approval'
        ? kind === 'credit-purchase'
        : subject.startsWith(`v${status.version}:`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { pending } = await client.connection.withDeadline(Date.now() + 5000, () => handle.query(pendingApproval));
    if (pending && belongs(pending.subject, pending.kind)) return pending;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

async function rollbackCommand({ positionals, values, io, env }: CommandInput): Promise<number> {
  const version = positionals[1]?.replace(/^v/, '');
  if (positionals.length > 2) throw new UsageError('at most one VERSION');
  if (version !== undefined && !/^\d+\.\d+\.\d+$/.test(version))
    throw new UsageError(`"${positionals[1]}" is not a release version (x.y.z)`);
  return withSession(env, async ({ config, client, pool }) => {
    const result = await rollBack(
      {
        client,
        home: nemoHome(config.NEMO_HOME),
        pool,
        ledgerDomain: 'operator',
        identity: `nemo-cli/${config.NEMO_OPERATOR}`,
        readyTimeoutMs: msToNumber(config.NEMO_UPGRADE_DEPLOY_TIMEOUT as DurationText),
        keepWarmMs: msToNumber(config.NEMO_UPGRADE_KEEP_WARM as DurationText),
        idempotencyKey: `rollback:cli:${config.NEMO_OPERATOR}:${Date.now()}`,
      },
      {
        reason: text(values, 'reason') ?? `operator rollback${version ? ` to v${version}` : ''}`,
        by: config.NEMO_OPERATOR,
        ...(version ? { toVersion: version } : {}),
      },
    );
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else io.out(result.message);
    return result.rolledBack ? 0 : 1;
  });
}

export const upgradeCommand: Command = {
  name: 'upgrade',
  usage: USAGE,
  summary:
    'Self-upgrades: propose a change, follow it, approve or reject it, list releases, roll back to any of the last 10',
  options: {
    patch: { type: 'string' },
    summary: { type: 'string' },
    breaking: { type: 'boolean' },
    'allow-unsandboxed-checks': { type: 'boolean' },
    strategy: { type: 'string' },
    set: { type: 'string', multiple: true },
    package: { type: 'string' },
    credit: { type: 'string' },
    amount: { type: 'string' },
    reason: { type: 'string' },
    'policy-change': { type: 'string' },
  },
  async run(input) {
    const sets = (input.values as Record<string, unknown>).set as string[] | undefined;
    switch (input.positionals[0]) {
      case 'propose':
        return propose(input, sets ?? []);
      case 'list':
        return list(input);
      case 'show':
        return show(input);
      case 'approve':
        return decide(input, true);
      case 'reject':
        return decide(input, false);
      case 'rollback':
        return rollbackCommand(input);
      default:
        throw new UsageError(`unknown upgrade action "${input.positionals[0] ?? ''}"`);
    }
  },
};
