import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { z } from 'zod';
import { dataHash } from '../../backtest/data-hash';
import {
  BacktestEngine,
  DEFAULT_BACKTEST_OPTIONS,
  type BacktestOptions,
  type BacktestResult,
} from '../../backtest/engine';
import { FAILED_PROOF_KIND, PROOF_KIND, proofArtifact, proofSummary } from '../../backtest/proof-artifact';
import { syntheticBinaryMarkets, syntheticCandles } from '../../backtest/synthetic';
import { canonicalJson } from '../../ledger/canonical-json';
import { appendEntry } from '../../ledger/ledger-store';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import type { NemoConfig } from '../../platform/config';
import { proofProblems } from '../../policies/proof-check';
import type { ProofSummary } from '../../policies/proof';
import { riskPolicyFrom } from '../../platform/risk-config';
import { writeBacktestReport } from '../../reporting/backtest-report';
import { strategyById, UnknownStrategyError } from '../../strategies/registry';
import type { PriceSeries } from '../../strategies/series';
import { LookAheadError, type Strategy } from '../../strategies/types';
import type { WorkerContext } from '../../platform/worker-context';
import { loadStoredSeries } from './market-data-store';

/**
 * Running a backtest (seed: "Internal backtesting execution" in the research domain): load the data, run the
 * engine in chunks (so the activity heartbeats its progress and the CLI draws its bar), write the report, and append
 * the proof to the ledger. The CLI and the research worker's `runBacktest` activity share `executeBacktest`.
 */
export const backtestDataSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('synthetic'),
    seed: z.number().int(),
    /** Bars (Coinbase) or markets (Kalshi). */
    size: z.number().int().min(2).max(50_000_000).optional(),
  }),
  z.object({
    kind: z.literal('stored'),
    markets: z.array(z.string().min(1)).optional(),
    series: z.string().min(1).optional(),
    granularity: z.string().min(1),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  }),
]);

export const backtestRequestSchema = z.object({ strategyId: z.string().min(1), data: backtestDataSchema });
export type BacktestRequest = z.infer<typeof backtestRequestSchema>;

export interface BacktestOutcome {
  summary: ProofSummary;
  /** Why the proof does not clear the strategy for paper trading (empty when it does). */
  proofProblems: string[];
  ledgerSeq: number;
  report: { markdown: string; html: string; images: string[] };
  bars: number;
  durationMs: number;
}

export interface BacktestProgress {
  processed: number;
  total: number;
}

export class BacktestDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestDataError';
  }
}

const DEFAULT_SYNTHETIC_SIZE = { coinbase: 500_000, kalshi: 400 };

/** The synthetic data set a strategy's venue is backtested on offline (the first proof, the upgrade check). */
export function syntheticData(
  venue: PriceSeries['venue'],
  seed: number,
  size = DEFAULT_SYNTHETIC_SIZE[venue],
): { series: PriceSeries[]; source: string } {
  const series =
    venue === 'kalshi' ? syntheticBinaryMarkets({ seed, markets: size }) : [syntheticCandles({ seed, bars: size })];
  return { series, source: `synthetic ${venue} data, seed ${seed}, size ${size}` };
}

/** The engine's options from configuration: the configured (tighten-only) limits and proof thresholds, costs. */
export function backtestOptions(config: NemoConfig): BacktestOptions {
  return {
    ...DEFAULT_BACKTEST_OPTIONS,
    policy: riskPolicyFrom(config),
    initialEquityCents: Math.round(config.NEMO_BACKTEST_INITIAL_EQUITY_USD * 100),
    slippageBps: config.NEMO_BACKTEST_SLIPPAGE_BPS,
    maxParticipation: config.NEMO_BACKTEST_MAX_PARTICIPATION,
  };
}

/** What a finished run proves: its summary and, against the configured thresholds, what keeps it from being proof. */
export function judgeBacktest(
  strategy: Strategy,
  result: BacktestResult,
  series: PriceSeries[],
  options: BacktestOptions,
): { summary: ProofSummary; problems: string[] } {
  const summary = proofSummary(result, dataHash(series));
  return {
    summary,
    problems: proofProblems(
      summary,
      { strategyId: strategy.id, strategyVersion: strategy.version },
      'paper',
      options.policy.proof,
    ),
  };
}

async function loadData(
  pool: pg.Pool,
  venue: PriceSeries['venue'],
  data: BacktestRequest['data'],
): Promise<{ series: PriceSeries[]; source: string }> {
  if (data.kind === 'synthetic') return syntheticData(venue, data.seed, data.size);
  const series = await loadStoredSeries(pool, {
    venue,
    markets: data.markets,
    series: data.series,
    granularity: data.granularity,
    from: data.from ? new Date(data.from) : undefined,
    to: data.to ? new Date(data.to) : undefined,
  });
  const what = data.series ? `series ${data.series}` : (data.markets ?? []).join(', ');
  if (series.length === 0)
    throw new BacktestDataError(
      `no stored ${venue} bars for ${what} at ${data.granularity}: fetch them through the venue adapters first`,
    );
  return { series, source: `stored ${venue} bars (${data.granularity}) for ${what}` };
}

export async function executeBacktest(
  deps: { pool: pg.Pool; config: NemoConfig; reportsDir: string },
  rawRequest: BacktestRequest,
  onProgress: (progress: BacktestProgress) => Promise<void> | void,
): Promise<BacktestOutcome> {
  const started = Date.now();
  const request = backtestRequestSchema.parse(rawRequest);
  const strategy = strategyById(request.strategyId);
  const { series, source } = await loadData(deps.pool, strategy.venue, request.data);
  const options = backtestOptions(deps.config);
  const engine = new BacktestEngine(strategy, series, options);
  // Chunks of about a tenth of a second, so progress moves and the event loop (heartbeats) is never starved.
  const chunk = 250_000;
  await onProgress({ processed: 0, total: engine.totalEvents });
  while (!engine.run(chunk)) {
    await onProgress({ processed: engine.processed, total: engine.totalEvents });
    await nextTurn();
  }
  await onProgress({ processed: engine.totalEvents, total: engine.totalEvents });
  const result = engine.finish();
  const { summary, problems } = judgeBacktest(strategy, result, series, options);
  const report = writeBacktestReport(deps.reportsDir, result, summary, problems, source);
  const artifact = proofArtifact(result, options, source);
  const { entry } = await appendEntry(deps.pool, {
    kind: problems.length === 0 ? PROOF_KIND : FAILED_PROOF_KIND,
    domain: 'research',
    account: SYSTEM_ACCOUNT,
    payload: { summary: { ...summary }, proofProblems: problems, artifact },
    // The same code, data and options make the same proof: a rerun finds the entry already written.
    idempotencyKey: `${summary.proofId}:${createHash('sha256').update(canonicalJson(artifact.options!)).digest('hex').slice(0, 12)}`,
  });
  return {
    summary,
    proofProblems: problems,
    ledgerSeq: entry.seq,
    report,
    bars: result.bars,
    durationMs: Date.now() - started,
  };
}

/** Named failures the workflow must not retry: a wrong strategy, missing data or a look-ahead never heal. */
function classify(err: unknown): never {
  if (
    err instanceof UnknownStrategyError ||
    err instanceof BacktestDataError ||
    err instanceof LookAheadError ||
    err instanceof z.ZodError
  ) {
    throw ApplicationFailure.nonRetryable(
      (err as Error).message,
      err instanceof z.ZodError ? 'BacktestDataError' : (err as Error).name,
    );
  }
  throw err;
}

export function createBacktestActivities(ctx: Pick<WorkerContext, 'ledgerPool' | 'config' | 'home'>) {
  return {
    /** Runs one backtest, heartbeating {processed, total}; the heartbeat timeout notices a dead worker. */
    async runBacktest(request: BacktestRequest): Promise<BacktestOutcome> {
      const activity = Context.current();
      try {
        return await executeBacktest(
          { pool: ctx.ledgerPool, config: ctx.config, reportsDir: ctx.home.reports },
          request,
          (progress) => {
            activity.heartbeat(progress);
          },
        );
      } catch (err) {
        return classify(err);
      }
    },
  };
}

export type BacktestActivities = ReturnType<typeof createBacktestActivities>;

/** The newest backtest of this strategy version, proof or failure, as `nemo up` reports it before backtesting again. */
export async function latestBacktestOf(
  pool: pg.Pool,
  strategyId: string,
  strategyVersion: string,
): Promise<{ kind: string; seq: number; proofProblems: string[] } | undefined> {
  const { rows } = await pool.query<{ kind: string; seq: string; payload: { proofProblems?: string[] } }>(
    `SELECT kind, seq, payload FROM ledger_entries WHERE kind = ANY($1) AND payload->'summary'->>'strategyId' = $2
       AND payload->'summary'->>'strategyVersion' = $3 ORDER BY seq DESC LIMIT 1`,
    [[PROOF_KIND, FAILED_PROOF_KIND], strategyId, strategyVersion],
  );
  return rows[0]
    ? { kind: rows[0].kind, seq: Number(rows[0].seq), proofProblems: rows[0].payload.proofProblems ?? [] }
    : undefined;
}
