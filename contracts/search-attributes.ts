import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** NEMO's search attributes, so the Web UI can filter workflows by domain, strategy, venue, market and trading state. */
export const NEMO_SEARCH_ATTRIBUTES = [
  { name: 'NemoDomain', type: 'Keyword' },
  { name: 'NemoStrategy', type: 'Keyword' },
  { name: 'NemoMarket', type: 'Keyword' },
  { name: 'NemoState', type: 'Keyword' },
  { name: 'NemoVenue', type: 'Keyword' },
] as const;

export const NemoDomain = defineSearchAttributeKey('NemoDomain', SearchAttributeType.KEYWORD);
export const NemoStrategy = defineSearchAttributeKey('NemoStrategy', SearchAttributeType.KEYWORD);
export const NemoMarket = defineSearchAttributeKey('NemoMarket', SearchAttributeType.KEYWORD);
export const NemoState = defineSearchAttributeKey('NemoState', SearchAttributeType.KEYWORD);
/** kalshi or coinbase: guardians, trades and backtests (NemoMarket is a market, e.g. KXBTCD-... or BTC-USD). */
export const NemoVenue = defineSearchAttributeKey('NemoVenue', SearchAttributeType.KEYWORD);
