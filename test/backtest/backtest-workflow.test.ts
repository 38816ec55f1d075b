import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { executeBacktest, latestBacktestOf, type BacktestOutcome } from '../../activities/research/backtest';
import { loadStoredSeries, saveBars } from '../../activities/research/market-data-store';
import { researchActivities } from '../../activities/research-domain';
import { dataHash } from '../../backtest/data-hash';
import { syntheticCandles } from '../../backtest/synthetic';
import { runCli } from '../../cli/nemo';
import { readEntries } from '../../ledger/ledger-store';
import type { NemoConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { TASK_QUEUES } from '../../policies/domains';
import { saveHistoryFixture } from '../support/histories';
import { testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('backtests on the research worker, the CLI, and stored market data', () => {
  let config: NemoConfig;
  let client: Client;
  let workflowOutcome: BacktestOutcome;
  before(async () => {
    config = await testConfig();
    client = await testClient(config);
    await startDomainWorkers(config, [{ domain: 'research', activities: researchActivities }]);
  });

  it('runs the backtest workflow, writes the report with PNG charts and records the proof in the ledger', async () => {
    const workflowId = `backtest-test-${Date.now()}`;
    workflowOutcome = await client.workflow.execute('backtest', {
      taskQueue: TASK_QUEUES.research,
      workflowId,
      args: [{ strategyId: 'kalshi-mispricing', data: { kind: 'synthetic', seed: 11, size: 400 } }],
    });
    const { summary, report } = workflowOutcome;
    assert.ok(summary.trades >= 100, `${summary.trades} trades`);
    assert.deepEqual(workflowOutcome.proofProblems, []);
    assert.ok(report.markdown.startsWith(nemoHome(config.NEMO_HOME).reports));
    assert.match(readFileSync(report.markdown, 'utf8'), /## Equity[\s\S]*\.png\)/);
    assert.match(readFileSync(report.html, 'utf8'), /<img src="[^"]+-drawdown\.png"/);
    assert.equal(report.images.length, 2);
    for (const image of report.images) assert.deepEqual(readFileSync(image).subarray(0, 8), PNG_SIGNATURE);

    const [entry] = await readEntries(testAppPool(config.DATABASE_URL), { kind: 'backtest.proof' });
    assert.equal(entry?.seq, workflowOutcome.ledgerSeq);
    assert.equal(entry?.domain, 'research');
    assert.deepEqual(entry?.payload.summary, { ...summary });
    const artifact = entry?.payload.artifact as {
      trades: unknown[];
      equity: unknown[];
      options: { limits: { maxPositionUsd: number } };
    };
    assert.equal(artifact.trades.length, summary.trades);
    assert.ok(artifact.equity.length > 10);
    assert.equal(artifact.options.limits.maxPositionUsd, 50);
    await saveHistoryFixture(client, workflowId, 'research');
  });

  it('nemo backtest --json computes the same proof and finds it already recorded', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['backtest', 'kalshi-mispricing', '--seed', '11', '--size', '400', '--json'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      { NEMO_HOME: config.NEMO_HOME, DATABASE_URL: config.DATABASE_URL, NEMO_LOG_LEVEL: 'warn' },
    );
    assert.equal(code, 0, err.join('\n'));
    const outcome = JSON.parse(out.join('\n')) as BacktestOutcome;
    assert.deepEqual(outcome.summary, workflowOutcome.summary);
    assert.equal(
      outcome.ledgerSeq,
      workflowOutcome.ledgerSeq,
      'the same code, data and options make the same entry, once',
    );
    assert.equal((await readEntries(testAppPool(config.DATABASE_URL), { kind: 'backtest.proof' })).length, 1);
  });

  it('files a run that does not meet the thresholds as backtest.failed, never as a proof, and start-up reads it as failed', async () => {
    const failed = (await client.workflow.execute('backtest', {
      taskQueue: TASK_QUEUES.research,
      workflowId: `backtest-small-${Date.now()}`,
      args: [{ strategyId: 'kalshi-mispricing', data: { kind: 'synthetic', seed: 12, size: 20 } }],
    })) as BacktestOutcome;
    assert.ok(
      failed.proofProblems.some((p) => /at least 100 are required/.test(p)),
      failed.proofProblems.join('; '),
    );
    const pool = testAppPool(config.DATABASE_URL);
    const [entry] = await readEntries(pool, { kind: 'backtest.failed' });
    assert.equal(entry?.seq, failed.ledgerSeq);
    assert.deepEqual(entry?.payload.proofProblems, failed.proofProblems);
    assert.equal(
      (await readEntries(pool, { kind: 'backtest.proof' })).length,
      1,
      'the proof list holds only the passing run',
    );
    const latest = await latestBacktestOf(pool, 'kalshi-mispricing', failed.summary.strategyVersion);
    assert.deepEqual([latest?.kind, latest?.seq], ['backtest.failed', failed.ledgerSeq]);
  });

  it('fails at once, without retrying, for an unknown strategy', async () => {
    await assert.rejects(
      client.workflow.execute('backtest', {
        taskQueue: TASK_QUEUES.research,
        workflowId: `backtest-unknown-${Date.now()}`,
        args: [{ strategyId: 'no-such', data: { kind: 'synthetic', seed: 1 } }],
      }),
      (e: unknown) =>
        e instanceof WorkflowFailedError &&
        /unknown strategy "no-such"/.test(
          String(((e.cause as Error | undefined)?.cause as Error | undefined)?.message ?? e.cause?.message),
        ),
    );
    const usage: string[] = [];
    assert.equal(await runCli(['backtest'], { out: () => undefined, err: (l) => usage.push(l) }, {}), 2);
    assert.match(usage.join('\n'), /name a strategy: .*kalshi-mispricing/);
  });

  it('stores bars fetched through the adapters once and backtests on them', async () => {
    const pool = testAppPool(config.DATABASE_URL);
    const candles = syntheticCandles({ seed: 9, bars: 3_000, barMs: 3_600_000 });
    const s = (x: number) => x.toFixed(2);
    const bars = Array.from(candles.close, (close, i) => ({
      time: candles.time[i]!,
      open: s(candles.open![i]!),
      high: s(candles.high![i]!),
      low: s(candles.low![i]!),
      close: s(close),
      volume: candles.volume[i]!.toFixed(6),
    }));
    assert.deepEqual(await saveBars(pool, { venue: 'coinbase', market: 'BTC-USD', granularity: 'ONE_HOUR', bars }), {
      inserted: 3_000,
    });
    assert.deepEqual(
      await saveBars(pool, { venue: 'coinbase', market: 'BTC-USD', granularity: 'ONE_HOUR', bars }),
      { inserted: 0 },
      'a bar is stored once',
    );
    await assert.rejects(
      saveBars(pool, {
        venue: 'coinbase',
        market: 'BTC-USD',
        granularity: 'ONE_HOUR',
        bars: [{ time: 1, close: '-1', volume: '1' }],
      }),
      /market bars refused: bars\.0\.close: must be a decimal string/,
    );

    const [stored] = await loadStoredSeries(pool, { venue: 'coinbase', markets: ['BTC-USD'], granularity: 'ONE_HOUR' });
    assert.equal(stored!.close.length, 3_000);
    const outcome = await executeBacktest(
      { pool, config, reportsDir: nemoHome(config.NEMO_HOME).reports },
      { strategyId: 'coinbase-ma-crossover', data: { kind: 'stored', markets: ['BTC-USD'], granularity: 'ONE_HOUR' } },
      () => undefined,
    );
    assert.equal(outcome.bars, 3_000);
    assert.equal(outcome.summary.dataHash, dataHash([stored!]));
    assert.ok(existsSync(outcome.report.html));
    await assert.rejects(
      executeBacktest(
        { pool, config, reportsDir: nemoHome(config.NEMO_HOME).reports },
        {
          strategyId: 'coinbase-ma-crossover',
          data: { kind: 'stored', markets: ['ETH-USD'], granularity: 'ONE_HOUR' },
        },
        () => undefined,
      ),
      /no stored coinbase bars for ETH-USD at ONE_HOUR: fetch them through the venue adapters first/,
    );
  });
});
