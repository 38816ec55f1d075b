/**
 * Imports run down the floors, never back up (docs/development.md, "Floors"). A folder stands on a floor; a file may
 * import from its own floor and the floors below. The upward imports the tree had when this rule was written are
 * listed as known exceptions, each to be removed by the restructuring (issue 16): a new upward import fails, and an
 * exception that no longer exists fails too, so the list can only shrink.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');

/** The floors, ground first (measured with `farm-studio look`). Folders on one floor may import each other. */
const FLOORS: Readonly<Record<string, number>> = {
  ledger: 1,
  policies: 2,
  strategies: 3,
  backtest: 4,
  platform: 4,
  reporting: 5,
  workers: 5,
  activities: 6,
  workflows: 7,
  simulators: 7,
  scripts: 7,
  cli: 8,
  bench: 9,
};

/** Folders outside the floors: tests and data (no code a floor imports), and the cluster's config files. */
const OUTSIDE_THE_FLOORS = new Set(['test', 'docs', 'migrations', 'temporal-cluster', 'node_modules', 'reports']);

/** Upward imports the tree has today ("importer -> imported"), to be removed, never added to. */
const KNOWN_UPWARD_IMPORTS = new Set([
  // activities -> workflows: contracts (messages, search attributes) that belong below both
  'activities/approvals-decision.ts -> workflows/approvals.ts',
  'activities/guardian-client.ts -> workflows/guardian-messages.ts',
  'activities/incidents-guardians.ts -> workflows/guardian-messages.ts',
  'activities/incidents-open.ts -> workflows/incident-messages.ts',
  'activities/incidents-open.ts -> workflows/search-attributes.ts',
  'activities/incidents.ts -> workflows/guardian-messages.ts',
  'activities/incidents.ts -> workflows/incident-messages.ts',
  'activities/ledger-reads.ts -> workflows/guardian-messages.ts',
  'activities/reconciliation.ts -> workflows/guardian-messages.ts',
  'activities/research-scan.ts -> workflows/candidates.ts',
  // platform -> activities, workers, workflows, simulators: services that are not activities, and contracts
  'platform/approval-webhook.ts -> activities/alerts/alert-service.ts',
  'platform/approval-webhook.ts -> activities/approvals-decision.ts',
  'platform/approval-webhook.ts -> activities/approvals-store.ts',
  'platform/approval-webhook.ts -> workers/worker-context.ts',
  'platform/nemo-stack.ts -> activities/upgrade/release-workers.ts',
  'platform/nemo-stack.ts -> activities/incidents-open.ts',
  'platform/nemo-stack.ts -> activities/alerts/alert-channels.ts',
  'platform/nemo-stack.ts -> activities/keys-kalshi-revoker.ts',
  'platform/nemo-stack.ts -> activities/exchanges/venue-port.ts',
  'platform/nemo-stack.ts -> activities/backtest.ts',
  'platform/nemo-stack.ts -> workflows/search-attributes.ts',
  'platform/running-guardians.ts -> activities/exchanges/venue-port.ts',
  'platform/running-guardians.ts -> workflows/guardian-messages.ts',
  'platform/schedules.ts -> workflows/search-attributes.ts',
  'platform/search-attributes.ts -> workflows/search-attributes.ts',
  'platform/simulated-venues.ts -> activities/alerts/alert-channels.ts',
  'platform/simulated-venues.ts -> simulators/serve-venues.ts',
  'platform/simulated-venues.ts -> simulators/kalshi/markets.ts',
  'platform/temporal-server.ts -> workflows/search-attributes.ts',
  'platform/trading-entities.ts -> workflows/candidates.ts',
  'platform/trading-entities.ts -> workflows/guardian-messages.ts',
  'platform/vault/secret-source.ts -> simulators/serve-venues.ts',
  // reporting -> workflows, activities
  'reporting/ops-incident-report.ts -> workflows/incident-messages.ts',
  'reporting/ops-report.ts -> activities/audits.ts',
  // workers -> activities: a worker registers its domain's activities (the floors put workers below them today)
  'workers/control.ts -> activities/control-domain.ts',
  'workers/domain-worker.ts -> activities/ledger.ts',
  'workers/domain-worker.ts -> activities/domain-guard.ts',
  'workers/domain-worker.ts -> activities/upgrade/worker-versioning.ts',
  'workers/live.ts -> activities/live-domain.ts',
  'workers/paper.ts -> activities/paper-domain.ts',
  'workers/research.ts -> activities/research-domain.ts',
  'workers/upgrade.ts -> activities/upgrade-domain.ts',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'fixtures' ? [] : sourceFiles(full);
    return /\.(ts|js|mjs)$/.test(name) ? [full] : [];
  });
}

/** The repository files a source imports by a relative path (static, type-only, dynamic and require). */
function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g),
  ];
  return specifiers.map(([, specifier]) => {
    const target = path.resolve(path.dirname(file), specifier!);
    const resolved = [target, `${target}.ts`, path.join(target, 'index.ts')].find(
      (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
    );
    return path.relative(ROOT, resolved ?? target);
  });
}

const floorOf = (file: string) => FLOORS[file.split(path.sep)[0]!];

function upwardImports(): string[] {
  const arrows = Object.keys(FLOORS).flatMap((folder) =>
    sourceFiles(path.join(ROOT, folder)).flatMap((full) => {
      const file = path.relative(ROOT, full);
      return relativeImports(full)
        .filter((target) => (floorOf(target) ?? 0) > floorOf(file)!)
        .map((target) => `${file} -> ${target}`);
    }),
  );
  return [...new Set(arrows)].sort();
}

describe('import floors', () => {
  it('every top-level folder with code stands on a floor', () => {
    const unplaced = readdirSync(ROOT).filter(
      (name) =>
        !name.startsWith('.') &&
        statSync(path.join(ROOT, name)).isDirectory() &&
        !(name in FLOORS) &&
        !OUTSIDE_THE_FLOORS.has(name) &&
        sourceFiles(path.join(ROOT, name)).length > 0,
    );
    assert.deepEqual(unplaced, [], 'give each new folder of code a floor in FLOORS (and in docs/development.md)');
  });

  it('no import runs back up a floor, except the known ones', () => {
    const unknown = upwardImports().filter((arrow) => !KNOWN_UPWARD_IMPORTS.has(arrow));
    assert.deepEqual(unknown, [], 'these imports run back up a floor: import the contract from a lower floor instead');
  });

  it('every known exception still exists, so the list only shrinks', () => {
    const present = new Set(upwardImports());
    const gone = [...KNOWN_UPWARD_IMPORTS].filter((arrow) => !present.has(arrow));
    assert.deepEqual(gone, [], 'these upward imports are gone: delete them from KNOWN_UPWARD_IMPORTS');
  });
});
