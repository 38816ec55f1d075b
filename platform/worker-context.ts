import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { NemoConfig } from './config';
import type { Logger } from './logger';
import type { NemoHome } from './nemo-home';
import type { SecretSource } from './secrets';
import type { VaultKeeper } from './vault/vault-keeper';
import type { Domain } from '../policies/domains';

/** What a domain worker hands its activity factories: its own config, logger, ledger pool and Temporal client. */
export interface WorkerContext {
  domain: Domain;
  config: NemoConfig;
  home: NemoHome;
  logger: Logger;
  ledgerPool: pg.Pool;
  temporal: Client;
  /** Only this domain's credentials (its manifest's secrets, policies/domains/<domain>.ts). */
  secrets: SecretSource;
  /** Under `nemo up`: the vault operations the supervisor does for the control domain (workers never open the vault). */
  vaultKeeper?: VaultKeeper;
}
