/**
 * Backtest throughput: bars per second on 10 million synthetic one-minute bars, single core, for the
 * coinbase-ma-crossover strategy with bench parameters that trade on more than 1% of bars, through NEMO's whole
 * engine (features, strategy, validateTrade on every order, fills, fees, breakers, look-ahead audit); then the same
 * strategy in pandas (bench/backtest_pandas.py, Debian's python3-pandas) on the same bars, in the same command.
 *   npx tsx bench/backtest.ts [bars]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_BACKTEST_OPTIONS, runBacktest, type BacktestResult } from '../backtest/engine';
import { syntheticCandles } from '../backtest/synthetic';
import { validateTradeGate } from '../backtest/trade-gate';
import { COINBASE_TAKER_RATE } from '../policies/fees';
import { dollars } from '../policies/format';
import { DEFAULT_RISK_POLICY } from '../policies/risk-policy';
import { maCrossover, type MaCrossoverParams } from '../strategies/coinbase-ma-crossover';
import { machineLine } from './machine';

const BARS = Number(process.argv[2] ?? 10_000_000);
// Averages and a tight bracket that make the strategy fill on a little more than 1% of bars; the 1:5 bracket puts the
// first-passage probability near 0.83, above the seed's 0.80; no expected-value filter (the bench measures speed).
const PARAMS: Partial<MaCrossoverParams> = {
  fast: 10,
  slow: 40,
  volatilityWindow: 60,
  takeProfit: 0.0025,
  stopLoss: 0.0125,
  minExpectedValue: -1,
};
const OPTIONS = {
  ...DEFAULT_BACKTEST_OPTIONS,
  policy: DEFAULT_RISK_POLICY,
  // A large account so the seed's 65% total-loss stop (fees make every bench trade lose) never ends trading early;
  // orders are still capped at the live $50 per position.
  initialEquityCents: 10_000_000_000,
};

/** The run, with the time spent inside validateTrade measured apart (it is the same function live trading calls). */
function timed(bars: ReturnType<typeof syntheticCandles>): { ms: number; gateMs: number; result: BacktestResult } {
  const gate = validateTradeGate(OPTIONS.policy, [{ venue: bars.venue, market: bars.market }]);
  let gateMs = 0;
  const started = performance.now();
  const result = runBacktest(maCrossover(PARAMS), [bars], {
    ...OPTIONS,
    gate: (request) => {
      const t = performance.now();
      const failures = gate(request);
      gateMs += performance.now() - t;
      return failures;
    },
  });
  return { ms: performance.now() - started, gateMs, result };
}

function main(): void {
  console.log(machineLine());
  const generated = performance.now();
  const bars = syntheticCandles({ seed: 42, bars: BARS, ohlc: false });
  console.log(
    `generated ${BARS.toLocaleString('en-US')} synthetic 1-minute bars in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );

  // One warm-up run on a tenth of the bars, so the timed run measures optimised code, as a long backtest would.
  runBacktest(
    maCrossover(PARAMS),
    [syntheticCandles({ seed: 7, bars: Math.max(10_000, Math.floor(BARS / 10)), ohlc: false })],
    OPTIONS,
  );
  const { ms, gateMs, result } = timed(bars);
  const fills = result.trades.length * 2;
  console.log(
    `NEMO engine: ${(((BARS / ms) * 1000) / 1e6).toFixed(2)} M bars/s (${(ms / 1000).toFixed(2)} s); ` +
      `${result.orders.toLocaleString('en-US')} orders, ${result.stats.trades.toLocaleString('en-US')} round trips, ` +
      `fills on ${((fills / BARS) * 100).toFixed(2)}% of bars, net P&L ${dollars(result.stats.netPnlCents)}; refused ${JSON.stringify(result.refusals)}`,
  );
  console.log(
    `  of which validateTrade: ${(gateMs / 1000).toFixed(2)} s (${((gateMs * 1000) / Math.max(1, result.orders)).toFixed(1)} µs per order); ` +
      `the rest of the engine: ${(((BARS / (ms - gateMs)) * 1000) / 1e6).toFixed(2)} M bars/s`,
  );

  const dir = mkdtempSync(path.join(os.tmpdir(), 'nemo-bench-'));
  try {
    const file = path.join(dir, 'close.f64');
    writeFileSync(file, Buffer.from(bars.close.buffer, bars.close.byteOffset, bars.close.byteLength));
    const p = { ...maCrossover(PARAMS).params };
    const args = [
      path.join(__dirname, 'backtest_pandas.py'),
      file,
      String(BARS),
      String(p.fast),
      String(p.slow),
      String(p.volatilityWindow),
      String(p.takeProfit),
      String(p.stopLoss),
      String(p.minProbability),
      String(COINBASE_TAKER_RATE),
      String(OPTIONS.slippageBps),
      String(OPTIONS.limitTolerance),
    ];
    const py = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (py.status !== 0) throw new Error(`pandas bench failed: ${py.stderr || py.stdout}`);
    const answer = JSON.parse(py.stdout.trim().split('\n').pop()!) as {
      bars_per_second: number;
      seconds: number;
      trades: number;
      pandas: string;
    };
    console.log(
      `pandas ${answer.pandas}: ${(answer.bars_per_second / 1e6).toFixed(2)} M bars/s (${answer.seconds.toFixed(2)} s); ` +
        `${answer.trades.toLocaleString('en-US')} round trips`,
    );
    console.log(`NEMO / pandas: ${(((BARS / ms) * 1000) / answer.bars_per_second).toFixed(2)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
