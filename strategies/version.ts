import { canonicalJson } from '../ledger/canonical-json';
import { sha256Hex } from './sha256';

/**
 * A strategy's version: a hash of its id, its code revision and its parameters. The revision is bumped with every
 * change to the strategy's code; test/strategies/versions.test.ts pins each strategy file's content hash to its
 * revision, so a code change that forgets the bump fails CI instead of reusing an old proof.
 */
export function strategyVersion(id: string, codeRevision: number, params: object): string {
  return sha256Hex(canonicalJson({ id, codeRevision, params } as never)).slice(0, 16);
}
