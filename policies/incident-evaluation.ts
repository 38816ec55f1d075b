import { coinbaseFeeCents, kalshiFeeCents } from './fees';
import { dollars, percent } from './format';
import { positionCapCents, type Limits } from './limits';
import { decimalToUnits, unitsToDecimal, type Cents } from './money';
import type { Position } from './orders';
import type { TradingStatus } from './trading-state';

/**
 * The financial-loss protocol's evaluation (seed: "Evaluate open positions", "Propose corrective measures"): what
 * each open position is marked at, what closing it now would fetch by walking the book with the taker fee, and the
 * measures that follow from the figures. Pure; the activity brings the guardians' status and the venue's books.
 */
export interface BookSide {
  price: string;
  quantity: string;
}

export interface ClosingEstimate {
  market: string;
  /** "12.00 YES", "0.5 BTC". */
  holding: string;
  /** Value at the top of the book (the guardian's mark), before fees. */
  markCents: Cents;
  /** Net of fees, walking the book for the whole quantity; rounded down. */
  proceedsCents: Cents;
  feesCents: Cents;
  /** What closing now costs against the mark: spread, depth and fees. */
  closingCostCents: Cents;
  /** Quantity the book cannot take (it is too thin): closing it needs a resting order or time. */
  unfilled: string;
}

const SCALE = 8;
const ONE = 10n ** BigInt(SCALE);
// price units (1e-8) x quantity units (1e-8) = dollars x 1e16 = cents x 1e14
const CENTS = 10n ** 14n;

/**
 * Closing `position` against `book` now: a YES position sells into the YES bids; a NO position buys YES from the asks
 * (each contract then fetches 1 - the ask); a spot holding sells into the bids.
 */
export function closingEstimate(
  position: Position,
  book: { bids: readonly BookSide[]; asks: readonly BookSide[] },
): ClosingEstimate {
  const kalshiNo = position.venue === 'kalshi' && position.side === 'no';
  const levels = kalshiNo ? book.asks : book.bids;
  const quantityText = position.venue === 'kalshi' ? position.count : position.baseSize;
  let left = decimalToUnits(quantityText, SCALE, 'position quantity');
  // What one unit fetches at a level: the bid, or for NO, one dollar less the YES ask.
  const unitValue = (price: string) =>
    kalshiNo ? ONE - decimalToUnits(price, SCALE, 'ask') : decimalToUnits(price, SCALE, 'bid');
  let gross = 0n;
  let feesCents = 0;
  for (const level of levels) {
    if (left <= 0n) break;
    const take = [left, decimalToUnits(level.quantity, SCALE, 'book quantity')].reduce((a, b) => (a < b ? a : b));
    if (take <= 0n) continue;
    const value = unitValue(level.price) * take;
    gross += value;
    feesCents +=
      position.venue === 'kalshi'
        ? kalshiFeeCents(unitsToDecimal(take, SCALE), level.price)
        : coinbaseFeeCents(Number(value / CENTS));
    left -= take;
  }
  const top = levels[0];
  const full = decimalToUnits(quantityText, SCALE, 'position quantity');
  const markCents = top ? Number((unitValue(top.price) * full) / CENTS) : 0;
  const proceedsCents = Number(gross / CENTS) - feesCents;
  return {
    market: position.market,
    holding:
      position.venue === 'kalshi'
        ? `${position.count} ${position.side.toUpperCase()}`
        : `${position.baseSize} ${position.market.split('-')[0]}`,
    markCents,
    proceedsCents,
    feesCents,
    closingCostCents: markCents - proceedsCents,
    unfilled: unitsToDecimal(left, SCALE).replace(/\.?0+$/, '') || '0',
  };
}

export interface AccountEvaluation {
  account: string;
  status: TradingStatus | 'unknown';
  equityCents: Cents;
  dayBaselineCents: Cents;
  startingValueCents: Cents;
  exposureCents: Cents;
  exposureLimitCents: Cents;
  limits: Limits;
  positions: ClosingEstimate[];
  /** What could not be evaluated, and why. */
  note?: string;
}

/** seed: "Propose corrective measures": concrete steps the figures call for, most urgent first. */
export function correctiveMeasures(
  accounts: readonly AccountEvaluation[],
  reconciliationDifferences: number,
): string[] {
  const measures: string[] = [];
  for (const a of accounts) {
    const day = a.dayBaselineCents > 0 ? (a.dayBaselineCents - a.equityCents) / a.dayBaselineCents : 0;
    const total = a.startingValueCents > 0 ? (a.startingValueCents - a.equityCents) / a.startingValueCents : 0;
    if (a.status === 'SHUTDOWN') {
      measures.push(
        `${a.account}: SHUTDOWN after a ${percent(total)} total loss. Review every strategy that traded; \`nemo reset --account ${a.account} --reason ...\` only restarts from the remaining ${dollars(a.equityCents)}.`,
      );
    } else if (day >= a.limits.maxDailyLossFraction) {
      measures.push(
        `${a.account}: down ${percent(day)} today (limit ${percent(a.limits.maxDailyLossFraction)}). Keep trading stopped for the day or resume with the loss accepted as the new baseline.`,
      );
    }
    if (a.exposureCents > a.exposureLimitCents) {
      measures.push(
        `${a.account}: exposure ${dollars(a.exposureCents)} is above its limit ${dollars(a.exposureLimitCents)} at today's value: reduce positions before resuming (reducing orders pass while stopped).`,
      );
    }
    const cap = positionCapCents(a.limits, a.equityCents);
    for (const p of a.positions) {
      if (p.markCents > cap)
        measures.push(
          `${a.account} ${p.market}: position marked ${dollars(p.markCents)} is above the ${percent(a.limits.maxPositionFraction)} position cap ${dollars(cap)}: reduce it.`,
        );
      if (p.unfilled !== '0')
        measures.push(
          `${a.account} ${p.market}: the book cannot take ${p.unfilled} of ${p.holding} now; close it with a resting order rather than at market.`,
        );
    }
    const closing = a.positions.reduce((sum, p) => sum + p.closingCostCents, 0);
    if (a.positions.length > 0) {
      measures.push(
        `${a.account}: closing all ${a.positions.length} position(s) now would cost ${dollars(closing)} against their marks (spread and fees); hold them unless a strategy's thesis no longer stands.`,
      );
    }
  }
  if (reconciliationDifferences > 0) {
    measures.push(
      `Reconciliation found ${reconciliationDifferences} difference(s) with the venue. If a fill is not NEMO's, treat it as a breach: revoke the venue keys (\`nemo keys revoke NAME --reason ...\`). If it is (a lost ledger write), approving accepts the venue's records as the new reconciliation baseline.`,
    );
  }
  if (measures.length === 0)
    measures.push('No position is past a limit: resume after reviewing the trades that led here.');
  return measures;
}
