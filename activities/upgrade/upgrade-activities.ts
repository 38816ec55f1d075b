import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parseProposal, type UpgradeProposal } from '../../policies/upgrade-proposal';
import { strategiesChangedBy, type BumpLevel } from '../../policies/upgrade-rules';
import { prepareCandidate, removeCandidate, type BaseBuild, type CandidateChange } from './candidate';
import { runChecks, type ChecksReport, type CheckSuite } from './candidate-checks';
import { candidateEnv, candidateSandbox } from './candidate-env';
import { sandboxAvailability } from '../../platform/sandbox';
import { deployBuild, setBuildHealth } from './deploy';
import { findBuild, readDeploymentState } from './deployment-state';
import { UpgradeRefusal } from './errors';
import { changedFiles, revParse } from './git';
import { watchBuildHealth, type HealthVerdict } from './health-watch';
import { candidatePaths, type UpgradeRoots } from './paths';
import { buildRelease, type ReleaseRequest } from './release-build';
import { pruneReleases, readRelease, releaseBuild, type ReleaseManifest } from './release-store';
import { packageVersion, versionCandidate, type ChangelogEntry, type VersionedCandidate } from './release-version';
import { currentBuildId, DeployError } from './worker-deployment';

/**
 * The upgrade worker's activities (capabilities code.modify, packages.install, tests.run): thin wrappers that heartbeat,
 * honour cancellation, and turn a refusal into a non-retryable `UpgradeRefused` failure naming the reason.
 */

export interface UpgradeSettings {
  testCommand: string;
  /** Paths outside NEMO_HOME a candidate must not see (the vault key file when it lives elsewhere). */
  hiddenFromCandidates: string[];
  backtestCommand?: string;
  checkTimeoutMs: number;
  testDatabaseUrl?: string;
  deployTimeoutMs: number;
  keepWarmMs: number;
}

export interface UpgradeActivityDeps {
  roots: UpgradeRoots;
  settings: UpgradeSettings;
  client: Client;
  /** The build this worker runs (NEMO_BUILD_ID); null when unversioned. */
  buildId: string | null;
}

type Beat = (details: unknown) => void;

/**
 * Runs one activity's work: heartbeating every 10 s (repeating the latest progress), so a long git, npm, bundling or
 * waiting step is never taken for a dead worker, and turning refusals into named non-retryable failures.
 */
async function step<T>(work: (beat: Beat) => Promise<T>): Promise<T> {
  const context = Context.current();
  let latest: unknown;
  const beat: Beat = (details) => {
    latest = details;
    context.heartbeat(details);
  };
  const ticker = setInterval(() => context.heartbeat(latest), 10_000);
  try {
    return await work(beat);
  } catch (err) {
    if (err instanceof UpgradeRefusal) throw ApplicationFailure.nonRetryable(err.message, 'UpgradeRefused');
    if (err instanceof DeployError) throw ApplicationFailure.nonRetryable(err.message, 'DeployFailed');
    throw err;
  } finally {
    clearInterval(ticker);
  }
}

export function createUpgradeActivities(deps: UpgradeActivityDeps) {
  const { roots, settings, client } = deps;

  /** The version proposals apply to: the current build's commit, or the repository's HEAD before any release. */
  async function currentBase(): Promise<BaseBuild> {
    const current = await currentBuildId(client);
    const record = current ? findBuild(readDeploymentState(roots.home), current) : undefined;
    if (record) {
      return {
        buildId: record.buildId,
        version: record.version,
        commit: record.commit ?? (await revParse(roots.repo, 'HEAD')),
        dir: record.dir,
      };
    }
    return { version: packageVersion(roots.repo), commit: await revParse(roots.repo, 'HEAD'), dir: roots.repo };
  }

  return {
    /** Capability code.modify (packages.install for a package): the proposal applied and committed in a worktree. */
    prepareCandidate: (input: { proposalId: string; proposal: UpgradeProposal }): Promise<CandidateChange> =>
      step(async () => {
        const proposal = parseProposal(input.proposal);
        return prepareCandidate(
          { ...roots, testDatabaseUrl: settings.testDatabaseUrl },
          input.proposalId,
          proposal,
          await currentBase(),
        );
      }),

    /** Capability tests.run: the full test suite, then the strategies' backtests, in the candidate's worktree. */
    runCandidateChecks: (input: {
      proposalId: string;
      requireBacktests: boolean;
      allowUnsandboxed?: boolean;
    }): Promise<ChecksReport> =>
      step(async (beat) => {
        const paths = candidatePaths(roots.home, input.proposalId);
        const suites: CheckSuite[] = [{ name: 'tests', command: settings.testCommand }];
        if (settings.backtestCommand) suites.push({ name: 'backtests', command: settings.backtestCommand });
        else if (input.requireBacktests) {
          throw new UpgradeRefusal(
            'a strategy change needs its backtests and no backtest command is configured (NEMO_UPGRADE_BACKTEST_COMMAND)',
          );
        }
        // The candidate is one commit on its base: the strategies it retunes must still make proof in their backtests.
        const changed = strategiesChangedBy((await changedFiles(paths.worktree, 'HEAD~1', 'HEAD')).map((f) => f.path));
        // issue 18 B: code that is not approved runs in the sandbox, or (where none can be built) only with the
        // operator's recorded permission for this proposal.
        const availability = sandboxAvailability();
        if (!availability.ok && !input.allowUnsandboxed) {
          throw new UpgradeRefusal(
            `the candidate's code was not run: ${availability.reason}, so no sandbox can be built. Propose it again with --allow-unsandboxed-checks to run its tests with NEMO's rights (recorded in the ledger)`,
          );
        }
        const sandbox = availability.ok
          ? candidateSandbox(paths, roots.home, settings.hiddenFromCandidates, `candidate-${input.proposalId}`)
          : undefined;
        return runChecks(suites, {
          cwd: paths.worktree,
          // In the sandbox the candidate starts its own PostgreSQL: the outside one is not on its network.
          env: {
            ...candidateEnv(paths, sandbox ? { sandboxed: true } : { testDatabaseUrl: settings.testDatabaseUrl }),
            NEMO_UPGRADE_CHANGED_STRATEGIES: changed.join(','),
          },
          sandbox,
          timeoutMs: settings.checkTimeoutMs,
          signal: Context.current().cancellationSignal,
          progress: beat,
        });
      }),

    /** Capability code.modify: semantic version bump and changelog entry, committed on the candidate branch. */
    versionCandidate: (input: {
      proposalId: string;
      level: BumpLevel;
      entry: Omit<ChangelogEntry, 'version' | 'baseVersion'>;
    }): Promise<VersionedCandidate> =>
      step(() =>
        versionCandidate(roots.repo, candidatePaths(roots.home, input.proposalId).worktree, input.level, input.entry),
      ),

    /** Capability code.modify: tag, export and bundle the release; then keep only the last ten. */
    buildRelease: (request: ReleaseRequest): Promise<{ manifest: ReleaseManifest; pruned: string[] }> =>
      step(async (beat) => {
        if (!readRelease(roots.home, request.version)) {
          const now = await currentBase();
          if (now.commit !== request.base.commit) {
            throw new UpgradeRefusal(
              `the running version moved from v${request.base.version} to v${now.version} while this proposal waited; propose it again against v${now.version}`,
            );
          }
        }
        const manifest = await buildRelease(roots, request, (what) => beat({ step: what }));
        return { manifest, pruned: await pruneReleases(roots.home) };
      }),

    /** Capability code.modify: the release's workers start beside the running ones; then it becomes current. */
    deployRelease: (input: { version: string; proposalId: string }): Promise<{ buildId: string; previous?: string }> =>
      step(async (beat) => {
        const manifest = readRelease(roots.home, input.version);
        if (!manifest) throw new UpgradeRefusal(`v${input.version} has not been built`);
        return deployBuild(
          {
            client,
            home: roots.home,
            identity: `nemo-upgrade/${input.proposalId}`,
            readyTimeoutMs: settings.deployTimeoutMs,
            keepWarmMs: settings.keepWarmMs,
            onWait: (why) => beat({ waiting: why }),
          },
          releaseBuild(manifest),
        );
      }),

    /** Capability tests.run: the deployed build watched for a window; a healthy build becomes a rollback target. */
    watchReleaseHealth: (input: {
      buildId: string;
      windowMs: number;
      intervalMs: number;
      proposalId: string;
    }): Promise<HealthVerdict> =>
      step(async (beat) => {
        const label = `${input.proposalId}-${Context.current().info.attempt}`;
        const verdict = await watchBuildHealth({ client, home: roots.home }, { ...input, label }, beat);
        if (verdict.healthy) await setBuildHealth(roots.home, input.buildId, 'good');
        return verdict;
      }),

    /** Capability code.modify: the candidate's worktree, branch and scratch area removed. */
    discardCandidate: (input: { proposalId: string }): Promise<void> =>
      step(() => removeCandidate(roots, input.proposalId)),

    /** Capability tests.run: which build this worker runs (the canary's activity). */
    async reportWorkerBuild(): Promise<string | null> {
      return deps.buildId;
    },
  };
}

export type UpgradeActivities = ReturnType<typeof createUpgradeActivities>;
