import { decimalToUnits, unitsToDecimal } from '../../policies/money';

/**
 * Exact arithmetic on venue decimal strings (built on policies/money.ts), for the few derived figures the port
 * reports: remaining size, a Kalshi NO price as a YES price, an average fill price.
 */
const SCALE = 18;

/** Removes trailing zeros after the point ("1.2300" -> "1.23", "2.000" -> "2"). */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function addDecimals(a: string, b: string, field: string): string {
  return trimDecimal(unitsToDecimal(decimalToUnits(a, SCALE, field) + decimalToUnits(b, SCALE, field), SCALE));
}

export function subtractDecimals(a: string, b: string, field: string): string {
  return trimDecimal(unitsToDecimal(decimalToUnits(a, SCALE, field) - decimalToUnits(b, SCALE, field), SCALE));
}

export function isZeroDecimal(text: string, field: string): boolean {
  return decimalToUnits(text, SCALE, field) === 0n;
}

export function compareDecimals(a: string, b: string, field: string): number {
  const d = decimalToUnits(a, SCALE, field) - decimalToUnits(b, SCALE, field);
  return d === 0n ? 0 : d > 0n ? 1 : -1;
}

/** a / b to `places` decimals, rounded half up (b must not be zero). */
export function divideDecimals(a: string, b: string, places: number, field: string): string {
  const numerator = decimalToUnits(a, SCALE, field) * 10n ** BigInt(places);
  const denominator = decimalToUnits(b, SCALE, field);
  return unitsToDecimal((2n * numerator + denominator) / (2n * denominator), places);
}
