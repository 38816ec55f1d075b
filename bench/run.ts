/**
 * Every benchmark in turn (`npm run bench`), each in its own process so one's workers and servers never load the
 * next. A failing bench is reported and the rest still run; the exit code says whether all passed.
 *   npm run bench [-- name ...]     e.g. npm run bench -- trade-path scan
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES = ['startup', 'exchange', 'trade-path', 'scan', 'status', 'backtest', 'candidate-sandbox'];

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !BENCHES.includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; the benches are: ${BENCHES.join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of chosen.length > 0 ? chosen : BENCHES) {
  console.log(`\n=== bench/${name}.ts ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, `${name}.ts`)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nbenches that failed: ${failed.join(', ')}`);
  process.exit(1);
}
