import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Where NEMO keeps its state: one directory, NEMO_HOME (default .nemo/ in the checkout). */
export interface NemoHome {
  root: string;
  logs: string;
  temporalDb: string;
  postgres: string;
  backups: string;
  reports: string;
  vault: string;
  run: string;
  /** The ledger heads published outside the database, one JSON line each (append-only). */
  ledgerCheckpoints: string;
  /** The single overwritten head file of earlier versions, adopted as the series' first checkpoint. */
  legacyLedgerHead: string;
}

export function nemoHome(root: string): NemoHome {
  const home: NemoHome = {
    root,
    logs: path.join(root, 'logs'),
    temporalDb: path.join(root, 'temporal', 'temporal.db'),
    postgres: path.join(root, 'postgres'),
    backups: path.join(root, 'backups'),
    reports: path.join(root, 'reports'),
    vault: path.join(root, 'vault'),
    run: path.join(root, 'run'),
    ledgerCheckpoints: path.join(root, 'ledger', 'checkpoints.jsonl'),
    legacyLedgerHead: path.join(root, 'ledger-head.json'),
  };
  return home;
}

/** Creates the directories that must exist before any process writes there. */
export function ensureNemoHome(home: NemoHome): NemoHome {
  for (const dir of [home.root, home.logs, path.dirname(home.temporalDb), home.backups, home.reports, home.run]) {
    mkdirSync(dir, { recursive: true });
  }
  return home;
}
