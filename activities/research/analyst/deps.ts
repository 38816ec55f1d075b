import type pg from 'pg';
import type { NemoConfig } from '../../../platform/config';
import type { SecretSource } from '../../../platform/secrets';

/** What every model call needs (estimate, reviewer, screening): its own file so screening and the analyst share it
 * without importing each other. */
export interface AnalystDeps {
  pool: pg.Pool;
  config: NemoConfig;
  secrets: SecretSource;
}
