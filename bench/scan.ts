/**
 * The research scan over the SIMULATED Kalshi's 5,000 markets: the real researchScan workflow on a real Temporal dev
 * server, the real research worker (its pacer at the configured reads per second) and the loopback venue (a process of
 * its own, as under `nemo up`, so serving the reads does not share the worker's event loop); first with
 * the built-in statistical analyst, then with the loopback LLM (an Anthropic fake) so the operator sees what a scan
 * costs in time and in LLM budget. Printed next to the rate-limit floor: the venue reads the scan needed divided by
 * the reads it may make per second (target: under 10 s, within 1.2x of the floor).
 *
 *   npx tsx bench/scan.ts [markets, default 5000]
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { venuePortsFor } from '../activities/venues/credentials';
import { researchActivities } from '../activities/research-domain';
import { loadConfig, type NemoConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { appPool } from '../platform/postgres/postgres';
import type { SecretSource } from '../platform/secrets';
import { connectClient, nemoTemporalTarget } from '../platform/temporal/temporal-connection';
import { TASK_QUEUES } from '../policies/domains';
import { startAnthropicFake } from '../simulators/anthropic/server';
import type { ResearchScanInput, ScanSummary } from '../workflows/research/research-scan';
import { createDomainWorker } from '../workers/domain-worker';
import { startBenchStack, startBenchVenues, withHomeLedgerKey } from './bench-stack';
import { CpuMeter, pidsNamed } from './cpu-meter';
import { machineLine } from './machine';

const MARKETS = Number(process.argv[2] ?? 5000);
const LLM_KEY = 'sk-bench-scan';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const at = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

interface ScanRun {
  summary: ScanSummary;
  seconds: number;
  /** From the start to the first analysed batch (the first candidates an operator could see). */
  firstBatchSeconds: number;
  /** From the start to the last analysed batch (the last candidate found). */
  lastCandidateSeconds: number;
  venueReads: number;
  /** CPU ms each part of the stack spent during the scan. */
  cpu: Record<string, number>;
}

/** Runs `count` scans one after the other on one research worker (the later ones find the bars the first read). */
async function runScans(
  config: NemoConfig,
  secrets: SecretSource,
  control: { requests(since?: number): Promise<{ seq: number }[]> },
  meter: CpuMeter,
  label: string,
  count = 1,
): Promise<ScanRun[]> {
  const logger = createLogger({
    name: `bench-research-${label}`,
    level: 'warn',
    logDir: path.join(config.NEMO_HOME!, 'logs'),
    stdout: false,
  });
  const { worker, close } = await createDomainWorker({ domain: 'research', activities: researchActivities }, config, {
    logger,
    secrets,
  });
  const client: Client = await connectClient(nemoTemporalTarget(config, {}));
  const input: ResearchScanInput = {
    kalshiStrategy: 'kalshi-mispricing',
    spotStrategy: 'coinbase-ma-crossover',
    coinbaseProducts: [],
    batchSize: config.NEMO_SCAN_BATCH_SIZE,
    concurrency: config.NEMO_SCAN_CONCURRENCY,
  };
  const scan = async (n: number): Promise<ScanRun> => {
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    const cpuBefore = meter.read();
    const started = Date.now();
    const handle = await client.workflow.start('researchScan', {
      taskQueue: TASK_QUEUES.research,
      workflowId: `bench-scan-${label}-${n}-${process.pid}`,
      args: [input],
    });
    const summary = (await handle.result()) as ScanSummary;
    const seconds = (Date.now() - started) / 1000;
    const cpuAfter = meter.read();
    const events = (await handle.fetchHistory()).events ?? [];
    const batches = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'analyseMarketBatch')
        .map((e) => Number(e.eventId)),
    );
    const analysed = events.filter((e) =>
      batches.has(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
    );
    const [firstBatch, lastBatch] = [analysed[0], analysed.at(-1)];
    const venueReads = (await control.requests(since)).length;
    return {
      summary,
      seconds,
      firstBatchSeconds: firstBatch ? (at(firstBatch) - started) / 1000 : seconds,
      lastCandidateSeconds: lastBatch ? (at(lastBatch) - started) / 1000 : seconds,
      venueReads,
      cpu: CpuMeter.used(cpuBefore, cpuAfter),
    };
  };
  try {
    return await worker.runUntil(async () => {
      const runs: ScanRun[] = [];
      for (let n = 1; n <= count; n++) runs.push(await scan(n));
      return runs;
    });
  } finally {
    await client.connection.close();
    await close();
  }
}

function report(label: string, run: ScanRun, readsPerSecond: number): { line: string; floor: number } {
  const analysed = run.summary.marketsAnalysed;
  const floor = run.venueReads / readsPerSecond;
  console.log(
    `  ${label}: ${run.summary.marketsListed} markets listed, ${analysed} analysed (${run.summary.abstained} abstained, ${run.summary.candidates} candidates, ` +
      `${run.summary.failures} failures) in ${run.seconds.toFixed(1)} s = ${(analysed / run.seconds).toFixed(0)} markets/s; first batch analysed at ${run.firstBatchSeconds.toFixed(1)} s, last candidate at ${run.lastCandidateSeconds.toFixed(1)} s; ` +
      `${run.venueReads} venue reads, floor ${floor.toFixed(1)} s at ${readsPerSecond} reads/s (ratio ${(run.seconds / floor).toFixed(2)})`,
  );
  const cpu = Object.entries(run.cpu).map(([part, ms]) => `${part} ${(ms / 1000).toFixed(1)}`);
  const total = Object.values(run.cpu).reduce((sum, ms) => sum + ms, 0) / 1000;
  console.log(
    `    cpu s during the scan: ${cpu.join(', ')} (total ${total.toFixed(1)} in ${run.seconds.toFixed(1)} s of wall time)`,
  );
  return {
    floor,
    line: `scan summary: ${analysed} markets in ${run.seconds.toFixed(1)} s (${(analysed / run.seconds).toFixed(0)} markets/s), ${run.venueReads} venue reads, floor ${floor.toFixed(1)} s (ratio ${(run.seconds / floor).toFixed(2)})`,
  };
}

async function main(): Promise<void> {
  console.log(machineLine());
  const stack = await startBenchStack('scan');
  const { home, server, databaseUrl } = stack;
  const venues = await startBenchVenues(stack, { seed: 'bench-scan', kalshiMarkets: MARKETS });
  const llm = await startAnthropicFake({ apiKey: LLM_KEY });
  const { cleanups } = stack;
  cleanups.unshift(() => llm.close());
  try {
    const research = withHomeLedgerKey(stack, venues.secretsFor('research'));
    const probe = loadConfig({ NEMO_HOME: home, DATABASE_URL: databaseUrl, ...venues.config });
    const open = await venuePortsFor('research', research, probe).kalshi!.listMarkets({ status: 'open', limit: 5000 });
    // Every series of the simulated venue approved, so every open market is analysed.
    const series = [...new Set(open.map((m) => m.market.split('-')[0]!))];
    const config = loadConfig({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: server.address,
      NEMO_LOG_LEVEL: 'warn',
      ...venues.config,
      NEMO_APPROVED_MARKETS: series.map((s) => `kalshi:${s}-*`).join(','),
    });
    const readsPerSecond = config.NEMO_SCAN_READS_PER_SECOND;
    const control = venues.kalshiControl;
    console.log(
      `\nresearch scan of ${open.length} open markets (batches of ${config.NEMO_SCAN_BATCH_SIZE}, ${config.NEMO_SCAN_CONCURRENCY} at once, pacer ${readsPerSecond} reads/s):`,
    );

    // The bench process runs the research worker and the client; the venues have a process of their own.
    const meter = new CpuMeter({
      server: () => [server.process.pid!],
      venues: () => [venues.pid],
      postgres: () => pidsNamed('postgres'),
    });
    const [statistical, next] = await runScans(config, research, control, meter, 'statistical', 2);
    const { line } = report('statistical analyst', statistical!, readsPerSecond);
    report('the next scan on the same worker (bars already held: a bar or two per market read)', next!, readsPerSecond);

    // The same scan with the loopback LLM as the analyst: what a real scan costs in time and budget.
    llm.fallback = (body) =>
      body.tools?.some((t) => t.name === 'report_probability_estimate')
        ? {
            kind: 'tool',
            name: 'report_probability_estimate',
            input: { probability: 0.6, confidence: 0.7, rationale: 'bench analyst' },
          }
        : {
            kind: 'tool',
            name: 'report_screening_verdict',
            input: { injection: false, confidence: 0.9, reason: 'bench reviewer' },
          };
    const llmKey = JSON.stringify({ apiKey: LLM_KEY, baseURL: llm.url });
    const withLlm: SecretSource = {
      get: (entry) => (entry === 'anthropic' ? llmKey : research.get(entry)),
      names: () => [...research.names(), 'anthropic'],
    };
    const calls = llm.requests.length;
    const [llmRun] = await runScans(config, withLlm, control, meter, 'llm');
    report('loopback LLM analyst', llmRun!, readsPerSecond);
    const pool = appPool(databaseUrl);
    const { rows } = await pool.query<{ spent: string }>(
      `SELECT COALESCE(SUM((payload->>'costMicroUsd')::bigint), 0)::text AS spent FROM ledger_entries WHERE kind = 'analyst.usage'`,
    );
    await pool.end();
    console.log(
      `  LLM cost of that scan: ${llm.requests.length - calls} model calls, $${(Number(rows[0]!.spent) / 1e6).toFixed(2)} of the daily budget ` +
        `($${config.NEMO_LLM_DAILY_BUDGET_USD}; the loopback answers at once, a real model takes seconds per call)`,
    );
    console.log(`\ntarget: the statistical scan under 10 s and within 1.2x of the rate-limit floor`);
    console.log(line);
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
