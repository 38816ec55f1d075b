import type { Command } from '../command';

/**
 * Every `nemo` command, in the order `nemo help` lists them. A command's module (and what it imports: the Temporal
 * worker, the venue SDKs, the vault) loads only when that command runs, so `nemo status` starts in a fraction of the
 * time all of them take to load.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  up: async () => (await import('./up.js')).upCommand,
  status: async () => (await import('./status.js')).statusCommand,
  approvals: async () => (await import('./approvals.js')).approvalsCommand,
  approve: async () => (await import('./approvals.js')).approveCommand,
  reject: async () => (await import('./approvals.js')).rejectCommand,
  halt: async () => (await import('./trading.js')).haltCommand,
  resume: async () => (await import('./trading.js')).resumeCommand,
  reset: async () => (await import('./trading.js')).resetCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  scan: async () => (await import('./scan.js')).scanCommand,
  screen: async () => (await import('./screen.js')).screenCommand,
  backtest: async () => (await import('./backtest.js')).backtestCommand,
  upgrade: async () => (await import('./upgrade.js')).upgradeCommand,
  incident: async () => (await import('./incident.js')).incidentCommand,
  worker: async () => (await import('./worker.js')).workerCommand,
  alerts: async () => (await import('./alerts.js')).alertsCommand,
  drill: async () => (await import('./drill.js')).drillCommand,
  report: async () => (await import('./report.js')).reportCommand,
  ledger: async () => (await import('./ledger.js')).ledgerCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  temporal: async () => (await import('./temporal.js')).temporalCommand,
};
