import type { Command } from '../command';
import { doctorCommand } from './doctor';
import { ledgerCommand } from './ledger';
import { statusCommand } from './status';
import { temporalCommand } from './temporal';
import { upCommand } from './up';

/** Every `nemo` command, in the order `nemo help` lists them. */
export const COMMANDS: Command[] = [upCommand, statusCommand, doctorCommand, ledgerCommand, temporalCommand];
