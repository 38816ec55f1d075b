import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTIVITY_CAPABILITIES,
  DOMAIN_MANIFESTS,
  DOMAIN_PERMISSIONS,
  DOMAINS,
  FORBIDDEN_CAPABILITIES,
  hostedActivities,
  mayCall,
  TASK_QUEUES,
  WORKFLOW_DOMAINS,
} from '../../policies/domains';

describe("the seed's execution domains as data", () => {
  it('gives every domain its own task queue', () => {
    assert.equal(new Set(DOMAINS.map((d) => TASK_QUEUES[d])).size, DOMAINS.length);
  });

  it('names every domain once, and derives its queue, permissions and workflows from its manifest', () => {
    assert.equal(new Set(DOMAINS).size, DOMAIN_MANIFESTS.length);
    for (const manifest of DOMAIN_MANIFESTS) {
      assert.equal(TASK_QUEUES[manifest.name], manifest.taskQueue);
      assert.equal(DOMAIN_PERMISSIONS[manifest.name].may, manifest.may);
      assert.equal(DOMAIN_PERMISSIONS[manifest.name].secrets, manifest.secrets);
      for (const workflow of manifest.workflows) assert.equal(WORKFLOW_DOMAINS[workflow], manifest.name, workflow);
    }
    assert.equal(
      Object.keys(WORKFLOW_DOMAINS).length,
      DOMAIN_MANIFESTS.reduce((n, m) => n + m.workflows.length, 0),
    );
  });

  it('hosts every catalogued activity on at least one domain, and the ledger appends on every domain', () => {
    const hosted = new Set<string>(DOMAINS.flatMap((d) => hostedActivities(d)));
    assert.deepEqual(
      Object.keys(ACTIVITY_CAPABILITIES).filter((activity) => !hosted.has(activity)),
      [],
    );
    for (const domain of DOMAINS) {
      assert.ok(hostedActivities(domain).includes('appendLedgerEntry'), domain);
      assert.ok(hostedActivities(domain).includes('appendLedgerEntries'), domain);
    }
  });

  it('lets only the live domain place live orders and only the paper domain place demo orders', () => {
    const holders = (cap: string) =>
      DOMAINS.filter((d) => (DOMAIN_PERMISSIONS[d].may as readonly string[]).includes(cap));
    assert.deepEqual(holders('orders.live'), ['live']);
    assert.deepEqual(holders('orders.demo'), ['paper']);
    assert.deepEqual(holders('code.modify'), ['upgrade']);
  });

  it('gives research no trading, wallet or code-execution capability (seed Domain 1)', () => {
    const may = DOMAIN_PERMISSIONS.research.may as readonly string[];
    for (const cap of ['orders.live', 'orders.demo', 'account.read', 'code.modify', 'packages.install'])
      assert.ok(!may.includes(cap), cap);
  });

  it('scopes secrets: production keys only to live, demo keys only to paper, only the ledger key to upgrade', () => {
    const scopeHolders = (scope: string) =>
      DOMAINS.filter((d) => (DOMAIN_PERMISSIONS[d].secrets as readonly string[]).includes(scope));
    assert.deepEqual(scopeHolders('venue.production'), ['live']);
    assert.deepEqual(scopeHolders('venue.demo'), ['paper']);
    assert.deepEqual(DOMAIN_PERMISSIONS.upgrade.secrets, ['ledger']);
    assert.deepEqual(
      scopeHolders('ledger'),
      [...DOMAINS],
      'every domain writes the ledger, so every domain holds its MAC key',
    );
  });

  it('declares a capability for every activity and a domain for every workflow, and none forbidden', () => {
    for (const [activity, cap] of Object.entries(ACTIVITY_CAPABILITIES)) {
      assert.ok(!(FORBIDDEN_CAPABILITIES as readonly string[]).includes(cap), `${activity} declares forbidden ${cap}`);
      assert.ok(
        DOMAINS.some((d) => (DOMAIN_PERMISSIONS[d].may as readonly string[]).includes(cap)),
        `${activity}: no domain offers ${cap}`,
      );
    }
    for (const [workflow, domain] of Object.entries(WORKFLOW_DOMAINS)) assert.ok(DOMAINS.includes(domain), workflow);
  });

  it('allows a control workflow to probe health on the control worker', () => {
    assert.equal(mayCall('heartbeat', 'probeHealth', 'control').allowed, true);
  });

  it('refuses unknown workflows, unknown activities, and activities the host domain does not offer', () => {
    assert.match(
      (mayCall('mysteryWorkflow', 'probeHealth', 'control') as { reason: string }).reason,
      /belongs to no domain/,
    );
    assert.match(
      (mayCall('heartbeat', 'transferFunds', 'control') as { reason: string }).reason,
      /no declared capability/,
    );
    assert.match(
      (mayCall('heartbeat', 'probeHealth', 'research') as { reason: string }).reason,
      /research domain does not offer health\.probe/,
    );
  });

  it('never lets a lookup through the prototype chain pass for a registration', () => {
    assert.equal(mayCall('constructor', 'toString', 'control').allowed, false);
    assert.equal(mayCall('heartbeat', '__proto__', 'control').allowed, false);
  });
});
