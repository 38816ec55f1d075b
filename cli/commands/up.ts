import { loadConfig } from '../../platform/config';
import { startStack } from '../../workers/nemo-stack';
import type { Command } from '../command';

/** `nemo up` (also `npm start`): the main job. Starts everything, prints where to look, stops cleanly on Ctrl-C. */
export const upCommand: Command = {
  name: 'up',
  usage: 'up [--cluster]',
  summary:
    'Start NEMO: Temporal (dev server + Web UI, or with --cluster the server on PostgreSQL), PostgreSQL ledger, one worker per domain, schedules',
  options: { cluster: { type: 'boolean' } },
  async run({ io, env, values }) {
    const config = loadConfig(env);
    const started = performance.now();
    const say = (line: string) => io.out(line);
    say(`NEMO starting (home ${config.NEMO_HOME})`);
    const stack = await startStack(config, {
      say,
      cluster: values.cluster === true,
      onWorkerProblem: (domain, line) => io.err(`[${domain}] ${line}`),
    });
    const d = stack.description;
    say('');
    say(`NEMO ready in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    if (d.webUi) say(`  Web UI        ${d.webUi}/namespaces/${d.namespace}/workflows`);
    say(`  Temporal      ${d.temporalAddress} (namespace ${d.namespace})`);
    say(`  Ledger        ${d.database}`);
    say(`  Logs          ${config.NEMO_HOME}/logs`);
    say('');
    say('Try, in another terminal:');
    say('  npm run nemo -- status              what NEMO is doing');
    say('  npm run nemo -- ledger verify       check the ledger hash chain');
    say('  npm run nemo -- temporal workflow list   the temporal CLI, pointed at this server');
    say('Ctrl-C stops everything.');

    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    // Ctrl-C reaches this process twice under npm and tsx (from the terminal and relayed): stop once, cleanly.
    const already = () => say('already stopping; wait for it to finish');
    process.on('SIGINT', already);
    process.on('SIGTERM', already);
    say('\nstopping NEMO: workers first, then Temporal and PostgreSQL if NEMO started them');
    await stack.stop();
    say('stopped');
    return 0;
  },
};
