import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { controlActivities } from '../../activities/control-domain';
import { researchActivities } from '../../activities/research-domain';
import { createResearchScanActivities } from '../../activities/research/research-scan';
import type { NemoConfig } from '../../platform/config';
import { TASK_QUEUES } from '../../policies/domains';
import { SIMULATED_SERIES } from '../../simulators/kalshi/markets';
import { KALSHI_API_PREFIX } from '../../simulators/kalshi/server';
import type { ScanSummary } from '../../workflows/research/research-scan';
import { startTestVenues } from '../support/loopback-venues';
import { testAppPool, testClient, testConfig } from '../support/stack';
import { startDomainWorkers } from '../support/workers';

/**
 * The research scan reads the listing a page at a time and analyses each stored batch while the next pages are read
 * (issue 15 E): 2,500 open markets in three pages, every market analysed once, one venue read per page and per
 * hundred markets; the next scan reads each market's bars from the last one the worker holds; a page activity that
 * runs again (a retry) stores its markets in the same places.
 */
describe('research scan: listing and analysis overlap, page by page', () => {
  let config: NemoConfig;
  let client: Client;
  let pool: pg.Pool;
  let venues: Awaited<ReturnType<typeof startTestVenues>>;

  before(async () => {
    venues = await startTestVenues({ kalshiMarkets: 2_500 });
    config = await testConfig({
      ...venues.config,
      NEMO_APPROVED_MARKETS: SIMULATED_SERIES.map((s) => `kalshi:${s}-*`).join(','),
      // Below the loopback venue's 20 market-data reads a second per address: a scan with its bars held reads that fast.
      NEMO_SCAN_READS_PER_SECOND: '15',
    });
    client = await testClient(config);
    pool = testAppPool(config.DATABASE_URL);
    await startDomainWorkers(config, [
      { domain: 'control', activities: controlActivities },
      { domain: 'research', activities: researchActivities, secrets: venues.secretsFor('research') },
    ]);
  });

  /** The statistical scan of every approved market, in batches of 100, four at once. */
  const startScan = (name: string) =>
    client.workflow.start('researchScan', {
      taskQueue: TASK_QUEUES.research,
      workflowId: `${name}-${process.pid}`,
      args: [
        {
          kalshiStrategy: 'kalshi-mispricing',
          spotStrategy: 'coinbase-ma-crossover',
          coinbaseProducts: [],
          batchSize: 100,
          concurrency: 4,
        },
      ],
    });

  it('analyses the first batches before the last page is listed, and every market once', async () => {
    const control = venues.control.kalshi.production;
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    const handle = await startScan('scan-pipeline');
    const summary = (await handle.result()) as ScanSummary;
    assert.equal(summary.marketsListed, 2_500);
    assert.equal(summary.marketsAnalysed, 2_500);
    assert.equal(summary.failures, 0);

    const reads = await control.requests(since);
    assert.equal(reads.filter((r) => r.path.endsWith('/markets')).length, 3, 'three listing pages');
    assert.equal(reads.filter((r) => r.path.endsWith('/candlesticks')).length, 25, 'one read per hundred markets');

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = (type: string) =>
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => e.eventId);
    const pages = scheduled('snapshotMarketPage').map(String);
    const batches = scheduled('analyseMarketBatch');
    assert.equal(pages.length, 3);
    assert.equal(batches.length, 25);
    const lastPageDone = events.find(
      (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === pages.at(-1),
    )!;
    assert.ok(
      Number(batches[0]) < Number(lastPageDone.eventId),
      'the first batch is scheduled before the last page is stored',
    );
  });

  it('scans again from the bars the worker holds: every market analysed, each read asking only the last hours', async () => {
    const control = venues.control.kalshi.production;
    const since = (await control.requests()).at(-1)?.seq ?? 0;
    const summary = (await (await startScan('scan-again')).result()) as ScanSummary;
    assert.equal(summary.marketsAnalysed, 2_500);
    assert.equal(summary.failures, 0);
    const candles = (await control.requests(since)).filter((r) => r.path.endsWith('/candlesticks'));
    assert.equal(candles.length, 25, 'as many reads as the first scan');
    const startHoursAgo = candles.map(
      (r) => (Date.now() / 1000 - Number(new URLSearchParams(r.query).get('start_ts'))) / 3600,
    );
    assert.ok(
      startHoursAgo.every((h) => h < 2),
      `each read starts at the last bar held, not two days back: ${startHoursAgo.map((h) => h.toFixed(1)).join(', ')}`,
    );
  });

  it('fails at once, naming the answer, when a listing page is malformed while the lanes wait for batches', async () => {
    const control = venues.control.kalshi.production;
    await control.addFault({ kind: 'malformed-json', path: `^${KALSHI_API_PREFIX}/markets$`, times: 1 });
    const handle = await startScan('scan-malformed');
    await assert.rejects(handle.result(), (e: unknown) => {
      const failure = (e as WorkflowFailedError).cause?.cause as { type?: string; message?: string } | undefined;
      return (
        e instanceof WorkflowFailedError &&
        failure?.type === 'MalformedVenueResponse' &&
        /listMarkets: malformed response/.test(String(failure.message))
      );
    });
    // Not retried (a malformed answer is not retryable), no batch started: the waiting lanes did not hold the scan.
    const events = (await handle.fetchHistory()).events ?? [];
    const started = events.filter((e) => e.activityTaskStartedEventAttributes);
    assert.deepEqual(
      started.map((e) => e.activityTaskStartedEventAttributes!.attempt),
      [1, 1],
      'collectResearchText, then the first page once',
    );
    assert.ok(!events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'analyseMarketBatch'));
  });

  it('stores a page again in the same places when its activity runs twice, one row per market', async () => {
    const scan = createResearchScanActivities({
      ctx: { ledgerPool: pool, config, secrets: venues.secretsFor('research'), domain: 'research' },
      ports: venues.portsFor('research'),
    });
    const scanId = `page-retry-${process.pid}`;
    const rows = async () =>
      (
        await pool.query<{ n: number; markets: number; first: number; last: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT market)::int AS markets, min(position) AS first, max(position) AS last
             FROM scan_markets WHERE scan_id = $1`,
          [scanId],
        )
      ).rows[0]!;

    const first = await scan.snapshotMarketPage({ scanId, listed: 0, stored: 0 });
    assert.deepEqual(await scan.snapshotMarketPage({ scanId, listed: 0, stored: 0 }), first, 'the same page again');
    assert.equal(first.listed, 1_000);
    assert.ok(first.cursor, 'more pages follow');
    const next = { scanId, cursor: first.cursor, listed: first.listed, stored: first.approved };
    const second = await scan.snapshotMarketPage(next);
    await scan.snapshotMarketPage(next);
    const stored = first.approved + second.approved;
    assert.ok(stored > 1_000);
    assert.deepEqual(await rows(), { n: stored, markets: stored, first: 0, last: stored - 1 });
  });
});
