import type { DomainManifest } from './manifest';

/** seed Domain 1: research. Reads markets and text, asks the analyst, backtests; never trades. */
export const researchDomain = {
  name: 'research',
  taskQueue: 'nemo-research',
  purpose: 'Scan markets, analyse data, identify opportunities, backtest',
  risk: 'low',
  may: [
    'market-data.read',
    'web.scrape',
    'analyst.ask',
    'backtest.run',
    'ledger.append',
    'ledger.read',
    'alert.raise',
    'approval.request',
  ],
  secrets: ['venue.readonly', 'llm', 'ledger'],
  mayNot: ['trading execution', 'wallet access', 'external code execution'],
  workflowsModule: 'workflows/research-domain.ts',
  workflows: ['researchScan', 'analystCreditRequest', 'backtest'],
  activities: [
    'listMarkets',
    'getMarket',
    'getOrderBook',
    'getPriceHistory',
    'runBacktest',
    'saveMarketBars',
    'estimateProbability',
    'collectResearchText',
    'screenUntrustedText',
    'snapshotMarketPage',
    'analyseMarketBatch',
    'analyseSpotProducts',
    'strategiesProvenForLive',
  ],
} as const satisfies DomainManifest;
