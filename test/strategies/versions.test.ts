import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { format, resolveConfig } from 'prettier';
import { MA_CROSSOVER_REVISION } from '../../strategies/coinbase-ma-crossover';
import { KALSHI_MISPRICING_REVISION } from '../../strategies/kalshi-mispricing';

/**
 * A strategy's version hashes its code revision and parameters (strategies/version.ts), so a proof stays tied to
 * the code it proved. This test pins the source each strategy's decisions depend on to its revision: change that
 * code, and it fails until the revision is bumped (which retires the old proofs) and the pin below is updated. The
 * source is hashed as Prettier formats it, so a change of layout alone is not a change of code.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = ['strategies/market-view.ts', 'strategies/features.ts', 'strategies/types.ts', 'policies/fees.ts'];

const PINS = [
  {
    id: 'kalshi-mispricing',
    revision: KALSHI_MISPRICING_REVISION,
    files: ['strategies/kalshi-mispricing.ts', 'policies/estimate-provenance.ts', ...SHARED],
    pinned: { revision: 3, sha256: 'd333103ec167f8519efc8a1d96c5a12e6c0bd9b946523613761ccf1927875543' },
  },
  {
    id: 'coinbase-ma-crossover',
    revision: MA_CROSSOVER_REVISION,
    files: ['strategies/coinbase-ma-crossover.ts', 'strategies/barrier.ts', ...SHARED],
    pinned: { revision: 2, sha256: '79a22202471546a20684ca0add883f41588ec411d28d508b8d3ee0c20af20a01' },
  },
];

const sourceHash = async (files: string[]) => {
  const hash = createHash('sha256');
  for (const f of files) {
    const file = path.join(ROOT, f);
    const formatted = await format(readFileSync(file, 'utf8'), { ...(await resolveConfig(file)), filepath: file });
    hash.update(f).update('\0').update(formatted);
  }
  return hash.digest('hex');
};

describe('strategy code revisions', () => {
  for (const pin of PINS) {
    it(`${pin.id}: its code matches the pinned revision ${pin.pinned.revision}`, async () => {
      const now = await sourceHash(pin.files);
      assert.equal(pin.revision, pin.pinned.revision, `${pin.id}: the revision changed; pin it with sha256 ${now}`);
      assert.equal(
        now,
        pin.pinned.sha256,
        `${pin.id}: its code changed (${pin.files.join(', ')}). Bump its revision (old proofs no longer apply) and pin revision ${pin.revision + 1} with sha256 ${now}`,
      );
    });
  }
});
