import { z } from 'zod';

/**
 * Fault injection per request pattern, set by tests (in process or through the control API). A rule matches a
 * request by method and path and fires `times` times (default: until cleared).
 */
export const FAULT_KINDS = [
  'latency', // delay the answer by latencyMs, then answer normally
  'server-error', // answer `status` (default 503) without handling
  'rate-limit', // answer 429 with Retry-After: retryAfterSeconds
  'reset', // destroy the connection before handling
  'accept-then-drop', // handle the request (state changes), then destroy the connection without answering
  'accept-then-hold', // handle the request (state changes), then hold the answer latencyMs: a caller that dies meanwhile never learns it
  'malformed-json', // handle the request, then answer 200 with a truncated JSON body
  'partial-fill', // orders fill at most fillFraction of their size
  'reject', // answer the venue's own "order rejected" error without handling
] as const;

export const faultRuleSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  /** A substring of the path, or a regular expression when it starts with '^'. */
  path: z.string().min(1),
  method: z.string().toUpperCase().optional(),
  times: z.number().int().positive().optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  status: z.number().int().min(500).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  /** Decimal fraction in [0, 1), e.g. "0.5". */
  fillFraction: z
    .string()
    .regex(/^0(\.\d{1,4})?$/)
    .optional(),
  reason: z.string().optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
  matches: (method: string, path: string) => boolean;
}

export class FaultPlan {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  add(input: FaultRule): number {
    const rule = faultRuleSchema.parse(input);
    const pattern = rule.path.startsWith('^') ? new RegExp(rule.path) : undefined;
    const id = this.nextId++;
    this.rules.push({
      ...rule,
      id,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
      matches: (method, path) =>
        (!rule.method || rule.method === method) && (pattern ? pattern.test(path) : path.includes(rule.path)),
    });
    return id;
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules that fire for this request (each use counts against its `times`). */
  take(method: string, path: string): FaultRule[] {
    const fired: FaultRule[] = [];
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !rule.matches(method, path)) continue;
      rule.remaining -= 1;
      const { matches: _matches, remaining: _remaining, ...plain } = rule;
      fired.push(plain);
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return fired;
  }

  list(): (FaultRule & { id: number; remaining: number | null })[] {
    return this.rules.map(({ matches: _m, remaining, ...rule }) => ({
      ...rule,
      remaining: Number.isFinite(remaining) ? remaining : null,
    }));
  }
}
