import { msToNumber, type Duration } from '@temporalio/common';
import {
  ActivityFailure,
  CancellationScope,
  defineQuery,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AlertActivities } from '../../activities/operations/alert-activities';
import type { RollbackActivities } from '../../activities/upgrade/rollback-activities';
import type { RollbackResult } from '../../activities/upgrade/rollback';
import type { UpgradeActivities } from '../../activities/upgrade/upgrade-activities';
import type { Json } from '../../ledger/canonical-json';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { allowlistVerdict } from '../../policies/package-allowlist';
import { bumpLevelFor } from '../../policies/upgrade-rules';
import { describeProposal, parseProposal, ProposalError, type UpgradeProposal } from '../../policies/upgrade-proposal';
import { ALERT_DELIVERY, RELEASE_CONTROL, UPGRADE_CHECKS, UPGRADE_STEP } from '../activity-options';
import { awaitOperatorDecision } from '../approvals/await-decision';
import { ledgerOf } from '../operations/ledger';
import type { ApprovalOutcome } from '../../contracts/approvals';

/**
 * seed (Domain 4, Self-Improvement): a proposal becomes a running release only through every step below, and each
 * step is a ledger entry. Record -> apply in an isolated worktree -> full tests and backtests there -> refuse on any
 * failure, naming the failing tests -> semantic version and changelog -> operator approval (a separate one for any
 * change to policies/) -> tag and build -> deploy as a new worker build (running workflows stay pinned to theirs)
 * -> watch health -> on failure roll back to the last good version by itself. A credit purchase is an approval
 * request only: NEMO never pays.
 */

export interface SelfUpgradeInput {
  /** Untrusted until `parseProposal` accepts it (checked again here, whoever started the workflow). */
  proposal: UpgradeProposal;
  proposedBy: string;
  /**
   * The operator let this proposal's tests run without the sandbox, on a machine that cannot build one
   * (issue 18 B); recorded with the proposal.
   */
  allowUnsandboxedChecks?: boolean;
  /** seed: approvals expire. */
  approvalTimeout: Duration;
  healthWindow: Duration;
  healthInterval: Duration;
}

export type UpgradeOutcome =
  | 'released'
  | 'refused'
  | 'rejected'
  | 'expired'
  | 'deploy-failed'
  | 'rolled-back'
  | 'rollback-failed'
  | 'credit-approved'
  | 'credit-rejected'
  | 'credit-expired';

export interface SelfUpgradeResult {
  outcome: UpgradeOutcome;
  reason?: string;
  failingTests?: string[];
  version?: string;
  buildId?: string;
  rollback?: RollbackResult;
}

export type UpgradeStep =
  | 'recorded'
  | 'applying'
  | 'testing'
  | 'versioning'
  | 'awaiting-policy-approval'
  | 'awaiting-approval'
  | 'building'
  | 'deploying'
  | 'watching-health'
  | 'rolling-back'
  | 'awaiting-credit-approval'
  | 'done';

export interface UpgradeStatus {
  step: UpgradeStep;
  kind: UpgradeProposal['kind'] | 'invalid';
  summary: string;
  baseVersion?: string;
  version?: string;
  /** The change to policies/ that needs its own approval, named by its digest. */
  policyChange?: { files: string[]; digest: string };
  result?: SelfUpgradeResult;
}

export const upgradeStatus = defineQuery<UpgradeStatus>('upgradeStatus');

const acts = proxyActivities<UpgradeActivities>({ taskQueue: TASK_QUEUES.upgrade, ...UPGRADE_STEP });
const { runCandidateChecks } = proxyActivities<UpgradeActivities>({
  taskQueue: TASK_QUEUES.upgrade,
  ...UPGRADE_CHECKS,
});
const release = proxyActivities<UpgradeActivities & RollbackActivities>({
  taskQueue: TASK_QUEUES.upgrade,
  ...RELEASE_CONTROL,
});
const { raiseAlert } = proxyActivities<AlertActivities>({ taskQueue: TASK_QUEUES.control, ...ALERT_DELIVERY });
const { appendLedgerEntry } = ledgerOf('upgrade');

type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Runs a step; a refusal (or a step that failed after its retries) comes back as its reason instead of a throw. */
async function attempt<T>(step: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await step() };
  } catch (err) {
    if (err instanceof ActivityFailure) return { ok: false, reason: err.cause?.message ?? err.message };
    throw err;
  }
}

export async function selfUpgrade(input: SelfUpgradeInput): Promise<SelfUpgradeResult> {
  const proposalId = workflowInfo().workflowId;
  const status: UpgradeStatus = { step: 'recorded', kind: 'invalid', summary: '(invalid proposal)' };
  setHandler(upgradeStatus, () => status);

  const record = async (step: string, payload: { [key: string]: Json }) => {
    await appendLedgerEntry({
      kind: `upgrade.${step}`,
      account: SYSTEM_ACCOUNT,
      payload: { proposalId, ...payload },
      idempotencyKey: `upgrade:${proposalId}:${step}`,
    });
  };
  const tell = async (severity: 'info' | 'warning' | 'critical', title: string, body: string) => {
    // Telling the operator must not decide the upgrade's fate: the ledger already holds the facts.
    await raiseAlert({ severity, title, body, dedupeKey: `upgrade:${proposalId}:${title}` }).catch(() => undefined);
  };
  const finish = async (result: SelfUpgradeResult, step: string, payload: { [key: string]: Json } = {}) => {
    status.step = 'done';
    status.result = result;
    await record(step, { outcome: result.outcome, reason: result.reason ?? null, ...payload });
    if (result.outcome === 'refused')
      await tell('info', `Upgrade ${proposalId} refused`, `${status.summary}: ${result.reason}`);
    return result;
  };

  let proposal: UpgradeProposal;
  try {
    proposal = parseProposal(input.proposal);
  } catch (err) {
    if (!(err instanceof ProposalError)) throw err;
    await record('proposed', { kind: null, summary: null, proposedBy: input.proposedBy });
    return finish({ outcome: 'refused', reason: `invalid proposal: ${err.message}` }, 'refused');
  }
  const summary = describeProposal(proposal);
  Object.assign(status, { kind: proposal.kind, summary });
  await record('proposed', {
    kind: proposal.kind,
    summary,
    proposedBy: input.proposedBy,
    proposal: { ...proposal } as { [key: string]: Json },
    ...(input.allowUnsandboxedChecks ? { allowUnsandboxedChecks: true } : {}),
  });

  // seed: "Request API credit purchases": a request to the operator, nothing more.
  if (proposal.kind === 'api-credit-purchase') {
    status.step = 'awaiting-credit-approval';
    const decision = await awaitOperatorDecision(
      {
        kind: 'credit-purchase',
        subject: `${proposal.provider} API credit, $${proposal.amountUsd.toFixed(2)}`,
        summary: `NEMO asks you to buy $${proposal.amountUsd.toFixed(2)} of ${proposal.provider} API credit. NEMO never pays; if you approve, you make the purchase.`,
        details: {
          what: summary,
          why: proposal.reason,
          limits: 'NEMO never pays: the operator buys the credit',
          proposalId,
        },
      },
      input.approvalTimeout,
    );
    return finish({ outcome: `credit-${decision.outcome}`, reason: decision.reason }, 'credit-decided', {
      by: decision.by ?? null,
    });
  }

  if (proposal.kind === 'package-addition') {
    const verdict = allowlistVerdict(proposal.name, proposal.version);
    if (!verdict.allowed) return finish({ outcome: 'refused', reason: verdict.reason }, 'refused');
  }

  try {
    return await upgrade(proposal);
  } finally {
    // The worktree and its branch go whatever happened; a release lives on as its tag and its release directory.
    await CancellationScope.nonCancellable(() => acts.discardCandidate({ proposalId })).catch(() => undefined);
  }

  async function upgrade(p: Exclude<UpgradeProposal, { kind: 'api-credit-purchase' }>): Promise<SelfUpgradeResult> {
    const refused = (reason: string, failingTests?: string[]) =>
      finish({ outcome: 'refused', reason, ...(failingTests?.length ? { failingTests } : {}) }, 'refused', {
        failingTests: failingTests ?? [],
      });

    status.step = 'applying';
    const applied = await attempt(() => acts.prepareCandidate({ proposalId, proposal: p }));
    if (!applied.ok) return refused(applied.reason);
    const change = applied.value;
    status.baseVersion = change.base.version;
    if (change.policyChange)
      status.policyChange = { files: change.policyChange.files, digest: change.policyChange.digest };
    await record('applied', {
      base: { version: change.base.version, commit: change.base.commit, buildId: change.base.buildId ?? null },
      commit: change.commit,
      branch: change.branch,
      files: change.files.map((f) => ({ ...f })),
      policyChange: change.policyChange
        ? { ...change.policyChange, loosened: change.policyChange.loosened.map((l) => ({ ...l })) }
        : null,
      installed: change.installed ? { ...change.installed } : null,
    });

    // seed: "REQUIRES: Testing before deployment".
    status.step = 'testing';
    const ran = await attempt(() =>
      runCandidateChecks({
        proposalId,
        requireBacktests: p.kind === 'strategy-parameters',
        ...(input.allowUnsandboxedChecks ? { allowUnsandboxed: true } : {}),
      }),
    );
    if (!ran.ok) return refused(ran.reason);
    const checks = ran.value;
    await record('checked', {
      ok: checks.ok,
      sandboxed: checks.sandboxed,
      suites: checks.suites.map((s) => ({ ...s })),
    });
    if (!checks.ok) {
      const failing = checks.suites.flatMap((s) => s.failingTests);
      return refused(checks.failure ?? 'the checks failed', failing);
    }

    status.step = 'versioning';
    const level = bumpLevelFor(p, change);
    // A suite that prints no test marks (the backtests print one line per strategy) passed as a whole, not "0 passed".
    const checksLine = checks.suites
      .map((s) => (s.passed + s.failed > 0 ? `${s.name} ${s.passed} passed` : `${s.name} passed`))
      .join(', ');
    const bumped = await attempt(() =>
      acts.versionCandidate({
        proposalId,
        level,
        entry: {
          date: new Date().toISOString().slice(0, 10),
          kind: p.kind,
          summary,
          proposalId,
          baseCommit: change.base.commit,
          files: change.files,
          checks: checksLine,
          ...(change.policyChange
            ? { policyChange: { files: change.policyChange.files, digest: change.policyChange.digest } }
            : {}),
        },
      }),
    );
    if (!bumped.ok) return refused(bumped.reason);
    const versioned = bumped.value;
    status.version = versioned.version;
    await record('versioned', {
      level,
      version: versioned.version,
      previousVersion: versioned.previousVersion,
      commit: versioned.commit,
      changelog: versioned.changelogEntry,
    });

    // seed (Forbidden Actions): "Modifying core safety rules without approval": its own approval, naming the change.
    if (change.policyChange) {
      status.step = 'awaiting-policy-approval';
      const { files, digest, diffStat, loosened } = change.policyChange;
      // Each seed value the change loosens, named with its rule: the operator approves what is given away.
      const loosens = loosened.length
        ? ` It LOOSENS seed values: ${loosened.map((l) => `${l.name} ${l.from} -> ${l.to} (${l.rule})`).join('; ')}.`
        : '';
      const policyDecision = await awaitOperatorDecision(
        {
          kind: 'upgrade',
          subject: `policy change ${digest}: ${files.join(', ')}`,
          summary: `Proposal ${proposalId} (v${versioned.version}) changes NEMO's safety rules in ${files.join(', ')}.${loosens} This change needs its own approval: nemo upgrade approve ${proposalId} --policy-change ${digest}`,
          details: {
            what: `change ${files.join(', ')} (digest ${digest})`,
            why: summary,
            limits: loosened.length
              ? loosened.map((l) => `${l.name} ${l.from} -> ${l.to}: loosens "${l.rule}"`).join('; ')
              : diffStat,
            proposalId,
            policyChange: digest,
          },
        },
        input.approvalTimeout,
      );
      await record('policy-change-decided', {
        digest,
        files,
        outcome: policyDecision.outcome,
        by: policyDecision.by ?? null,
        reason: policyDecision.reason ?? null,
      });
      if (policyDecision.outcome !== 'approved') {
        return refused(
          `the change to ${files.join(', ')} (policy change ${digest}) was not approved separately (${policyDecision.outcome}${policyDecision.reason ? `: ${policyDecision.reason}` : ''})`,
        );
      }
    }

    status.step = 'awaiting-approval';
    const decision: ApprovalOutcome = await awaitOperatorDecision(
      {
        kind: 'upgrade',
        subject: `v${versioned.version}: ${summary}`,
        summary: `Release v${versioned.version} (${p.kind}) passed its checks (${checksLine}). Approve to deploy it: nemo upgrade approve ${proposalId}`,
        details: {
          what: `deploy v${versioned.version} in place of v${change.base.version}: ${summary}`,
          why: p.kind === 'strategy-parameters' ? p.rationale : p.kind === 'package-addition' ? p.reason : summary,
          limits: `health watched for ${String(input.healthWindow)}; automatic rollback to the last good version on failure; running workflows finish on v${change.base.version}`,
          proposalId,
          version: versioned.version,
        },
      },
      input.approvalTimeout,
    );
    await record('decided', {
      version: versioned.version,
      outcome: decision.outcome,
      by: decision.by ?? null,
      reason: decision.reason ?? null,
    });
    if (decision.outcome !== 'approved') {
      return finish({ outcome: decision.outcome, version: versioned.version, reason: decision.reason }, 'not-deployed');
    }

    status.step = 'building';
    const built = await attempt(() =>
      acts.buildRelease({
        proposalId,
        version: versioned.version,
        kind: p.kind,
        summary,
        base: change.base,
        createdAt: new Date().toISOString(),
      }),
    );
    if (!built.ok) return refused(built.reason);
    const { manifest, pruned } = built.value;
    await record('released', {
      version: manifest.version,
      tag: manifest.tag,
      commit: manifest.commit,
      buildId: manifest.buildId,
      pruned,
    });

    status.step = 'deploying';
    const deploy = await attempt(() => release.deployRelease({ version: manifest.version, proposalId }));
    if (!deploy.ok) {
      await tell(
        'critical',
        `Deploy of v${manifest.version} failed`,
        `${deploy.reason}. The running version is unchanged.`,
      );
      return finish(
        { outcome: 'deploy-failed', version: manifest.version, buildId: manifest.buildId, reason: deploy.reason },
        'deploy-failed',
      );
    }
    const deployed = deploy.value;
    await record('deployed', {
      version: manifest.version,
      buildId: deployed.buildId,
      previousBuildId: deployed.previous ?? null,
    });

    status.step = 'watching-health';
    const watched = await attempt(() =>
      release.watchReleaseHealth({
        buildId: deployed.buildId,
        windowMs: msToNumber(input.healthWindow),
        intervalMs: msToNumber(input.healthInterval),
        proposalId,
      }),
    );
    const health = watched.ok
      ? watched.value
      : { healthy: false, problems: [`the health watch itself failed: ${watched.reason}`], canaries: 0, watchedMs: 0 };
    if (health.healthy) {
      await record('healthy', {
        version: manifest.version,
        buildId: deployed.buildId,
        canaries: health.canaries,
        watchedMs: health.watchedMs,
      });
      await tell(
        'info',
        `NEMO v${manifest.version} deployed`,
        `${summary}. Healthy after ${Math.round(health.watchedMs / 1000)} s (${health.canaries} canaries).`,
      );
      return finish({ outcome: 'released', version: manifest.version, buildId: deployed.buildId }, 'completed');
    }

    // seed: "Modify own code (with rollback capability)": a failing release is rolled back without waiting for anyone.
    await record('health-failed', { version: manifest.version, buildId: deployed.buildId, problems: health.problems });
    status.step = 'rolling-back';
    const reason = health.problems.join('; ');
    const rolled = await attempt(() =>
      release.rollBackToLastGoodVersion({
        reason: `v${manifest.version} failed its health watch: ${reason}`,
        failedBuildId: deployed.buildId,
      }),
    );
    if (!rolled.ok) {
      await tell(
        'critical',
        `NEMO v${manifest.version} is failing and the rollback failed`,
        `${reason}. Rollback: ${rolled.reason}. Roll back by hand: nemo upgrade rollback`,
      );
      return finish(
        {
          outcome: 'rollback-failed',
          version: manifest.version,
          buildId: deployed.buildId,
          reason: `${reason}; rollback failed: ${rolled.reason}`,
        },
        'rollback-failed',
      );
    }
    const rollback = rolled.value;
    await tell('critical', `NEMO v${manifest.version} rolled back`, `${reason}. ${rollback.message}`);
    return finish(
      { outcome: 'rolled-back', version: manifest.version, buildId: deployed.buildId, reason, rollback },
      'reverted',
      {
        rollback: {
          ...rollback,
          from: rollback.from ? { ...rollback.from } : null,
          to: rollback.to ? { ...rollback.to } : null,
        },
      },
    );
  }
}
