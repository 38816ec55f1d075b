/**
 * What a venue failure means for a retry, as data both sides read: activities/venues/venue-errors.ts classifies a
 * failure into a kind and throws it under the kind's type; workflows/activity-options.ts lists the types retrying
 * cannot fix. 429, 5xx, timeouts and dropped connections are retryable (429 after the venue's Retry-After); 400, 401,
 * 403, 404, 409, insufficient funds, invalid orders and malformed data are named non-retryable failures.
 */
export type VenueFailureKind =
  | 'rate-limited'
  | 'unavailable'
  | 'timeout'
  | 'connection'
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'insufficient-funds'
  | 'invalid-order'
  | 'malformed-response'
  | 'not-configured'
  | 'invalid-request';

/** The ApplicationFailure type of each kind. */
export const VENUE_FAILURE_TYPES: Readonly<Record<VenueFailureKind, string>> = {
  'rate-limited': 'VenueRateLimited',
  unavailable: 'VenueUnavailable',
  timeout: 'VenueTimeout',
  connection: 'VenueConnectionLost',
  'bad-request': 'VenueBadRequest',
  unauthorized: 'VenueUnauthorized',
  forbidden: 'VenueForbidden',
  'not-found': 'VenueNotFound',
  conflict: 'VenueConflict',
  'insufficient-funds': 'InsufficientFunds',
  'invalid-order': 'InvalidOrder',
  'malformed-response': 'MalformedVenueResponse',
  'not-configured': 'VenueNotConfigured',
  'invalid-request': 'InvalidVenueRequest',
};

const RETRYABLE: ReadonlySet<VenueFailureKind> = new Set(['rate-limited', 'unavailable', 'timeout', 'connection']);

export function isRetryableKind(kind: VenueFailureKind): boolean {
  return RETRYABLE.has(kind);
}

/** The types of the venue failures retrying cannot fix. */
export const NON_RETRYABLE_VENUE_FAILURES: readonly string[] = (Object.keys(VENUE_FAILURE_TYPES) as VenueFailureKind[])
  .filter((kind) => !isRetryableKind(kind))
  .map((kind) => VENUE_FAILURE_TYPES[kind]);
