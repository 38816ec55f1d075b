import { spawn } from 'node:child_process';
import { loadConfig } from '../../platform/config';
import { ensureTemporalCli } from '../../platform/temporal/temporal-cli';
import { temporalAddress } from '../../platform/temporal/temporal-connection';
import type { Command } from '../command';

/** `nemo temporal ...`: the temporal CLI NEMO bootstrapped, pointed at NEMO's server and namespace. */
export const temporalCommand: Command = {
  name: 'temporal',
  usage: 'temporal <temporal CLI arguments>',
  summary: "Run the bootstrapped temporal CLI against NEMO's server (e.g. `nemo temporal workflow list`)",
  rawArgs: true,
  async run({ positionals, io, env }) {
    const config = loadConfig(env);
    const cli = await ensureTemporalCli({ explicit: config.TEMPORAL_CLI, progress: (line) => io.err(line) });
    return new Promise<number>((resolve) => {
      const child = spawn(cli.path, positionals, {
        stdio: 'inherit',
        env: { ...env, TEMPORAL_ADDRESS: temporalAddress(config), TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE },
      });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  },
};
