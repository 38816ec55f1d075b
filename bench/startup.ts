/**
 * Time from `nemo up` to "NEMO ready" with a warm temporal CLI cache, on this machine: a cold NEMO_HOME (workflow
 * bundles built, database created and migrated) and a warm one (the same home started again).
 *   npx tsx bench/startup.ts [runs]
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureTemporalCli } from '../platform/temporal/temporal-cli';
import { freePort } from '../platform/ports';
import { dropDatabase } from '../platform/postgres/postgres';
import { scratchUpEnv } from './bench-stack';
import { machineLine } from './machine';

const ROOT = path.resolve(__dirname, '..');

async function timeUp(env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'nemo.ts'), 'up'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('NEMO ready')) resolve(performance.now() - started);
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', () => reject(new Error(`nemo up exited before ready:\n${output}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  return ready;
}

async function main() {
  const runs = Number(process.argv[2] ?? 3);
  console.log(machineLine());
  const cli = await ensureTemporalCli();
  console.log(`temporal CLI: ${cli.source} (${cli.path})`);
  const rows: string[] = [];
  for (let run = 1; run <= runs; run++) {
    const env = await scratchUpEnv(`up_${run}`, cli.path);
    const cold = await timeUp(env);
    const warm = await timeUp({
      ...env,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    });
    rows.push(`run ${run}: cold home ${(cold / 1000).toFixed(2)} s, warm home ${(warm / 1000).toFixed(2)} s`);
    console.log(rows.at(-1));
    rmSync(env.NEMO_HOME, { recursive: true, force: true });
    await dropDatabase(env.DATABASE_URL);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
