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
