import { existsSync } from 'node:fs';
import type pg from 'pg';
import { SYSTEM_ACCOUNT, type LedgerDomain } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import { deployBuild, setBuildHealth, type DeployableBuild, type ReleaseControl } from './deploy';
import { findBuild, readDeploymentState, readWorkerReport, type BuildRecord } from './deployment-state';
import { listReleases, readRelease, releaseBuild } from './release-store';
import { currentBuildId } from './worker-deployment';

/**
 * seed ("Version Control"): "Rollback capability for last 10 versions"; seed (Incident Response, technical failure):
 * "Rollback to last known good version". Rolling back makes an earlier build current again; workflows pinned to the
 * failing build finish there, new ones start on the restored build.
 */

export interface RollbackRequest {
  reason: string;
  /** Who asks: the self-upgrade workflow, an incident, or the operator. */
  by: string;
  /** The build that failed (a health watch); default: whatever is current (an incident). */
  failedBuildId?: string;
  /** A retained release the operator chose; default: the newest good build before the failing one. */
  toVersion?: string;
  /**
   * A health watch or an incident rolling back: the build it leaves is marked bad (docs/upgrades.md). An operator's
   * rollback says nothing about that build and leaves its health as it was.
   */
  condemnsCurrent?: boolean;
}

export interface BuildRef {
  buildId: string;
  version: string;
}

export interface RollbackResult {
  rolledBack: boolean;
  from?: BuildRef;
  to?: BuildRef;
  /** What happened, for the operator and the incident report. */
  message: string;
}

export interface RollbackDeps extends ReleaseControl {
  pool: pg.Pool;
  ledgerDomain: LedgerDomain;
  /** Stable across retries of the same request. */
  idempotencyKey: string;
}

export class RollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackError';
  }
}

const ref = (b: { buildId: string; version: string }): BuildRef => ({ buildId: b.buildId, version: b.version });

/** A build can be returned to if its code is on disk (a release) or its workers still run (the checkout build). */
function restorable(build: BuildRecord, runningNow: ReadonlySet<string>): boolean {
  return build.source === 'release' ? existsSync(build.dir) : runningNow.has(build.buildId);
}

function lastGoodBuild(
  builds: BuildRecord[],
  suspect: string | undefined,
  runningNow: ReadonlySet<string>,
): BuildRecord | undefined {
  return builds
    .filter((b) => b.buildId !== suspect && b.health !== 'bad' && b.currentSince && restorable(b, runningNow))
    .sort((a, b) => b.currentSince!.localeCompare(a.currentSince!))[0];
}

export async function rollBack(deps: RollbackDeps, request: RollbackRequest): Promise<RollbackResult> {
  const record = async (kind: string, result: RollbackResult) => {
    await appendEntry(deps.pool, {
      kind,
      domain: deps.ledgerDomain,
      account: SYSTEM_ACCOUNT,
      payload: {
        reason: request.reason,
        by: request.by,
        message: result.message,
        from: result.from ? { ...result.from } : null,
        to: result.to ? { ...result.to } : null,
      },
      idempotencyKey: deps.idempotencyKey,
    });
    return result;
  };

  const state = readDeploymentState(deps.home);
  const current = await currentBuildId(deps.client);
  const from = current ? ref(findBuild(state, current) ?? { buildId: current, version: 'unknown' }) : undefined;
  const runningNow = new Set(Object.keys(readWorkerReport(deps.home)?.builds ?? {}));

  let target: DeployableBuild | undefined;
  if (request.toVersion) {
    const manifest = readRelease(deps.home, request.toVersion);
    if (!manifest) {
      const retained = listReleases(deps.home).map((r) => `v${r.version}`);
      throw new RollbackError(
        `v${request.toVersion} is not a retained release; retained: ${retained.join(', ') || 'none yet'}`,
      );
    }
    target = releaseBuild(manifest);
  } else {
    if (request.failedBuildId && current !== request.failedBuildId) {
      return record('upgrade.rollback-skipped', {
        rolledBack: false,
        from,
        message: `build ${request.failedBuildId} is no longer current (${current ?? 'none'} is); nothing to roll back`,
      });
    }
    target = lastGoodBuild(state.builds, request.failedBuildId ?? current, runningNow);
    if (!target) {
      return record('upgrade.rollback-unavailable', {
        rolledBack: false,
        from,
        message: `no rollback target exists: no earlier known-good version of NEMO is recorded${from ? ` before ${from.version} (${from.buildId})` : ''}`,
      });
    }
  }
  if (target.buildId === current) {
    return record('upgrade.rollback-skipped', {
      rolledBack: false,
      from,
      to: ref(target),
      message: `v${target.version} (${target.buildId}) is already current`,
    });
  }
  // An operator's choice says nothing about the build being left; an automatic rollback condemns it.
  if (request.condemnsCurrent && current) await setBuildHealth(deps.home, current, 'bad');
  await deployBuild(deps, target);
  return record('upgrade.rolled-back', {
    rolledBack: true,
    from,
    to: ref(target),
    message: `rolled back from ${from ? `v${from.version} (${from.buildId})` : 'no current build'} to v${target.version} (${target.buildId}): ${request.reason}`,
  });
}
