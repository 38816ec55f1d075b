import type { Command } from '../command';
import { doctorCommand } from './doctor';
import { ledgerCommand } from './ledger';
import { scanCommand } from './scan';
import { statusCommand } from './status';
import { temporalCommand } from './temporal';
import { haltCommand, resetCommand, resumeCommand } from './trading';
import { upCommand } from './up';
import { approvalsCommand, approveCommand, rejectCommand } from './approvals';
import { keysCommand } from './keys';
import { backtestCommand } from './backtest';
import { upgradeCommand } from './upgrade';
import { incidentCommand } from './incident';
import { reportCommand } from './report';
import { screenCommand } from './screen';
import { workerCommand } from './worker';
import { alertsCommand } from './alerts';
import { drillCommand } from './drill';

/** Every `nemo` command, in the order `nemo help` lists them. */
export const COMMANDS: Command[] = [
  upCommand,
  statusCommand,
  approvalsCommand,
  approveCommand,
  rejectCommand,
  haltCommand,
  resumeCommand,
  resetCommand,
  keysCommand,
  scanCommand,
  screenCommand,
  backtestCommand,
  upgradeCommand,
  incidentCommand,
  workerCommand,
  alertsCommand,
  drillCommand,
  reportCommand,
  ledgerCommand,
  doctorCommand,
  temporalCommand,
];
