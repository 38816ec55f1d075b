/**
 * The ledger hashes a canonical encoding: JSON with object keys sorted at every depth and no whitespace, so the
 * same facts always give the same bytes whether they come from the writer or are read back from jsonb.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class NotJsonError extends Error {
  constructor(
    readonly at: string,
    problem: string,
  ) {
    super(`ledger payload at ${at} ${problem}`);
    this.name = 'NotJsonError';
  }
}

/** Checks that a value survives a round trip through PostgreSQL jsonb unchanged, naming the first part that would not. */
export function assertJson(value: unknown, at = 'payload'): asserts value is Json {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NotJsonError(at, `is ${value}, which JSON cannot hold`);
    return;
  }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new NotJsonError(at, 'contains a NUL character, which jsonb refuses');
    if (!value.isWellFormed()) throw new NotJsonError(at, 'contains a lone UTF-16 surrogate');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJson(item, `${at}[${i}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) throw new NotJsonError(`${at}.${key}`, 'is undefined: omit the key or use null');
      assertJson(item, `${at}.${key}`);
    }
    return;
  }
  throw new NotJsonError(
    at,
    `is a ${typeof value === 'object' ? (value as object).constructor?.name : typeof value}, not plain JSON`,
  );
}

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
}
