import { ApplicationFailure } from '@temporalio/common';
import type { Venue } from '../../policies/orders';
import { VENUE_FAILURE_TYPES, isRetryableKind, type VenueFailureKind } from '../../policies/venue-failures';

/**
 * The one place venue failures are classified. Adapters report what happened (an HTTP answer, a transport failure,
 * a refused order, a malformed payload); this file decides which kind of failure it is, and the kind's type and
 * retryability come from policies/venue-failures.ts.
 */
export interface VenueErrorDetails {
  status?: number;
  /** The venue's own error code, e.g. "insufficient_balance" or "INSUFFICIENT_FUND". */
  code?: string;
  retryAfterMs?: number;
  /** For malformed responses and bad requests: the field at fault. */
  field?: string;
}

export class VenueError extends Error {
  constructor(
    readonly venue: Venue,
    readonly operation: string,
    readonly kind: VenueFailureKind,
    message: string,
    readonly details: VenueErrorDetails = {},
  ) {
    super(`${venue} ${operation}: ${message}`);
    this.name = VENUE_FAILURE_TYPES[kind];
  }

  get retryable(): boolean {
    return isRetryableKind(this.kind);
  }
}

/** Venue error codes (Kalshi `error.code`, Coinbase `error` / `error_response.error`) that mean "no money". */
const INSUFFICIENT_FUNDS_CODES = new Set([
  'insufficient_balance',
  'insufficient_funds',
  'INSUFFICIENT_FUND',
  'PREVIEW_INSUFFICIENT_FUND',
]);
/** Codes that mean the order itself is unacceptable (price, size, market state, flags). */
const INVALID_ORDER_CODES = new Set([
  'invalid_order',
  'invalid_price',
  'market_closed',
  'post_only_cross',
  'reduce_only_violation',
  'UNSUPPORTED_ORDER_CONFIGURATION',
]);
const isInvalidOrderCode = (code: string) =>
  INVALID_ORDER_CODES.has(code) || /^(PREVIEW_)?INVALID_(?!ARGUMENT)/.test(code);

/** An HTTP answer other than success. */
export function venueErrorFromHttp(
  venue: Venue,
  operation: string,
  status: number,
  headers: Record<string, unknown>,
  body: unknown,
): VenueError {
  const code = errorCode(body);
  const message = `HTTP ${status}${code ? ` ${code}` : ''}${errorMessage(body) ? `: ${errorMessage(body)}` : ''}`;
  const details = { status, code };
  if (status === 429)
    return new VenueError(venue, operation, 'rate-limited', message, {
      ...details,
      retryAfterMs: retryAfterMs(headers),
    });
  if (status >= 500 || status === 408) return new VenueError(venue, operation, 'unavailable', message, details);
  if (status === 401) return new VenueError(venue, operation, 'unauthorized', message, details);
  if (status === 403) return new VenueError(venue, operation, 'forbidden', message, details);
  if (status === 404) return new VenueError(venue, operation, 'not-found', message, details);
  if (status === 409) return new VenueError(venue, operation, 'conflict', message, details);
  if (code && INSUFFICIENT_FUNDS_CODES.has(code))
    return new VenueError(venue, operation, 'insufficient-funds', message, details);
  if (code && isInvalidOrderCode(code)) return new VenueError(venue, operation, 'invalid-order', message, details);
  return new VenueError(venue, operation, 'bad-request', message, details);
}

/** A venue that answered 200 but refused the order (Coinbase `success: false`). */
export function orderRefused(venue: Venue, operation: string, code: string, message: string): VenueError {
  const kind = INSUFFICIENT_FUNDS_CODES.has(code) ? 'insufficient-funds' : 'invalid-order';
  return new VenueError(venue, operation, kind, `order refused: ${code}${message ? ` (${message})` : ''}`, { code });
}

/** No answer: the request timed out, or the connection failed or was dropped. */
export function venueErrorFromTransport(
  venue: Venue,
  operation: string,
  what: 'timeout' | 'connection',
  message: string,
): VenueError {
  return new VenueError(
    venue,
    operation,
    what,
    what === 'timeout' ? `no answer in time (${message})` : `connection lost (${message})`,
  );
}

/** A request NEMO should not have made as it is (a value the venue cannot take); retrying cannot fix it. */
export function invalidRequest(venue: Venue, operation: string, field: string, problem: string): VenueError {
  return new VenueError(venue, operation, 'invalid-request', `${field} ${problem}`, { field });
}

export function malformedResponse(venue: Venue, operation: string, field: string, problem: string): VenueError {
  return new VenueError(venue, operation, 'malformed-response', `malformed response: ${field} ${problem}`, { field });
}

/**
 * The failure an activity throws for `err`: venue errors become ApplicationFailures of their named type
 * (retryable ones with the venue's Retry-After as the next retry delay); anything else is rethrown as it is.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof VenueError)) return err;
  const venueError = err;
  const details = [
    { venue: venueError.venue, operation: venueError.operation, kind: venueError.kind, ...venueError.details },
  ];
  return ApplicationFailure.create({
    message: venueError.message,
    type: venueError.name,
    nonRetryable: !venueError.retryable,
    nextRetryDelay: venueError.kind === 'rate-limited' ? venueError.details.retryAfterMs : undefined,
    details,
  });
}

function errorCode(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const error = body.error;
  if (isRecord(error) && typeof error.code === 'string') return error.code; // Kalshi
  if (typeof error === 'string') return error; // Coinbase
  const refused = body.error_response;
  if (isRecord(refused) && typeof refused.error === 'string') return refused.error;
  return undefined;
}

function errorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200) || undefined;
  if (!isRecord(body)) return undefined;
  if (isRecord(body.error) && typeof body.error.message === 'string') return body.error.message;
  return typeof body.message === 'string' ? body.message : undefined;
}

/** Retry-After in ms: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Record<string, unknown>, now = Date.now()): number | undefined {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  const text = Array.isArray(entry)
    ? String(entry[0])
    : entry === undefined || entry === null
      ? undefined
      : String(entry);
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
