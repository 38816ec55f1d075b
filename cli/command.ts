import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  io: CliIO;
  env: NodeJS.ProcessEnv;
}

/** One `nemo` command. Read commands accept --json; every command returns its exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options?: OptionSpec;
  /** Pass the arguments through unparsed (for commands that wrap another program). */
  rawArgs?: boolean;
  run(input: CommandInput): Promise<number>;
}

export const stdio: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A usage error: the command was called wrongly; the message says how to call it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
