import { z } from 'zod';
import { MoneyFormatError } from '../../policies/money';
import { malformedResponse } from './venue-errors';
import type { Venue } from '../../policies/orders';

/**
 * Every venue answer passes through here: checked against its zod schema, then normalised. Whatever is wrong
 * becomes a MalformedVenueResponse naming the field, never a crash and never a silently wrong number.
 */
export const decimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'is not a decimal number');
/** Coinbase sends "" for some prices it has not computed (e.g. a product with no trades). */
export const optionalDecimalText = z.union([decimalText, z.literal('')]);
export const isoTime = z.iso.datetime({ offset: true, error: 'is not an ISO timestamp' });

export interface Decoder<T> {
  schema: z.ZodType;
  /** Parses and normalises a raw answer; throws a named VenueError when it is malformed. */
  decode(body: unknown): T;
}

/** A decoder for one operation's answer: `normalise` may use money.ts conversions, whose errors name the field. */
export function decoder<S extends z.ZodType, T>(
  venue: Venue,
  operation: string,
  schema: S,
  normalise: (parsed: z.infer<S>) => T,
): Decoder<T> {
  return {
    schema,
    decode(body) {
      const result = schema.safeParse(body);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        throw malformedResponse(
          venue,
          operation,
          issue.path.length > 0 ? issue.path.join('.') : '(body)',
          issue.message,
        );
      }
      try {
        return normalise(result.data);
      } catch (err) {
        if (err instanceof MoneyFormatError) throw malformedResponse(venue, operation, err.field, err.message);
        throw err;
      }
    },
  };
}
