import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MA_CROSSOVER_REVISION } from '../../strategies/coinbase-ma-crossover';
import { KALSHI_MISPRICING_REVISION } from '../../strategies/kalshi-mispricing';

/**
 * A strategy's version hashes its code revision and parameters (strategies/version.ts), so a proof stays tied to
 * the code it proved. This test pins the source each strategy's decisions depend on to its revision: change that
 * code, and it fails until the revision is bumped (which retires the old proofs) and the pin below is updated.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = ['strategies/market-view.ts', 'strategies/features.ts', 'strategies/types.ts', 'policies/fees.ts'];

const PINS = [
  {
    id: 'kalshi-mispricing',
    revision: KALSHI_MISPRICING_REVISION,
    files: ['strategies/kalshi-mispricing.ts', 'policies/estimate-provenance.ts', ...SHARED],
    pinned: { revision: 3, sha256: 'bda0e74aea13cba9f4f9b0a063cbb329248dd7ff09d6c9de12df94a235b6d2ea' },
  },
  {
    id: 'coinbase-ma-crossover',
    revision: MA_CROSSOVER_REVISION,
    files: ['strategies/coinbase-ma-crossover.ts', 'strategies/barrier.ts', ...SHARED],
    pinned: { revision: 2, sha256: '33028cd150d9f1a957164f56110ca1bdfcd8ce568d19ae8110fc586bd5142b48' },
  },
];

const sourceHash = (files: string[]) => {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(readFileSync(path.join(ROOT, f)));
  return hash.digest('hex');
};

describe('strategy code revisions', () => {
  for (const pin of PINS) {
    it(`${pin.id}: its code matches the pinned revision ${pin.pinned.revision}`, () => {
      const now = sourceHash(pin.files);
      assert.equal(pin.revision, pin.pinned.revision, `${pin.id}: the revision changed; pin it with sha256 ${now}`);
      assert.equal(now, pin.pinned.sha256, `${pin.id}: its code changed (${pin.files.join(', ')}). Bump its revision (old proofs no longer apply) and pin revision ${pin.revision + 1} with sha256 ${now}`);
    });
  }
});
