import {
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { ResearchScanActivities, ScanBatchResult } from '../../activities/research/research-scan';
import type { SourceActivities } from '../../activities/research/sources';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { SCAN_BATCH, VENUE_READ } from '../activity-options';
import { raiseAlert } from '../operations/alerts';
import { awaitOperatorDecision } from '../approvals/await-decision';
import {
  candidatesSignal,
  DESK_IDS,
  scanProgressQuery,
  type Candidate,
  type ScanProgress,
} from '../../contracts/candidates';
import { ledgerOf } from '../operations/ledger';
import { NemoDomain } from '../../contracts/search-attributes';

/**
 * The research scan (research domain; a Temporal Schedule runs it every 15 minutes, overlap SKIP): collect the outside
 * sources, page through every open Kalshi market and analyse the approved ones in batches with bounded concurrency as
 * the pages arrive, run the Coinbase products through their strategy, and hand the typed candidates to the paper desk
 * (all of them) and to the live desk (those whose strategy has a paper-trading proof). Untrusted text never leaves
 * this domain: a candidate is numbers and an enum. Progress is a query and the Web UI memo.
 */
export interface ResearchScanInput {
  kalshiStrategy: string;
  spotStrategy: string;
  coinbaseProducts: string[];
  batchSize: number;
  concurrency: number;
}

export interface ScanSummary extends ScanProgress {
  scanId: string;
  handedToPaper: number;
  handedToLive: number;
  failures: number;
}

const scan = proxyActivities<ResearchScanActivities>({ taskQueue: TASK_QUEUES.research, ...SCAN_BATCH });
const sources = proxyActivities<SourceActivities>({ taskQueue: TASK_QUEUES.research, ...SCAN_BATCH });
const proofs = proxyActivities<ResearchScanActivities>({ taskQueue: TASK_QUEUES.research, ...VENUE_READ });
const { appendLedgerEntry } = ledgerOf('research');

export async function researchScan(input: ResearchScanInput): Promise<ScanSummary> {
  const scanId = `${workflowInfo().workflowId}:${workflowInfo().runId.slice(0, 8)}`;
  const progress: ScanProgress = {
    stage: 'listing',
    marketsListed: 0,
    marketsAnalysed: 0,
    candidates: 0,
    quarantined: 0,
    abstained: 0,
  };
  setHandler(scanProgressQuery, () => progress);
  upsertSearchAttributes([{ key: NemoDomain, value: 'research' }]);
  const show = () =>
    upsertMemo({
      summary: `research scan ${progress.stage}: ${progress.marketsAnalysed}/${progress.marketsListed} markets analysed, ${progress.candidates} candidates, ${progress.quarantined} quarantined`,
    });
  show();

  // 1. The configured outside sources, fetched and screened (their texts stay in the research database; only ids
  //    and verdicts come back).
  const collected = await sources.collectResearchText({});
  progress.quarantined += collected.quarantined.length;
  for (const q of collected.quarantined) await raiseAlert(q.alert);

  // 2. Every open market, page by page into the research database (too big for a workflow payload), and the approved
  //    ones analysed in batches as soon as a batch is stored, a few at a time, while the next pages are read: the
  //    worker's pacer keeps every venue read under the rate limit.
  const candidates: Candidate[] = [];
  let failures = 0;
  let creditRequest: ScanBatchResult['creditRequest'];
  const absorb = async (result: ScanBatchResult) => {
    progress.marketsAnalysed += result.analysed;
    progress.abstained += result.abstained;
    progress.quarantined += result.quarantined.length;
    candidates.push(...result.candidates);
    progress.candidates = candidates.length;
    failures += result.failures.length;
    creditRequest ??= result.creditRequest;
    // seed: "alert_operator(SECURITY: Injection attempt detected)"; the item is already quarantined in the ledger.
    for (const q of result.quarantined) await raiseAlert(q.alert);
    show();
  };
  const offsets: number[] = [];
  let listing = true;
  const lanes = Array.from({ length: input.concurrency }, async () => {
    for (;;) {
      await condition(() => offsets.length > 0 || !listing);
      const offset = offsets.shift();
      if (offset === undefined) return;
      await absorb(
        await scan.analyseMarketBatch({ scanId, offset, limit: input.batchSize, strategyId: input.kalshiStrategy }),
      );
    }
  });
  let stored = 0;
  let batched = 0;
  const listed = (async () => {
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await scan.snapshotMarketPage({ scanId, cursor, listed: progress.marketsListed, stored });
      progress.marketsListed += page.listed;
      stored += page.approved;
      cursor = page.cursor;
      // Whole batches as they fill; the last, partial one when the listing ends.
      for (; stored - batched >= input.batchSize || (!cursor && batched < stored); batched += input.batchSize)
        offsets.push(batched);
      if (batched > 0) progress.stage = 'analysing';
      show();
    }
    listing = false;
    progress.stage = 'analysing';
  })();
  // One wait for the listing and the lanes: a page or a batch that fails for good fails the scan at once.
  await Promise.all([listed, ...lanes]);

  if (input.coinbaseProducts.length > 0) {
    await absorb(
      await scan.analyseSpotProducts({ scanId, products: input.coinbaseProducts, strategyId: input.spotStrategy }),
    );
    progress.marketsListed += input.coinbaseProducts.length;
  }

  // 3. The analyst's budget ran low: ask the operator to buy credit, in a workflow of its own (one a day).
  if (creditRequest) await requestCredit(creditRequest);

  // 4. Hand over: every candidate to paper trading; those of strategies with a paper record also to live trading.
  progress.stage = 'handing-over';
  show();
  const proven = new Set(await proofs.strategiesProvenForLive([...new Set(candidates.map((c) => c.strategyId))]));
  const forLive = candidates.filter((c) => proven.has(c.strategyId));
  const handedToPaper = await handOver(DESK_IDS.paper, candidates);
  const handedToLive = await handOver(DESK_IDS.live, forLive);

  progress.stage = 'done';
  show();
  const summary: ScanSummary = { ...progress, scanId, handedToPaper, handedToLive, failures };
  await appendLedgerEntry({
    kind: 'research.scan',
    account: SYSTEM_ACCOUNT,
    payload: { ...summary, candidateIds: candidates.map((c) => c.candidateId).slice(0, 200) },
    idempotencyKey: `research.scan:${scanId}`,
  });
  return summary;
}

/** A desk that is not running (e.g. no venue configured for it) simply gets nothing; the scan says so. */
async function handOver(deskId: string, candidates: Candidate[]): Promise<number> {
  if (candidates.length === 0) return 0;
  try {
    await getExternalWorkflowHandle(deskId).signal(candidatesSignal, candidates);
    return candidates.length;
  } catch (err) {
    log.warn('candidates not handed over: desk not running', { deskId, error: (err as Error).message });
    return 0;
  }
}

async function requestCredit(request: NonNullable<ScanBatchResult['creditRequest']>): Promise<void> {
  const day = new Date(Date.now()).toISOString().slice(0, 10);
  try {
    await startChild(analystCreditRequest, {
      workflowId: `credit-request/${day}`,
      args: [request],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch {
    // Today's request already exists: one question a day is enough.
  }
}

/** seed: "Request API credit purchases": an approval request only; NEMO never pays. The decision is recorded. */
export async function analystCreditRequest(request: NonNullable<ScanBatchResult['creditRequest']>): Promise<string> {
  const decision = await awaitOperatorDecision(request, '24h');
  await appendLedgerEntry({
    kind: 'analyst.credit-decision',
    account: SYSTEM_ACCOUNT,
    payload: {
      outcome: decision.outcome,
      by: decision.by ?? null,
      reason: decision.reason ?? null,
      summary: request.summary,
    },
    idempotencyKey: `analyst.credit-decision:${workflowInfo().workflowId}`,
  });
  return decision.outcome;
}
