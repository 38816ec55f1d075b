/**
 * Risk settings may only be tightened (seed: "Modifying core safety rules without approval" is forbidden). Each
 * setting has a range; its default sits at the loose end of it, so any value outside the range would loosen the rule.
 */
export interface SettingBound {
  min: number;
  max: number;
  /** Counts and durations must be whole numbers. */
  integer?: boolean;
}

/**
 * Applies configured overrides to the defaults, refusing (RangeError) an unknown setting, a value that is not a
 * finite number, a fraction where a whole number is required, or a value outside its bound.
 */
export function tightenOnly<T extends object>(
  group: string,
  defaults: Readonly<T>,
  bounds: Readonly<Record<keyof T, SettingBound>>,
  overrides: Readonly<Partial<T>>,
): T {
  const settings = { ...defaults } as T;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const bound = (bounds as Record<string, SettingBound | undefined>)[key];
    if (bound === undefined) {
      throw new RangeError(`${group}: unknown setting ${key} (known: ${Object.keys(bounds).join(', ')})`);
    }
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= bound.min &&
      value <= bound.max &&
      (!bound.integer || Number.isInteger(value));
    if (!ok) {
      const seed = (defaults as Record<string, unknown>)[key];
      throw new RangeError(
        `${group}: ${key}=${String(value)} would loosen the seed's ${String(seed)}: it must be ` +
          `${bound.integer ? 'a whole number ' : ''}within [${bound.min}, ${bound.max}]`,
      );
    }
    (settings as Record<string, unknown>)[key] = value;
  }
  return settings;
}
