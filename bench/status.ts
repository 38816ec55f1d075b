/**
 * How fast `nemo status` answers on a healthy stack (issue 14: under 2 s): a whole `nemo up` on a scratch home, then
 * `gatherStatus` (everything the command asks: stack files, every guardian, the task queues' pollers, schedules, the
 * ledger) timed in this process, next to the floor measured in the same run: one guardian status query, the least a
 * status that shows an account needs. The command as a process adds node and tsx start-up, timed apart.
 *   npx tsx bench/status.ts [rounds]
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { gatherStatus } from '../cli/commands/status';
import { loadConfig } from '../platform/config';
import { dropDatabase } from '../platform/postgres/postgres';
import { ensureTemporalCli } from '../platform/temporal/temporal-cli';
import { connectClient, nemoTemporalTarget } from '../platform/temporal/temporal-connection';
import { guardianStatusQuery, guardianWorkflowId } from '../contracts/guardian';
import { scratchUpEnv } from './bench-stack';
import { machineLine, percentile } from './machine';

const ROOT = path.resolve(__dirname, '..');
const TARGET_MS = 2000;

async function timed(runs: number, call: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b);
}

const figures = (ms: number[]) => `p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms`;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  console.log(machineLine());
  const cli = await ensureTemporalCli();
  const env = await scratchUpEnv('status', cli.path);
  const { NEMO_HOME: home, DATABASE_URL: database } = env;
  const up = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'nemo.ts'), 'up'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      up.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        if (output.includes('NEMO ready')) resolve();
      });
      up.stderr.on('data', (c: Buffer) => (output += c.toString()));
      up.once('exit', () => reject(new Error(`nemo up exited before ready:\n${output}`)));
    });
    const config = loadConfig(env);
    const status = await gatherStatus(config);
    console.log(
      `stack: ${status.accounts.length} accounts, ${status.workers.filter((w) => w.polling).length} of ${status.workers.length} workers polling`,
    );

    const client = await connectClient(nemoTemporalTarget(config, env));
    const guardian = client.workflow.getHandle(guardianWorkflowId('live', 'kalshi'));
    // Just after "NEMO ready" the guardian may not have taken its first task: wait until it answers once.
    for (
      let attempt = 1;
      !(await guardian.query(guardianStatusQuery).then(
        () => true,
        () => false,
      ));
      attempt++
    ) {
      if (attempt === 60) throw new Error('the live:kalshi guardian did not answer a query within a minute');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const floor = await timed(rounds, () => guardian.query(guardianStatusQuery));
    await client.connection.close();
    const sections = new Map<string, number[]>();
    const gathered = await timed(rounds, () =>
      gatherStatus(config, (section, ms) => sections.set(section, [...(sections.get(section) ?? []), ms])),
    );
    const command = await timed(3, async () =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'nemo.ts'), 'status', '--json'], {
        cwd: ROOT,
        env,
      }),
    );

    console.log(`floor (one guardian status query, ${rounds} rounds): ${figures(floor)}`);
    console.log(`gatherStatus (${rounds} rounds): ${figures(gathered)}`);
    for (const [section, ms] of sections)
      console.log(`  section ${section}: ${figures(ms.sort((a, b) => a - b))}, slowest ${ms.at(-1)!.toFixed(0)} ms`);
    console.log(`\`nemo status --json\` as a process, node and tsx start-up included (3 runs): ${figures(command)}`);
    const [p50, p99] = [percentile(gathered, 50), percentile(gathered, 99)];
    const verdict = (ms: number) => (ms < TARGET_MS ? 'met' : 'NOT met');
    console.log(
      `status summary: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms vs floor p50 ${percentile(floor, 50).toFixed(0)} ms (ratio ${(p50 / percentile(floor, 50)).toFixed(1)}); target < ${TARGET_MS} ms ${verdict(p50)} at p50, ${verdict(p99)} at p99`,
    );
  } finally {
    const exited = new Promise((resolve) => up.once('exit', resolve));
    up.kill('SIGINT');
    await exited;
    rmSync(home, { recursive: true, force: true });
    await dropDatabase(database);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
