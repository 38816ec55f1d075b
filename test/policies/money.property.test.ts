/**
 * decimalToUnits counts most amounts in a double before the one conversion to BigInt (policies/money.ts). These
 * properties hold it to a reference that does the whole conversion in BigInt, on generated text (10,000 per
 * property): the same units, or the same refusal, for every scale and rounding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decimalToUnits, MoneyFormatError, notionalCents } from '../../policies/money';

const RUNS = { numRuns: 10_000 };
type Rounding = 'exact' | 'floor' | 'ceil';

/** The reference: the decimal's digits read by a regular expression and converted with BigInt only. */
function referenceUnits(text: string, scale: number, rounding: Rounding): bigint | 'format' | 'places' {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return 'format';
  const [, minus, whole, fraction = ''] = match;
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  let units = BigInt(whole!) * 10n ** BigInt(scale) + BigInt(kept || '0');
  if (minus) units = -units;
  if (/[1-9]/.test(fraction.slice(scale))) {
    if (rounding === 'exact') return 'places';
    if (rounding === 'ceil' && !minus) units += 1n;
    if (rounding === 'floor' && minus) units -= 1n;
  }
  return units;
}

function actualUnits(text: string, scale: number, rounding: Rounding): bigint | 'format' | 'places' {
  try {
    return decimalToUnits(text, scale, 'amount', rounding);
  } catch (err) {
    assert.ok(err instanceof MoneyFormatError);
    return /at most \d+ places/.test(err.message) ? 'places' : 'format';
  }
}

const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: max });

/** Decimals of every length around the 15 digits a double counts exactly, with signs, zeros and spaces. */
const decimalText = fc
  .record({
    minus: fc.boolean(),
    whole: fc.oneof(digits(3), digits(12), digits(25)),
    fraction: fc.option(fc.oneof(digits(4), digits(10), digits(20)), { nil: undefined }),
    padding: fc.constantFrom('', ' ', '\t'),
  })
  .map(
    ({ minus, whole, fraction, padding }) =>
      `${padding}${minus ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${padding}`,
  );

/** Text that is often not a decimal at all. */
const anyText = fc.string({ unit: fc.constantFrom(...'0123456789.-+e x'), maxLength: 24 });

const scale = fc.integer({ min: 0, max: 12 });
const rounding = fc.constantFrom<Rounding>('exact', 'floor', 'ceil');

describe('decimalToUnits properties', () => {
  it('gives the reference units (or its refusal) for generated decimals', () => {
    fc.assert(
      fc.property(decimalText, scale, rounding, (text, s, r) => {
        assert.equal(
          actualUnits(text, s, r),
          referenceUnits(text, s, r),
          `${JSON.stringify(text)} at scale ${s}, ${r}`,
        );
      }),
      RUNS,
    );
  });

  it('refuses exactly the text the reference refuses', () => {
    fc.assert(
      fc.property(anyText, scale, rounding, (text, s, r) => {
        assert.equal(
          actualUnits(text, s, r),
          referenceUnits(text, s, r),
          `${JSON.stringify(text)} at scale ${s}, ${r}`,
        );
      }),
      RUNS,
    );
  });

  it('prices notionals as the exact product rounded up to the cent', () => {
    const amount = fc.oneof(digits(6), digits(9)).chain((whole) => digits(8).map((fraction) => `${whole}.${fraction}`));
    fc.assert(
      fc.property(amount, amount, (price, quantity) => {
        const product =
          (referenceUnits(price, 8, 'exact') as bigint) * (referenceUnits(quantity, 8, 'exact') as bigint);
        const scaleOfCent = 10n ** 14n;
        const expected = product / scaleOfCent + (product % scaleOfCent > 0n ? 1n : 0n);
        if (expected > BigInt(Number.MAX_SAFE_INTEGER))
          assert.throws(() => notionalCents(price, quantity), MoneyFormatError);
        else assert.equal(notionalCents(price, quantity), Number(expected));
      }),
      RUNS,
    );
  });
});
