/**
 * The corpus generator's toolkit: a seeded random source (the same seed writes the same corpus), picking, and
 * template filling. A template is a string with {slot} holes, each filled from a vocabulary (a list, or a function
 * for values that are themselves composed), or a function of the random source for structures a string cannot say.
 */
export type Random = () => number;

/** mulberry32 over an FNV-1a hash of the seed. */
export function random(seed: string): Random {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
export const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const chance = (r: Random, p: number): boolean => r() < p;

export function shuffled<T>(r: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type Vocabulary = Record<string, readonly string[] | ((r: Random) => string)>;
export type Template = string | ((r: Random) => string);

/** Fills every {slot} from `vocab` (a slot's own value may hold further slots, filled in turn). */
export function fill(r: Random, template: Template, vocab: Vocabulary): string {
  let text = typeof template === 'function' ? template(r) : template;
  for (let depth = 0; depth < 6 && /\{[a-zA-Z]+\}/.test(text); depth++) {
    text = text.replace(/\{([a-zA-Z]+)\}/g, (_whole, name: string) => {
      const source = vocab[name];
      if (source === undefined) throw new Error(`template slot {${name}} has no vocabulary: ${text.slice(0, 80)}`);
      return typeof source === 'function' ? source(r) : pick(r, source);
    });
  }
  return text
    .replace(/[ \t]+([,.;:!?])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** Capitalises the first letter (templates often start with a slot). */
export const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * `count` distinct texts from a style's templates, round-robin over them so every template is used; a text that
 * comes out the same twice is drawn again (a style whose templates cannot make `count` different texts is an error).
 */
export function distinct(
  r: Random,
  count: number,
  templates: readonly Template[],
  vocab: Vocabulary,
  seen: Set<string>,
): string[] {
  const out: string[] = [];
  const order = shuffled(r, templates);
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt > count * 60)
      throw new Error(`only ${out.length} of ${count} distinct texts from ${templates.length} templates`);
    const text = fill(r, order[attempt % order.length]!, vocab);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out;
}
