import { decimalToUnits, unitsToDecimal, type Cents } from './money';
import type { Venue } from './orders';

/**
 * seed: "Daily reconciliation with exchange records". The ledger's view of one account against the venue's, three
 * ways, each difference a row naming exactly what differs:
 * - fills: every venue order that filled has one `trade.fill` entry with the same market, quantity and fees, and
 *   every `trade.fill` entry has the venue's fills behind it;
 * - positions: the baseline's positions plus the ledger's fills since, per market (settled markets hold nothing),
 *   against the venue's positions;
 * - balance: the baseline's cash plus the cash effect of the venue's fills and settlements since, against the
 *   venue's balance. A fill the ledger missed shows in the first two; money that moved without a fill (a deposit,
 *   a withdrawal) in the third.
 * The baseline is the account's first ledger record (its guardian's opening), or a later reconciliation that agreed
 * with the venue or whose differences the operator accepted. Pure; quantities are exact decimals.
 */
export interface LedgerFillRecord {
  seq: number;
  orderId: string;
  clientOrderId: string;
  market: string;
  /** Signed: + buys (Kalshi: YES bought or NO sold), - sells. */
  signedQuantity: string;
  feesCents: Cents;
}

export interface VenueFillRecord {
  fillId: string;
  orderId: string;
  market: string;
  side: 'buy' | 'sell';
  /** Kalshi: the YES price; spot: the quote price. */
  price: string;
  quantity: string;
  feeCents: Cents;
  at: string;
}

export interface ReconciliationBaseline {
  /** The ledger entry the baseline comes from, and when it was written. */
  seq: number;
  at: string;
  source: 'guardian.opened' | 'reconciliation.completed' | 'reconciliation.accepted';
  cashCents: Cents;
  /** Signed quantity per market. */
  positions: Readonly<Record<string, string>>;
}

export interface VenueRecords {
  fills: readonly VenueFillRecord[];
  positions: readonly { market: string; quantity: string }[];
  availableCents: Cents;
  heldCents?: Cents;
  openOrders: number;
  settlements: readonly { market: string; revenueCents: Cents; feeCents: Cents; settledAt: string }[];
}

export interface ReconciliationInput {
  venue: Venue;
  baseline: ReconciliationBaseline;
  /** When NEMO's ledger began for this account: venue fills before it predate NEMO and are in the opening figures. */
  openedAt: string;
  ledgerFills: readonly LedgerFillRecord[];
  /** Orders whose differences the operator accepted earlier (never reported again). */
  acceptedOrderIds: readonly string[];
  venueRecords: VenueRecords;
}

export type ReconciliationRow =
  | {
      kind: 'fill';
      orderId: string;
      market: string;
      problem: 'not-in-ledger' | 'not-at-venue' | 'quantity-differs' | 'fees-differ' | 'market-differs';
      /** Quantities are signed: + bought (Kalshi: a bid), - sold. */
      ledger: { seq: number; clientOrderId: string; market: string; quantity: string; feesCents: Cents } | null;
      venue: { market: string; quantity: string; feesCents: Cents; fills: number; firstAt: string } | null;
    }
  | { kind: 'position'; market: string; ledgerQuantity: string; venueQuantity: string }
  | { kind: 'balance'; expectedCents: Cents; venueCents: Cents; differenceCents: Cents };

export interface ReconciliationResult {
  rows: ReconciliationRow[];
  compared: { fills: number; positions: number; balance: 'compared' | string };
  /** The venue's figures now: the next baseline if the operator accepts them (or if nothing differs). */
  snapshot: { cashCents: Cents; positions: Record<string, string> };
}

const SCALE = 8;
const units = (text: string, field: string) => decimalToUnits(text, SCALE, field);
const text = (u: bigint) =>
  unitsToDecimal(u, SCALE)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
// price units x quantity units = dollars x 1e16 = cents x 1e14
const CENT = 10n ** 14n;
// $1 for each contract of a quantity in 1e-8 units, in the same (price x quantity) units
const DOLLAR_PER_CONTRACT = 10n ** 8n;

/** The venues round cash down to the cent separately from NEMO's baseline, so one cent either way is rounding. */
export const BALANCE_TOLERANCE_CENTS = 1;

export function reconcileAccount(input: ReconciliationInput): ReconciliationResult {
  const { venueRecords: venue } = input;
  const accepted = new Set(input.acceptedOrderIds);
  const rows: ReconciliationRow[] = [];

  // 1. Fills, matched by the venue's order id.
  const venueOrders = new Map<
    string,
    { market: string; quantity: bigint; feesCents: Cents; fills: number; firstAt: string }
  >();
  for (const fill of venue.fills) {
    if (accepted.has(fill.orderId) || Date.parse(fill.at) < Date.parse(input.openedAt)) continue;
    const order = venueOrders.get(fill.orderId) ?? {
      market: fill.market,
      quantity: 0n,
      feesCents: 0,
      fills: 0,
      firstAt: fill.at,
    };
    order.quantity += (fill.side === 'buy' ? 1n : -1n) * units(fill.quantity, 'fill quantity');
    order.feesCents += fill.feeCents;
    order.fills += 1;
    if (fill.at < order.firstAt) order.firstAt = fill.at;
    venueOrders.set(fill.orderId, order);
  }
  const ledgerOrders = new Map(input.ledgerFills.filter((f) => !accepted.has(f.orderId)).map((f) => [f.orderId, f]));
  for (const [orderId, v] of venueOrders) {
    const l = ledgerOrders.get(orderId);
    const venueView = {
      market: v.market,
      quantity: text(v.quantity),
      feesCents: v.feesCents,
      fills: v.fills,
      firstAt: v.firstAt,
    };
    if (!l) {
      rows.push({ kind: 'fill', orderId, market: v.market, problem: 'not-in-ledger', ledger: null, venue: venueView });
      continue;
    }
    const quantity = units(l.signedQuantity, 'ledger quantity');
    const ledgerView = {
      seq: l.seq,
      clientOrderId: l.clientOrderId,
      market: l.market,
      quantity: text(quantity),
      feesCents: l.feesCents,
    };
    const problem =
      l.market !== v.market
        ? 'market-differs'
        : quantity !== v.quantity
          ? 'quantity-differs'
          : l.feesCents !== v.feesCents
            ? 'fees-differ'
            : undefined;
    if (problem) rows.push({ kind: 'fill', orderId, market: v.market, problem, ledger: ledgerView, venue: venueView });
  }
  for (const [orderId, l] of ledgerOrders) {
    if (venueOrders.has(orderId)) continue;
    rows.push({
      kind: 'fill',
      orderId,
      market: l.market,
      problem: 'not-at-venue',
      venue: null,
      ledger: {
        seq: l.seq,
        clientOrderId: l.clientOrderId,
        market: l.market,
        quantity: text(units(l.signedQuantity, 'ledger quantity')),
        feesCents: l.feesCents,
      },
    });
  }

  // 2. Positions: the baseline plus the ledger's fills since; a settled market holds nothing.
  const expected = new Map<string, bigint>();
  for (const [market, quantity] of Object.entries(input.baseline.positions))
    expected.set(market, units(quantity, `baseline position ${market}`));
  for (const fill of input.ledgerFills) {
    if (fill.seq <= input.baseline.seq) continue;
    expected.set(fill.market, (expected.get(fill.market) ?? 0n) + units(fill.signedQuantity, 'ledger quantity'));
  }
  for (const s of venue.settlements) expected.set(s.market, 0n);
  const held = new Map(venue.positions.map((p) => [p.market, units(p.quantity, `venue position ${p.market}`)]));
  const markets = [...new Set([...expected.keys(), ...held.keys()])].sort();
  for (const market of markets) {
    const ledgerQuantity = expected.get(market) ?? 0n;
    const venueQuantity = held.get(market) ?? 0n;
    if (ledgerQuantity !== venueQuantity)
      rows.push({ kind: 'position', market, ledgerQuantity: text(ledgerQuantity), venueQuantity: text(venueQuantity) });
  }

  // 3. Balance: the venue's cash moves only by its fills and settlements. Resting orders hold cash the venues do not
  // all report, so the balance is compared only when none rests.
  const venueCents = venue.availableCents + (venue.heldCents ?? 0);
  let balance: ReconciliationResult['compared']['balance'] = 'compared';
  if (venue.openOrders > 0) {
    balance = `not compared: ${venue.openOrders} order(s) rest at the venue and hold cash`;
  } else {
    const expectedCents = Number(floorDiv(BigInt(input.baseline.cashCents) * CENT + cashSince(input), CENT));
    const differenceCents = venueCents - expectedCents;
    if (Math.abs(differenceCents) > BALANCE_TOLERANCE_CENTS)
      rows.push({ kind: 'balance', expectedCents, venueCents, differenceCents });
  }

  return {
    rows,
    compared: {
      fills: venueOrders.size + [...ledgerOrders.keys()].filter((id) => !venueOrders.has(id)).length,
      positions: markets.length,
      balance,
    },
    snapshot: {
      cashCents: venueCents,
      positions: Object.fromEntries([...held].filter(([, q]) => q !== 0n).map(([m, q]) => [m, text(q)])),
    },
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * The cash the venue's fills and settlements since the baseline moved, in cents x 1e14, replaying positions from
 * the baseline (a Kalshi contract that closes a position pays out instead of costing: seed venue rules).
 */
function cashSince(input: ReconciliationInput): bigint {
  const since = Date.parse(input.baseline.at);
  const positions = new Map(
    Object.entries(input.baseline.positions).map(([m, q]) => [m, units(q, `baseline position ${m}`)]),
  );
  const fills = input.venueRecords.fills
    .filter((f) => Date.parse(f.at) >= since)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  let cash = 0n;
  for (const fill of fills) {
    const q = units(fill.quantity, 'fill quantity');
    const p = units(fill.price, 'fill price');
    const position = positions.get(fill.market) ?? 0n;
    if (input.venue === 'kalshi') {
      // A bid closes NO contracts (each pays $1 less the YES price) before it opens YES; an ask the reverse.
      const closing = fill.side === 'buy' ? min(q, max(0n, -position)) : min(q, max(0n, position));
      cash += fill.side === 'buy' ? closing * DOLLAR_PER_CONTRACT - q * p : q * p - (q - closing) * DOLLAR_PER_CONTRACT;
    } else {
      cash += fill.side === 'buy' ? -q * p : q * p;
    }
    cash -= BigInt(fill.feeCents) * CENT;
    positions.set(fill.market, position + (fill.side === 'buy' ? q : -q));
  }
  for (const s of input.venueRecords.settlements) {
    if (Date.parse(s.settledAt) >= since) cash += BigInt(s.revenueCents - s.feeCents) * CENT;
  }
  return cash;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** One row in words, for the report and the operator: what differs, the ledger's side and the venue's side. */
export function describeRow(row: ReconciliationRow): { what: string; ledger: string; venue: string } {
  if (row.kind === 'balance') {
    return {
      what: `balance differs by ${row.differenceCents} cents`,
      ledger: `expected ${row.expectedCents} cents`,
      venue: `${row.venueCents} cents`,
    };
  }
  if (row.kind === 'position')
    return { what: `position in ${row.market}`, ledger: row.ledgerQuantity, venue: row.venueQuantity };
  return {
    what: `order ${row.orderId} in ${row.market}: ${row.problem}`,
    ledger: row.ledger
      ? `entry ${row.ledger.seq}: ${row.ledger.quantity} (fees ${row.ledger.feesCents} cents)`
      : 'none',
    venue: row.venue
      ? `${row.venue.quantity} in ${row.venue.fills} fill(s) from ${row.venue.firstAt} (fees ${row.venue.feesCents} cents)`
      : 'none',
  };
}
