/**
 * A domain's code, checked against its manifest (policies/domains/<domain>.ts): the workflows module its worker
 * bundles exports exactly the manifest's workflows, the activities its worker registers are exactly the manifest's
 * (built here from the real factories with a context that reaches nothing), and a worker whose activities differ
 * from its manifest in either direction refuses to start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { controlActivities } from '../../activities/control-domain';
import { liveActivities } from '../../activities/live-domain';
import { paperActivities } from '../../activities/paper-domain';
import { researchActivities } from '../../activities/research-domain';
import { upgradeActivities } from '../../activities/upgrade-domain';
import { parseLedgerKey } from '../../ledger/hash-chain';
import { bindLedgerKey } from '../../ledger/ledger-store';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { nemoHome } from '../../platform/nemo-home';
import { NO_SECRETS } from '../../platform/secrets';
import { workflowsModule } from '../../platform/temporal/workflow-bundles';
import type { WorkerContext } from '../../platform/worker-context';
import {
  DOMAIN_MANIFESTS,
  DOMAINS,
  hostedActivities,
  manifestOf,
  registrationProblems,
  type Domain,
} from '../../policies/domains';
import { createDomainWorker, domainActivities, type DomainWorkerSpec } from '../../workers/domain-worker';
import { testConfig } from '../support/stack';
import { TEST_LEDGER_KEY_HEX, withTestLedgerKey } from '../support/ledger-key';

// The factories workers/<domain>.ts hands its worker (a Record, so a domain left out does not compile).
const FACTORIES: Record<Domain, DomainWorkerSpec['activities']> = {
  research: researchActivities,
  paper: paperActivities,
  live: liveActivities,
  upgrade: upgradeActivities,
  control: controlActivities,
};

/**
 * A worker context whose database, Temporal server and venues are nowhere: the factories only build clients, so the
 * activities they return can be listed without a stack (nothing here is ever called).
 */
function contextReachingNothing(domain: Domain): WorkerContext {
  const home = mkdtempSync(path.join(os.tmpdir(), 'nemo-manifest-'));
  const config = loadConfig({ NEMO_HOME: home, DATABASE_URL: 'postgres://127.0.0.1:9/nowhere' });
  return {
    domain,
    config,
    home: nemoHome(home),
    logger: createLogger({ name: 'manifest-test', level: 'error', logDir: path.join(home, 'logs'), stdout: false }),
    ledgerPool: bindLedgerKey(
      new pg.Pool({ connectionString: config.DATABASE_URL }),
      parseLedgerKey(TEST_LEDGER_KEY_HEX, 'test'),
    ),
    temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:9' }) }),
    secrets: NO_SECRETS,
  };
}

describe('domain declarations', () => {
  for (const domain of DOMAINS) {
    it(`the ${domain} worker's workflows module exports exactly the ${domain} manifest's workflows`, async () => {
      const module = (await import(workflowsModule(domain))) as Record<string, unknown>;
      const exported = Object.keys(module).filter((name) => name !== 'default');
      assert.ok(manifestOf(domain).workflows.length > 0);
      assert.deepEqual(exported.sort(), [...manifestOf(domain).workflows].sort());
      for (const name of exported) assert.equal(typeof module[name], 'function', name);
    });

    it(`the ${domain} worker registers exactly the ${domain} manifest's activities, each one it may host`, async () => {
      const registered = Object.keys(
        await domainActivities({ domain, activities: FACTORIES[domain] }, contextReachingNothing(domain)),
      );
      assert.deepEqual(registered.sort(), [...hostedActivities(domain)].sort());
      assert.deepEqual(registrationProblems(domain, registered), []);
    });
  }

  it('puts every workflow in exactly one domain', () => {
    const workflows = DOMAIN_MANIFESTS.flatMap((manifest) => manifest.workflows);
    const twice = workflows.filter((workflow, i) => workflows.indexOf(workflow) !== i);
    assert.deepEqual(twice, []);
  });

  it('refuses a registration with an extra activity or a missing one, naming it', () => {
    assert.deepEqual(registrationProblems('live', [...hostedActivities('live'), 'probeHealth']), [
      'probeHealth is registered but not in the live manifest',
      'probeHealth needs health.probe, which the live domain does not offer',
    ]);
    assert.deepEqual(
      registrationProblems(
        'live',
        hostedActivities('live').filter((activity) => activity !== 'cancelLiveOrder'),
      ),
      ['cancelLiveOrder is in the live manifest but not registered'],
    );
  });

  it('refuses to register an activity without a capability, or one its domain does not offer', () => {
    assert.deepEqual(
      registrationProblems('research', [...hostedActivities('research'), 'placeLiveOrder', 'withdrawFunds']),
      [
        'placeLiveOrder is registered but not in the research manifest',
        'withdrawFunds is registered but not in the research manifest',
        'placeLiveOrder needs orders.live, which the research domain does not offer',
        'withdrawFunds has no declared capability (ACTIVITY_CAPABILITIES)',
      ],
    );
  });

  it('a worker whose activities differ from its manifest refuses to start, naming them', async () => {
    const config = await testConfig();
    const start = (activities: DomainWorkerSpec['activities']) =>
      createDomainWorker({ domain: 'upgrade', activities }, config, { secrets: withTestLedgerKey(NO_SECRETS) });
    await assert.rejects(
      start((ctx) => ({ ...upgradeActivities(ctx), async surveyMarkets() {} })),
      /upgrade worker's activities disagree with its manifest .*surveyMarkets is registered but not in the upgrade manifest/,
    );
    await assert.rejects(
      start((ctx) =>
        Object.fromEntries(Object.entries(upgradeActivities(ctx)).filter(([name]) => name !== 'reportWorkerBuild')),
      ),
      /reportWorkerBuild is in the upgrade manifest but not registered/,
    );
  });
});
