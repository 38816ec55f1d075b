import { flushHeldAlerts } from './alerts';

/**
 * Scheduled every alert rate-limit window: alerts the rate limit held back are summarised to the operator even when
 * no later alert of the same kind comes to carry the count (seed: never hide failures from the operator).
 */
export async function alertDigest(): Promise<{ summaries: number }> {
  return flushHeldAlerts();
}
