/**
 * A domain's parts, checked against the domain matrix (policies/domains.ts): the workflows its worker registers
 * (workflows/<domain>-domain.ts) are exactly those WORKFLOW_DOMAINS gives it, and a worker refuses to start with an
 * activity the matrix would refuse at every call (registrationProblems, run by workers/domain-worker.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DOMAINS, WORKFLOW_DOMAINS, registrationProblems, type Domain } from '../../policies/domains';

const ROOT = path.resolve(__dirname, '..', '..');

/** The workflow names a domain's workflows module re-exports (`export { a, b } from './file'`). */
function registeredWorkflows(domain: Domain): string[] {
  const source = readFileSync(path.join(ROOT, 'workflows', `${domain}-domain.ts`), 'utf8');
  return [...source.matchAll(/export\s*\{([^}]*)\}\s*from/g)].flatMap(([, names]) =>
    names!
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
}

describe('domain declarations', () => {
  for (const domain of DOMAINS) {
    it(`the ${domain} worker registers exactly the workflows WORKFLOW_DOMAINS gives the ${domain} domain`, () => {
      const declared = Object.keys(WORKFLOW_DOMAINS).filter((workflow) => WORKFLOW_DOMAINS[workflow] === domain);
      assert.ok(declared.length > 0);
      assert.deepEqual(registeredWorkflows(domain).sort(), declared.sort());
    });
  }

  it('refuses to register an activity without a capability, or one its domain does not offer', () => {
    assert.deepEqual(registrationProblems('live', ['placeLiveOrder', 'appendLedgerEntry', 'getMarket']), []);
    assert.deepEqual(registrationProblems('research', ['placeLiveOrder', 'withdrawFunds']), [
      'placeLiveOrder needs orders.live, which the research domain does not offer',
      'withdrawFunds has no declared capability (ACTIVITY_CAPABILITIES)',
    ]);
  });
});
