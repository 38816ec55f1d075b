import type pg from 'pg';
import type { NemoConfig } from '../../../platform/config';
import type { SecretSource } from '../../../platform/secrets';
import type { TextVerdict } from '../sources/verdicts-store';
import type { BudgetMeter } from './budget';

/** What every model call needs (estimate, reviewer, screening): its own file so screening and the analyst share it
 * without importing each other. */
export interface AnalystDeps {
  pool: pg.Pool;
  config: NemoConfig;
  secrets: SecretSource;
  /**
   * Verdicts this activity read or recorded moments ago (a scan batch screens its titles in one pass), by text hash:
   * screening takes them instead of reading the store again. A verdict only tightens, so the window is milliseconds.
   */
  screened?: ReadonlyMap<string, TextVerdict>;
  /** The worker's view of today's LLM spend (one ledger read a second instead of one per call); none: read per call. */
  budget?: BudgetMeter;
}
