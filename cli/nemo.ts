#!/usr/bin/env -S node --import tsx
import { parseArgs } from 'node:util';
import { ConfigError } from '../platform/config';
import { withRunningStack } from '../platform/stack-settings';
import { stdio, UsageError, type CliIO, type Command } from './command';
import { COMMANDS } from './commands';

async function help(io: CliIO): Promise<void> {
  io.out('nemo: the NEMO operator command\n');
  io.out('usage: nemo <command> [options]   (read commands accept --json)\n');
  // Usage on its own line, the summary indented under it: some usages are too long to share a column.
  for (const load of Object.values(COMMANDS)) {
    const c = await load();
    io.out(`  ${c.usage}\n      ${c.summary}`);
  }
}

/** Runs one command line; returns the exit code (0 ok, 1 failed, 2 bad usage or configuration). */
export async function runCli(argv: string[], io: CliIO = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await help(io);
    return name ? 0 : 2;
  }
  const command: Command | undefined = Object.hasOwn(COMMANDS, name) ? await COMMANDS[name]!() : undefined;
  if (!command) {
    io.err(`nemo: unknown command "${name}". Run \`nemo help\` for the list.`);
    return 2;
  }
  // Any command but `up` reaches the running stack with its settings, whatever this terminal's environment holds.
  if (command.name !== 'up') env = withRunningStack(env);
  try {
    if (command.rawArgs) return await command.run({ positionals: rest, values: {}, io, env });
    const { positionals, values } = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.out(`usage: nemo ${command.usage}\n\n${command.summary}`);
      return 0;
    }
    return await command.run({ positionals, values: values as Record<string, string | boolean | undefined>, io, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`nemo ${command.name}: ${(err as Error).message}\nusage: nemo ${command.usage}`);
      return 2;
    }
    io.err(`nemo ${command.name}: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  // `nemo ... | head`: the reader left early. That ends the output, not the command with a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
