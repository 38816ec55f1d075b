import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Venue } from '../policies/orders';

/**
 * A research scan's typed output: a number, an enum and a short rationale per market, never an instruction. The
 * text that informed it stays in the research domain; the desks and the order path see only these fields.
 */
export interface Candidate {
  /** Unique per scan, strategy and market: a desk acts on a candidate once. */
  candidateId: string;
  venue: Venue;
  market: string;
  side: 'yes' | 'no' | 'buy' | 'sell';
  probability: number;
  /** Expected profit after fees per dollar committed. */
  expectedValue: number;
  /** The price the estimate assumed, as an exact decimal: Kalshi the side's price, Coinbase the last price. */
  price: string;
  /** The market's YES bid and ask (Kalshi) or best bid and ask (Coinbase) when the scan saw them. */
  bid?: string;
  ask?: string;
  strategyId: string;
  strategyVersion: string;
  /** The proof the strategy holds for the desk's domain, when the scan found one. */
  proofId?: string;
  rationale: string;
  exit?: { takeProfit: string; stopLoss: string };
  scannedAt: string;
  /**
   * Set when only outside text would make this trade: `probability` is then the side's probability from trusted
   * inputs, and the trade goes ahead only if the operator endorses the outside text (the trade workflow asks).
   */
  endorsement?: Endorsement;
}

/** What the operator is asked to endorse: outside text that would raise a side's probability enough to buy it. */
export interface Endorsement {
  trustedProbability: number;
  outsideProbability: number;
  documentIds: string[];
  /** The start of the first document (screened and accepted outside text), shown to the operator as a quotation. */
  excerpt: string;
}

export const candidatesSignal = defineSignal<[Candidate[]]>('candidates');

/** The two trading desks: long-running entity workflows that turn candidates into trades. */
export const DESK_IDS = { paper: 'desk/paper', live: 'desk/live' } as const;

export interface ScanProgress {
  stage: 'listing' | 'screening' | 'analysing' | 'handing-over' | 'done';
  marketsListed: number;
  marketsAnalysed: number;
  candidates: number;
  quarantined: number;
  abstained: number;
}

export const scanProgressQuery = defineQuery<ScanProgress>('scanProgress');
