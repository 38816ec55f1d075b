import fc from 'fast-check';
import type { z } from 'zod';

/**
 * fast-check arbitraries derived from the zod schemas the adapters parse venue answers with: `validFrom` builds
 * values the schema describes; `corruptedFrom` breaks one spot in such a value (wrong type, null, missing), the
 * way a venue bug or a truncated proxy answer would.
 */
type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

export function validFrom(schema: z.ZodType): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return stringFrom(def);
    case 'number': {
      const integer = (def.checks as { _zod: { def: { format?: string } } }[] | undefined)?.some(
        (c) => c._zod.def.format === 'safeint',
      );
      return integer
        ? fc.integer({ min: -1_000_000, max: 1_000_000_000 })
        : fc.double({ noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'optional':
      return fc.option(validFrom(def.innerType as z.ZodType), { nil: undefined });
    case 'nullable':
      return fc.option(validFrom(def.innerType as z.ZodType), { nil: null });
    case 'array':
      return fc.array(validFrom(def.element as z.ZodType), { maxLength: 3 });
    case 'tuple':
      return fc.tuple(...(def.items as z.ZodType[]).map(validFrom));
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map(validFrom));
    case 'record':
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), validFrom(def.valueType as z.ZodType), {
        maxKeys: 2,
      });
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      return fc
        .record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, validFrom(v)])))
        .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    }
    default:
      throw new Error(`zod-arbitrary: no generator for zod type ${def.type}`);
  }
}

function stringFrom(def: Def): fc.Arbitrary<string> {
  if (def.format === 'datetime')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  const checks = ((def.checks as { _zod: { def: Record<string, unknown> } }[] | undefined) ?? []).map(
    (c) => c._zod.def,
  );
  const regex = checks.find((c) => c.format === 'regex')?.pattern as RegExp | undefined;
  if (regex) return fc.stringMatching(regex);
  const min = checks.find((c) => c.check === 'min_length')?.minimum as number | undefined;
  return fc.string({ minLength: min ?? 0, maxLength: 12 });
}

const BROKEN_VALUES: unknown[] = [null, 0, -1, 'x', '', '1e3', 'NaN', {}, [], true, 1.5];
const REMOVE = Symbol('remove');

/** A valid value with one spot (chosen by the generator) replaced by a wrong value, or removed. */
export function corruptedFrom(schema: z.ZodType): fc.Arbitrary<unknown> {
  return fc
    .tuple(validFrom(schema), fc.nat(), fc.constantFrom(...BROKEN_VALUES, REMOVE))
    .map(([value, pick, replacement]) => {
      const paths = pathsOf(value);
      const path = paths[pick % paths.length]!;
      return replaceAt(value, path, replacement);
    });
}

function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => pathsOf(v, [...prefix, i])));
  if (value && typeof value === 'object')
    return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === REMOVE) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === REMOVE) delete copy[head as string];
  else copy[head as string] = replaceAt(copy[head as string], rest, replacement);
  return copy;
}
