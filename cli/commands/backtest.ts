import { executeBacktest, type BacktestProgress, type BacktestRequest } from '../../activities/research/backtest';
import { loadConfig } from '../../platform/config';
import { ensureNemoHome, nemoHome } from '../../platform/nemo-home';
import { ledgerPool } from '../../platform/ledger-key';
import { STRATEGIES } from '../../strategies/registry';
import { UsageError, type CliIO, type Command } from '../command';

const BAR_WIDTH = 30;

/** A progress bar on a terminal; on a pipe, a line every quarter so logs stay short. */
function progressReporter(io: CliIO, json: boolean): (p: BacktestProgress) => void {
  const tty = process.stderr.isTTY && !json;
  let lastQuarter = -1;
  return ({ processed, total }) => {
    const share = total > 0 ? processed / total : 1;
    if (tty) {
      const filled = Math.round(share * BAR_WIDTH);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${processed}/${total} bars`,
      );
      if (processed === total) process.stderr.write('\n');
      return;
    }
    const quarter = Math.floor(share * 4);
    if (!json && quarter > lastQuarter) {
      lastQuarter = quarter;
      io.err(`backtest ${(share * 100).toFixed(0)}% (${processed}/${total} bars)`);
    }
  };
}

function dataOf(values: Record<string, string | boolean | undefined>): BacktestRequest['data'] {
  const number = (name: string) => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${String(raw)}"`);
    return n;
  };
  if (values.series !== undefined || values.markets !== undefined) {
    if (typeof values.granularity !== 'string') throw new UsageError('stored data needs --granularity (e.g. ONE_HOUR)');
    return {
      kind: 'stored',
      series: typeof values.series === 'string' ? values.series : undefined,
      markets: typeof values.markets === 'string' ? values.markets.split(',').filter(Boolean) : undefined,
      granularity: values.granularity,
      from: typeof values.from === 'string' ? values.from : undefined,
      to: typeof values.to === 'string' ? values.to : undefined,
    };
  }
  return { kind: 'synthetic', seed: number('seed') ?? 1, size: number('size') };
}

/**
 * `nemo backtest STRATEGY`: runs the backtest in this process (the same code as the research worker's runBacktest
 * activity, so it works without the stack running), draws a progress bar, writes the report (Markdown, HTML, equity
 * and drawdown PNGs) under NEMO_HOME/reports and records the proof in the ledger.
 */
export const backtestCommand: Command = {
  name: 'backtest',
  usage:
    'backtest STRATEGY [--seed N] [--size N] [--series S | --markets A,B --granularity G [--from T] [--to T]] [--json]',
  summary: `Backtest a strategy (${Object.keys(STRATEGIES).join(', ')}) on synthetic or stored data; write the report and the proof`,
  options: {
    seed: { type: 'string' },
    size: { type: 'string' },
    series: { type: 'string' },
    markets: { type: 'string' },
    granularity: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run({ positionals, values, io, env }) {
    const [strategyId, ...extra] = positionals;
    if (!strategyId) throw new UsageError(`name a strategy: ${Object.keys(STRATEGIES).join(', ')}`);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const json = values.json === true;
    const config = loadConfig(env);
    const home = ensureNemoHome(nemoHome(config.NEMO_HOME));
    const pool = ledgerPool(config);
    try {
      const outcome = await executeBacktest(
        { pool, config, reportsDir: home.reports },
        { strategyId, data: dataOf(values) },
        progressReporter(io, json),
      );
      if (json) {
        io.out(JSON.stringify(outcome, null, 2));
        return 0;
      }
      const s = outcome.summary;
      io.out(
        `${s.strategyId} ${s.strategyVersion} on data ${s.dataHash}: ${s.trades} trades, win rate ${(s.winRate * 100).toFixed(1)}%, ` +
          `P&L after fees $${(s.netPnlCents / 100).toFixed(2)}, max drawdown ${(s.maxDrawdown * 100).toFixed(2)}%, Sharpe ${s.sharpe.toFixed(2)}`,
      );
      io.out(
        outcome.proofProblems.length === 0
          ? `proof ${s.proofId} meets the thresholds`
          : `proof does NOT meet the thresholds: ${outcome.proofProblems.join('; ')}`,
      );
      io.out(
        `ledger entry ${outcome.ledgerSeq} (backtest.proof); report ${outcome.report.html} and ${outcome.report.markdown}`,
      );
      return 0;
    } finally {
      await pool.end();
    }
  },
};
