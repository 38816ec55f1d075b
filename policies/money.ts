/**
 * Money in NEMO: account amounts (balances, exposure, P&L, limits) are integer cents; venue prices and quantities
 * arrive as decimal strings and are converted here, exactly (no binary floating point), with the rounding stated.
 * This is the one place where decimal text becomes a number NEMO computes with.
 */

/** An integer number of US cents. */
export type Cents = number;

export class MoneyFormatError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${field}: ${JSON.stringify(value)} is not ${expected}`);
    this.name = 'MoneyFormatError';
  }
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const DOT = 46; // '.'
const ZERO = 48; // '0'
/**
 * Whole numbers of up to 15 digits are exact in a double (below 2^53): most amounts are counted in one, then made a
 * BigInt once.
 */
const EXACT_DIGITS = 15;

/**
 * Parses a decimal string into an integer count of 10^-scale units, exactly. Digits beyond `scale` are rounded
 * with `rounding` ('floor' toward -infinity, 'ceil' toward +infinity, 'exact' refuses them).
 */
export function decimalToUnits(
  text: string,
  scale: number,
  field = 'amount',
  rounding: 'exact' | 'floor' | 'ceil' = 'exact',
): bigint {
  const decimal = typeof text === 'string' ? text.trim() : '';
  if (!DECIMAL.test(decimal)) throw new MoneyFormatError(field, text, 'a decimal number such as "12.34"');
  const minus = decimal.startsWith('-');
  const dot = decimal.indexOf('.');
  const fractionDigits = dot < 0 ? 0 : decimal.length - dot - 1;
  // The whole digits and the first `scale` fraction digits, padded with zeros to `scale`, spell the count of units.
  const keptEnd = dot < 0 ? decimal.length : dot + 1 + Math.min(scale, fractionDigits);
  let units = digitsToUnits(decimal, minus ? 1 : 0, keptEnd, scale - Math.min(scale, fractionDigits));
  if (minus) units = -units;
  if (fractionDigits > scale && /[1-9]/.test(decimal.slice(keptEnd))) {
    if (rounding === 'exact') throw new MoneyFormatError(field, text, `a decimal with at most ${scale} places`);
    if (rounding === 'ceil' && !minus) units += 1n;
    if (rounding === 'floor' && minus) units -= 1n;
  }
  return units;
}

/** The digits of decimal[start, end) (skipping the point) followed by `zeros` zeros, as an integer. */
function digitsToUnits(decimal: string, start: number, end: number, zeros: number): bigint {
  let units = 0;
  let digits = zeros;
  for (let i = start; i < end; i++) {
    const code = decimal.charCodeAt(i);
    if (code === DOT) continue;
    units = units * 10 + (code - ZERO);
    digits++;
  }
  if (digits <= EXACT_DIGITS) return BigInt(units * 10 ** zeros);
  return BigInt(decimal.slice(start, end).replace('.', '') + '0'.repeat(zeros));
}

/** Formats an integer count of 10^-scale units as a decimal string with exactly `scale` places. */
export function unitsToDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** "12.34" dollars -> 1234 cents; sub-cent digits are refused unless a rounding is named. */
export function dollarsToCents(text: string, field = 'amount', rounding: 'exact' | 'floor' | 'ceil' = 'exact'): Cents {
  return safeNumber(decimalToUnits(text, 2, field, rounding), field);
}

export function centsToDollars(cents: Cents): string {
  assertCents(cents, 'cents');
  return unitsToDecimal(BigInt(cents), 2);
}

export function assertCents(value: number, field: string): asserts value is Cents {
  if (!Number.isSafeInteger(value)) throw new MoneyFormatError(field, value, 'a whole number of cents');
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function safeNumber(units: bigint, field: string): number {
  if (units > MAX_SAFE || units < -MAX_SAFE) {
    throw new MoneyFormatError(field, units.toString(), 'within the safe integer range');
  }
  return Number(units);
}

const CENT_IN_NOTIONAL_UNITS = 10n ** 14n;

/**
 * price x quantity in cents, for prices and quantities given as decimal strings. The exact product is rounded up
 * (a cost or an exposure is never understated).
 */
export function notionalCents(price: string, quantity: string, field = 'notional'): Cents {
  const priceUnits = decimalToUnits(price, 8, `${field}.price`);
  const quantityUnits = decimalToUnits(quantity, 8, `${field}.quantity`);
  // price * 10^8 * quantity * 10^8 = dollars * 10^16 = cents * 10^14
  const product = priceUnits * quantityUnits;
  const cents = product / CENT_IN_NOTIONAL_UNITS + (product % CENT_IN_NOTIONAL_UNITS > 0n ? 1n : 0n);
  return safeNumber(cents, field);
}

/** A fraction of an amount of cents, rounded down: a limit computed from it is never loosened by rounding. */
export function fractionOfCents(cents: Cents, fraction: number): Cents {
  return Math.floor(cents * fraction + 1e-9);
}
