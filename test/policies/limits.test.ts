/**
 * The seed's limits and the rule that configuration may only tighten them; the hot-wallet alert.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hotWalletCheck } from '../../policies/hot-wallet';
import {
  DEFAULT_LIMITS,
  exposureCapCents,
  LIMIT_BOUNDS,
  positionCapCents,
  tightenedLimits,
  usdLimitCents,
  type Limits,
} from '../../policies/limits';
import { DUPLICATE_WINDOW_BOUNDS } from '../../policies/duplicate-orders';
import { ORDER_THROTTLE_BOUNDS } from '../../policies/order-throttle';
import { PRICE_COLLAR_BOUNDS } from '../../policies/price-collar';
import { PROOF_THRESHOLD_BOUNDS } from '../../policies/proof';
import { DEFAULT_RISK_POLICY, tightenedRiskPolicy, type RiskPolicyOverrides } from '../../policies/risk-policy';
import type { SettingBound } from '../../policies/tighten-only';

/** For each setting, which way is tighter: the default must sit at the loose end of its bound. */
const GROUPS = {
  limits: LIMIT_BOUNDS,
  proof: PROOF_THRESHOLD_BOUNDS,
  collar: PRICE_COLLAR_BOUNDS,
  throttle: ORDER_THROTTLE_BOUNDS,
  duplicates: DUPLICATE_WINDOW_BOUNDS,
} as const satisfies Record<string, Record<string, SettingBound>>;
type Group = keyof typeof GROUPS;

const defaultOf = (group: Group, key: string): number =>
  (DEFAULT_RISK_POLICY[group] as unknown as Record<string, number>)[key]!;

/** True when `value` is at least as strict as the seed's default for the setting. */
function atLeastAsTight(group: Group, key: string, value: number): boolean {
  const bound = (GROUPS[group] as Record<string, SettingBound>)[key]!;
  const seed = defaultOf(group, key);
  return bound.max === seed ? value <= seed : value >= seed;
}

describe('limits', () => {
  it("defaults are the seed's values", () => {
    assert.deepEqual({ ...DEFAULT_LIMITS }, {
      maxPositionFraction: 0.05,
      maxPositionUsd: 50,
      maxExposureFraction: 0.1,
      maxDailyLossFraction: 0.05,
      maxTotalLossFraction: 0.65,
      minProbability: 0.8,
      hotWalletMaxUsd: 1500,
    } satisfies Limits);
    assert.deepEqual({ ...DEFAULT_RISK_POLICY.proof }, { minTrades: 100, maxDrawdown: 0.2, minExpectancyCents: 0 });
  });

  it('every default sits at the loose end of its bound, so the bound is the tighten-only rule', () => {
    for (const [group, bounds] of Object.entries(GROUPS) as [Group, Record<string, SettingBound>][]) {
      for (const [key, bound] of Object.entries(bounds)) {
        const seed = defaultOf(group, key);
        assert.ok(seed === bound.min || seed === bound.max, `${group}.${key}`);
      }
    }
  });

  it('refuses configuration that would loosen a limit, naming it', () => {
    assert.throws(
      () => tightenedLimits({ maxPositionUsd: 51 }),
      /limit: maxPositionUsd=51 would loosen the seed's 50: it must be within \[0, 50\]/,
    );
    assert.throws(() => tightenedLimits({ minProbability: 0.79 }), /minProbability=0\.79 would loosen/);
    assert.throws(() => tightenedLimits({ maxExposureFraction: Number.NaN }), RangeError);
    assert.throws(() => tightenedLimits({ maxLeverage: 2 } as Partial<Limits>), /unknown setting maxLeverage/);
    assert.throws(() => tightenedRiskPolicy({ throttle: { maxOrders: 21 } }), /order throttle: maxOrders=21/);
    assert.throws(() => tightenedRiskPolicy({ throttle: { windowMs: 59_999 } }), /windowMs=59999/);
    assert.throws(() => tightenedRiskPolicy({ proof: { minTrades: 100.5 } }), /must be a whole number/);
    assert.equal(tightenedLimits({ maxPositionUsd: 25, minProbability: 0.9 }).maxPositionUsd, 25);
  });

  it('configuration can only tighten: any value is either refused or at least as strict as the seed', () => {
    const groups = Object.keys(GROUPS) as Group[];
    const setting = fc.constantFrom(...groups.flatMap((g) => Object.keys(GROUPS[g]).map((k) => [g, k] as const)));
    // values around each setting's bound: inside it, on its ends, just past them, and anything at all
    const change = setting.chain(([group, key]) => {
      const bound = (GROUPS[group] as Record<string, SettingBound>)[key]!;
      const span = bound.max - bound.min;
      const inside = bound.integer
        ? fc.integer({ min: bound.min, max: bound.max })
        : fc.double({ min: bound.min, max: bound.max, noNaN: true });
      const value = fc.oneof(
        inside,
        fc.constantFrom(bound.min, bound.max, bound.min - 1e-9, bound.max + 1e-9, bound.min - 1, bound.max + 1),
        fc.double({ min: bound.min - span, max: bound.max + span }),
        fc.constantFrom(Number.NaN, Infinity, -Infinity),
      );
      return value.map((v) => [[group, key] as const, v] as const);
    });
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 3 }), (changes) => {
        const overrides: Record<string, Record<string, number>> = {};
        for (const [[group, key], v] of changes) (overrides[group] ??= {})[key] = v;
        let policy;
        try {
          policy = tightenedRiskPolicy(overrides as RiskPolicyOverrides);
        } catch (err) {
          assert.ok(err instanceof RangeError);
          // refused only when some value really would loosen (or is no number)
          assert.ok(changes.some(([[g, k], v]) => !withinBound(g, k, v)));
          refused++;
          return;
        }
        accepted++;
        for (const [group, values] of Object.entries(overrides) as [Group, Record<string, number>][]) {
          for (const [key, v] of Object.entries(values))
            assert.equal((policy[group] as unknown as Record<string, number>)[key], v);
        }
        for (const [group, bounds] of Object.entries(GROUPS) as [Group, Record<string, SettingBound>][]) {
          for (const key of Object.keys(bounds)) {
            const v = (policy[group] as unknown as Record<string, number>)[key]!;
            assert.ok(atLeastAsTight(group, key, v), `${group}.${key}=${v} is looser than the seed`);
          }
        }
      }),
      { numRuns: 10_000 },
    );
    assert.ok(
      refused > 1_000 && accepted > 1_000,
      `both outcomes exercised (refused ${refused}, accepted ${accepted})`,
    );
  });

  it('turns fractions of the portfolio into caps in cents, rounded down', () => {
    assert.equal(positionCapCents(DEFAULT_LIMITS, 100_000), 5_000);
    assert.equal(positionCapCents(DEFAULT_LIMITS, 99_999), 4_999);
    assert.equal(exposureCapCents(DEFAULT_LIMITS, 100_000), 10_000);
    assert.equal(exposureCapCents(DEFAULT_LIMITS, -5), 0);
    assert.equal(usdLimitCents(50), 5_000);
    assert.equal(usdLimitCents(33.33), 3_333);
  });

  it('alerts when the hot wallet holds more than $1,500 (seed)', () => {
    assert.deepEqual(hotWalletCheck(150_000, DEFAULT_LIMITS), { alert: false });
    const over = hotWalletCheck(150_001, DEFAULT_LIMITS);
    assert.ok(over.alert);
    assert.match(over.reason, /hot wallet holds \$1500\.01, above its \$1500\.00 maximum/);
    assert.equal(hotWalletCheck(100_001, tightenedLimits({ hotWalletMaxUsd: 1000 })).alert, true);
  });
});

function withinBound(group: Group, key: string, value: number): boolean {
  const bound = (GROUPS[group] as Record<string, SettingBound>)[key]!;
  return value >= bound.min && value <= bound.max && (!bound.integer || Number.isInteger(value));
}
