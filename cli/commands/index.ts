import type { Command } from '../command';
import { ledgerCommand } from './ledger';

/** Every `nemo` command, in the order `nemo help` lists them. */
export const COMMANDS: Command[] = [ledgerCommand];
