import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { riskPolicyFrom } from '../../platform/risk-config';
import { isApprovedMarket } from '../../policies/approved-markets';
import { proofProblems } from '../../policies/proof-check';
import { decideNow } from '../../strategies/market-view';
import { decideWithProvenance, type DecideWith } from '../../strategies/provenance-decision';
import { strategyById } from '../../strategies/registry';
import { seriesFromBars, type Bar } from '../../strategies/series';
import type { Signal, Strategy } from '../../strategies/types';
import type { Candidate } from '../../contracts/candidates';
import type { WorkerContext } from '../../platform/worker-context';
import { activityCallKey } from './analyst';
import { BudgetMeter } from './analyst/budget';
import type { AnalystDeps } from './analyst/deps';
import { estimateWithProvenance, outsideExcerpt, type EstimatesOutcome } from './analyst/estimate-with-provenance';
import type { VenuePorts } from '../venues/credentials';
import { toActivityFailure } from '../venues/venue-errors';
import { MAX_LIST_ITEMS, type MarketPage, type PriceBar, type VenueMarket, type VenuePort } from '../venues/venue-port';
import { createLedgerReadActivities } from '../trading/ledger-reads';
import { documentsAbout, recentAcceptedDocuments } from './sources/documents-store';
import { screenAllForModel, type Detection } from './sources/screening';
import type { TextVerdict } from './sources/verdicts-store';
import { PriceHistoryCache } from './price-history-cache';
import { VenuePacer } from './venue-pacer';

/**
 * The research scan's work (research domain, read-only): snapshot every open market, then analyse the approved ones
 * in batches: screen the market's text (untrusted), ask the analyst for a probability from trusted inputs and, when
 * outside documents speak of the market, one that also reads them (the text reaches only the analyst, inside data
 * blocks), feed the numbers to the strategy under the provenance rule (outside text may only lower a probability),
 * and keep the typed candidates. Venue reads are paced below the venue's rate limit, shared by every batch this
 * worker runs.
 */
export interface ScanBatchResult {
  analysed: number;
  candidates: Candidate[];
  quarantined: Detection[];
  abstained: number;
  failures: { market: string; error: string }[];
  /** The analyst's budget is low: the workflow asks the operator for credit (it never buys). */
  creditRequest?: NonNullable<EstimatesOutcome['creditRequest']>;
}

/** One page of the listing, snapshotted: how many markets it listed and approved, and the next page's cursor. */
export interface MarketSnapshotPage {
  listed: number;
  approved: number;
  cursor?: string;
}

const HISTORY_HOURS = 48;
/** Kalshi's GET /markets/candlesticks takes up to 100 tickers: one paced read per hundred markets. */
const HISTORY_TICKERS_PER_READ = 100;
/** Analyses of one batch in flight at once (bounded so the analyst's budget checks and the LLM see a few at a time). */
const ANALYSES_AT_ONCE = 8;
/** Outside documents older than this are not weighed. */
const DOCUMENTS_HOURS = 24;
const decimal = (value: number, places: number) => value.toFixed(places);

function midOf(market: VenueMarket): number | undefined {
  const bid = Number(market.bestBid);
  const ask = Number(market.bestAsk);
  if (bid > 0 && ask > 0) return (bid + ask) / 2;
  const last = Number(market.lastPrice);
  return last > 0 ? last : undefined;
}

function toCandidate(
  scanId: string,
  strategy: Strategy,
  market: VenueMarket | { venue: 'coinbase'; market: string; bestBid?: string; bestAsk?: string },
  signal: Signal,
  proofId: string | undefined,
): Candidate {
  const places = strategy.venue === 'kalshi' ? 4 : 8;
  return {
    candidateId: `${scanId}:${strategy.id}:${market.venue}:${market.market}`,
    venue: market.venue,
    market: market.market,
    side: signal.side,
    probability: signal.probability,
    expectedValue: signal.expectedValue,
    price: decimal(signal.price, places),
    bid: market.bestBid,
    ask: market.bestAsk,
    strategyId: strategy.id,
    strategyVersion: strategy.version,
    proofId,
    rationale: signal.rationale.slice(0, 500),
    exit: signal.exit
      ? { takeProfit: decimal(signal.exit.takeProfit, places), stopLoss: decimal(signal.exit.stopLoss, places) }
      : undefined,
    scannedAt: new Date().toISOString(),
  };
}

function barsOf(
  history: { start: string; close: string; volume: string; open: string; high: string; low: string }[],
): Bar[] {
  return history
    .map((b) => ({
      time: Date.parse(b.start),
      close: Number(b.close),
      volume: Number(b.volume),
      open: Number(b.open),
      high: Number(b.high),
      low: Number(b.low),
    }))
    .filter((b) => b.close > 0);
}

export interface ScanDeps {
  ctx: Pick<WorkerContext, 'ledgerPool' | 'config' | 'secrets' | 'domain'>;
  ports: VenuePorts;
}

export function createResearchScanActivities({ ctx, ports }: ScanDeps) {
  // The risk policy only pre-filters here (approved markets, proof): the guardians enforce it.
  const policy = () => riskPolicyFrom(ctx.config);
  // One budget meter for every batch this worker analyses: today's spend is read once a second, not once per market.
  const analyst: AnalystDeps = {
    pool: ctx.ledgerPool,
    config: ctx.config,
    secrets: ctx.secrets,
    budget: new BudgetMeter(ctx.ledgerPool),
  };
  const pacer = new VenuePacer(ctx.config.NEMO_SCAN_READS_PER_SECOND);
  const priceHistories = new PriceHistoryCache();
  const reads = createLedgerReadActivities(ctx.ledgerPool, ctx.domain);
  const portOf = (venue: 'kalshi' | 'coinbase'): VenuePort => {
    const port = ports[venue];
    if (!port)
      throw ApplicationFailure.nonRetryable(`research holds no ${venue} market-data access`, 'VenueNotConfigured');
    return port;
  };
  const proofIdFor = async (strategy: Strategy) =>
    (await reads.findStrategyProof(strategy.id, ['backtest', 'paper']))?.proofId;

  return {
    /**
     * capability 'market-data.read': one page of the open Kalshi markets into the scan's snapshot (the first page
     * also drops old snapshots), its approved markets stored from position `stored` on: a retry stores the same page
     * in the same places. The workflow analyses a batch as soon as it is stored, while later pages are read.
     */
    async snapshotMarketPage(request: {
      scanId: string;
      cursor?: string;
      /** Markets listed and approved markets stored by the pages before. */
      listed: number;
      stored: number;
    }): Promise<MarketSnapshotPage> {
      let page: MarketPage;
      try {
        await pacer.take('kalshi');
        page = await portOf('kalshi').listMarketPage(
          { status: 'open', limit: MAX_LIST_ITEMS - request.listed },
          request.cursor,
        );
      } catch (err) {
        throw toActivityFailure(err);
      }
      const { approvedMarkets } = policy();
      const approved = page.markets.filter((m) => isApprovedMarket(approvedMarkets, 'kalshi', m.market));
      const client = await ctx.ledgerPool.connect();
      try {
        await client.query('BEGIN');
        // Old snapshots are only useful while their scan runs.
        if (request.cursor === undefined)
          await client.query(`DELETE FROM scan_markets WHERE scanned_at < now() - interval '2 days'`);
        await client.query('DELETE FROM scan_markets WHERE scan_id = $1 AND position >= $2', [
          request.scanId,
          request.stored,
        ]);
        for (let i = 0; i < approved.length; i += 500) {
          const chunk = approved.slice(i, i + 500);
          const values = chunk.map(
            (_, j) =>
              `($1, $${j * 7 + 2}, 'kalshi', $${j * 7 + 3}, $${j * 7 + 4}, $${j * 7 + 5}, $${j * 7 + 6}, $${j * 7 + 7}, $${j * 7 + 8})`,
          );
          await client.query(
            `INSERT INTO scan_markets (scan_id, position, venue, market, title, best_bid, best_ask, last_price, closes_at) VALUES ${values.join(', ')}`,
            [
              request.scanId,
              ...chunk.flatMap((m, j) => [
                request.stored + i + j,
                m.market,
                m.title,
                m.bestBid ?? null,
                m.bestAsk ?? null,
                m.lastPrice ?? null,
                m.closesAt ?? null,
              ]),
            ],
          );
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      const listed = request.listed + page.markets.length;
      return {
        listed: page.markets.length,
        approved: approved.length,
        cursor: listed < MAX_LIST_ITEMS ? page.cursor : undefined,
      };
    },

    /** capability 'analyst.ask': one batch of the snapshot, screened, estimated and decided. */
    async analyseMarketBatch(request: {
      scanId: string;
      offset: number;
      limit: number;
      strategyId: string;
    }): Promise<ScanBatchResult> {
      const strategy = strategyById(request.strategyId);
      const proofId = await proofIdFor(strategy);
      const { rows } = await ctx.ledgerPool.query<{
        market: string;
        title: string;
        best_bid: string | null;
        best_ask: string | null;
        last_price: string | null;
        closes_at: Date | null;
      }>(
        `SELECT market, title, best_bid, best_ask, last_price, closes_at FROM scan_markets WHERE scan_id = $1 AND position >= $2 ORDER BY position LIMIT $3`,
        [request.scanId, request.offset, request.limit],
      );
      const result: ScanBatchResult = { analysed: 0, candidates: [], quarantined: [], abstained: 0, failures: [] };
      const callKey = activityCallKey();
      const documents = await recentAcceptedDocuments(
        ctx.ledgerPool,
        new Date(Date.now() - DOCUMENTS_HOURS * 3600_000),
      );
      const markets: VenueMarket[] = rows.map((row) => ({
        venue: 'kalshi',
        market: row.market,
        title: row.title,
        status: 'open',
        bestBid: row.best_bid ?? undefined,
        bestAsk: row.best_ask ?? undefined,
        lastPrice: row.last_price ?? undefined,
        closesAt: row.closes_at?.toISOString(),
      }));
      // 1. Each listing's current title, screened before anything is read for it, the whole batch in one pass (the
      //    analyst below takes these verdicts instead of reading them again).
      const screened: VenueMarket[] = [];
      const verdicts = new Map<string, TextVerdict>();
      try {
        const listings = await screenAllForModel(
          analyst,
          markets.map((m) => ({ source: 'kalshi-market', externalId: m.market, text: m.title })),
          callKey,
        );
        listings.forEach((listing, i) => {
          verdicts.set(listing.textHash, listing.verdict);
          if (listing.status === 'quarantined') {
            if (listing.detection) result.quarantined.push(listing.detection);
          } else screened.push(markets[i]!);
        });
      } catch (err) {
        for (const market of markets)
          result.failures.push({ market: market.market, error: (err as Error).message.slice(0, 300) });
      }
      const batchAnalyst: AnalystDeps = { ...analyst, screened: verdicts };
      // 2. Their price histories in as few venue reads as the API allows (100 tickers a request), each paced, from the
      //    last bar this worker already holds of them.
      const now = Date.now();
      const window = {
        from: new Date(now - HISTORY_HOURS * 3600_000).toISOString(),
        to: new Date(now).toISOString(),
        interval: '1h' as const,
      };
      const histories = new Map<string, PriceBar[]>();
      for (let i = 0; i < screened.length; i += HISTORY_TICKERS_PER_READ) {
        const tickers = screened.slice(i, i + HISTORY_TICKERS_PER_READ).map((m) => m.market);
        try {
          await pacer.take('kalshi');
          for (const [market, bars] of await priceHistories.read(portOf('kalshi'), tickers, window))
            histories.set(market, bars);
        } catch (err) {
          for (const market of tickers) result.failures.push({ market, error: (err as Error).message.slice(0, 300) });
        }
      }
      // 3. The markets with a history analysed a few at a time: the analyst calls overlap (an LLM's answer takes seconds).
      let analysing = 0;
      const analyse = async (market: VenueMarket) => {
        try {
          const history = histories.get(market.market)!;
          const mid = midOf(market);
          const { estimate, quarantined, creditRequest } = await estimateWithProvenance(
            batchAnalyst,
            {
              market: {
                venue: 'kalshi',
                id: market.market,
                title: market.title,
                closesAt: market.closesAt,
                yesPrice: mid,
              },
              recentPrices: history.map((b) => Number(b.close)).filter((p) => p > 0 && p < 1),
            },
            documentsAbout(documents, market),
            `${callKey}:${market.market}`,
          );
          result.quarantined.push(...quarantined);
          if (creditRequest && !result.creditRequest) result.creditRequest = creditRequest;
          result.analysed += 1;
          Context.current().heartbeat({ market: market.market, analysed: ++analysing });
          if (estimate.kind === 'abstain' || mid === undefined) {
            result.abstained += 1;
            return;
          }
          const bars = barsOf(history).filter((b) => b.time < now);
          const decideWith: DecideWith = (inputs) =>
            decideNow(
              strategy,
              seriesFromBars('kalshi', market.market, [
                ...bars,
                {
                  time: now,
                  close: mid,
                  volume: 0,
                  bid: Number(market.bestBid) || undefined,
                  ask: Number(market.bestAsk) || undefined,
                  inputs: { ...inputs },
                },
              ]),
            );
          const decision = decideWithProvenance(decideWith, estimate.trustedYes, estimate.outside?.yes);
          if (decision.kind === 'signal')
            result.candidates.push(toCandidate(request.scanId, strategy, market, decision.signal, proofId));
          if (decision.kind === 'endorsable' && estimate.outside) {
            const { trustedProbability, outsideProbability } = decision;
            result.candidates.push({
              ...toCandidate(
                request.scanId,
                strategy,
                market,
                {
                  ...decision.signal,
                  probability: trustedProbability,
                  rationale: `outside text would raise ${decision.signal.side.toUpperCase()} from ${trustedProbability.toFixed(3)} to ${outsideProbability.toFixed(3)}: ${decision.signal.rationale}`,
                },
                proofId,
              ),
              endorsement: {
                trustedProbability,
                outsideProbability,
                documentIds: estimate.outside.documentIds,
                excerpt: await outsideExcerpt(analyst, estimate.outside.documentIds),
              },
            });
          }
        } catch (err) {
          result.failures.push({ market: market.market, error: (err as Error).message.slice(0, 300) });
        }
      };
      const queue = screened.filter((m) => histories.has(m.market));
      await Promise.all(
        Array.from({ length: Math.min(ANALYSES_AT_ONCE, queue.length) }, async () => {
          for (let market = queue.shift(); market; market = queue.shift()) await analyse(market);
        }),
      );
      return result;
    },

    /** capability 'market-data.read': the configured Coinbase products through a candle strategy. */
    async analyseSpotProducts(request: {
      scanId: string;
      products: string[];
      strategyId: string;
    }): Promise<ScanBatchResult> {
      const strategy = strategyById(request.strategyId);
      const proofId = await proofIdFor(strategy);
      const result: ScanBatchResult = { analysed: 0, candidates: [], quarantined: [], abstained: 0, failures: [] };
      for (const product of request.products) {
        try {
          await pacer.take('coinbase');
          const now = Date.now();
          const hours = Math.max(strategy.warmup + 2, HISTORY_HOURS);
          const history = await portOf('coinbase').getPriceHistory({
            market: product,
            from: new Date(now - hours * 3600_000).toISOString(),
            to: new Date(now).toISOString(),
            interval: '1h',
          });
          await pacer.take('coinbase');
          const book = await portOf('coinbase').getOrderBook(product, 1);
          result.analysed += 1;
          const signal = decideNow(strategy, seriesFromBars('coinbase', product, barsOf(history)));
          if (signal) {
            result.candidates.push(
              toCandidate(
                request.scanId,
                strategy,
                { venue: 'coinbase', market: product, bestBid: book.bids[0]?.price, bestAsk: book.asks[0]?.price },
                signal,
                proofId,
              ),
            );
          }
        } catch (err) {
          result.failures.push({ market: product, error: (err as Error).message.slice(0, 300) });
        }
      }
      return result;
    },

    /** capability 'ledger.read': the strategies whose latest proof passes the live domain's check (paper record). */
    async strategiesProvenForLive(strategyIds: string[]): Promise<string[]> {
      const proven: string[] = [];
      for (const id of strategyIds) {
        const strategy = strategyById(id);
        const proof = await reads.findStrategyProof(id, ['paper']);
        if (
          proofProblems(proof, { strategyId: id, strategyVersion: strategy.version }, 'live', policy().proof).length ===
          0
        )
          proven.push(id);
      }
      return proven;
    },
  };
}

export type ResearchScanActivities = ReturnType<typeof createResearchScanActivities>;
