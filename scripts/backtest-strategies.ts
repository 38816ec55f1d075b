/**
 * The strategies' backtests, as a self-upgrade runs them in a candidate's worktree (the default
 * NEMO_UPGRADE_BACKTEST_COMMAND): every strategy of this checkout, with the parameters of its file in
 * strategies/parameters, on the offline synthetic data set, through the same engine and proof thresholds as
 * `nemo backtest`. No database, no network, no secret.
 *
 * Every strategy must run (a look-ahead, a bad parameter or a crash fails the check). The strategies a change
 * retunes (NEMO_UPGRADE_CHANGED_STRATEGIES, set by the upgrade; or --require-proof) must also still make proof: a
 * strategy that already misses proof on synthetic data does not block an unrelated change, and the figures of every
 * strategy are printed for the operator's review. Exit 0 when all holds, 1 naming what fails, 2 on bad input.
 *
 *   npx tsx scripts/backtest-strategies.ts [--seed N] [--require-proof ID,ID]
 */
import { parseArgs } from 'node:util';
import { backtestOptions, judgeBacktest, syntheticData } from '../activities/research/backtest';
import { runBacktest } from '../backtest/engine';
import { ConfigError, loadConfig } from '../platform/config';
import { STRATEGIES } from '../strategies/registry';

function main(): number {
  const { values } = parseArgs({
    options: { seed: { type: 'string', default: '1' }, 'require-proof': { type: 'string' } },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) {
    console.error(`--seed "${values.seed}" must be an integer`);
    return 2;
  }
  const required = [values['require-proof'], process.env.NEMO_UPGRADE_CHANGED_STRATEGIES]
    .flatMap((list) => (list ?? '').split(','))
    .filter(Boolean);
  const unknown = required.filter((id) => !Object.hasOwn(STRATEGIES, id));
  if (unknown.length) {
    console.error(`no strategy ${unknown.join(', ')} in this checkout (known: ${Object.keys(STRATEGIES).join(', ')})`);
    return 1;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
  const options = backtestOptions(config);
  let failed = 0;
  for (const strategy of Object.values(STRATEGIES)) {
    const { series, source } = syntheticData(strategy.venue, seed);
    let verdict: string;
    try {
      const { summary, problems } = judgeBacktest(strategy, runBacktest(strategy, series, options), series, options);
      const mustProve = required.includes(strategy.id);
      if (mustProve && problems.length) failed += 1;
      verdict =
        `${mustProve && problems.length ? 'FAIL' : 'ok  '} ${strategy.id} ${strategy.version} on ${source}: ${summary.trades} trades, ` +
        `net $${(summary.netPnlCents / 100).toFixed(2)}, max drawdown ${(summary.maxDrawdown * 100).toFixed(1)}%, ` +
        `expectancy ${summary.expectancyCents.toFixed(1)}¢; ${problems.length ? `no proof: ${problems.join('; ')}` : 'makes proof'}`;
    } catch (err) {
      failed += 1;
      verdict = `FAIL ${strategy.id} ${strategy.version} on ${source}: ${(err as Error).message}`;
    }
    console.log(verdict);
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
