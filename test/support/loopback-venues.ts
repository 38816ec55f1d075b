import assert from 'node:assert/strict';
import { venuePortsFor, type VenuePorts } from '../../activities/venues/credentials';
import { loadConfig, type NemoConfig } from '../../platform/config';
import type { Domain } from '../../policies/domains';
import { startLoopbackVenues, type LoopbackVenues, type StartVenuesOptions } from '../../simulators/start-venues';
import { atFileEnd } from './stack';

/**
 * The SIMULATED venues for one test file. When the file ends they stop, after checking that nothing called a
 * fund-moving endpoint (`expectedViolations` for the one test that does so on purpose).
 */
export async function startTestVenues(
  options: Partial<StartVenuesOptions> & { expectedViolations?: number } = {},
): Promise<
  LoopbackVenues & {
    portsFor(domain: Domain, extra?: { timeoutMs?: number; throttle?: boolean }): VenuePorts;
    venueConfig: NemoConfig;
  }
> {
  const { expectedViolations = 0, ...start } = options;
  const venues = await startLoopbackVenues({ seed: 'test-seed', kalshiMarkets: 200, kalshiTier: 'prime', ...start });
  atFileEnd(async () => {
    try {
      let violations = 0;
      for (const client of [
        venues.control.kalshi.production,
        venues.control.kalshi.demo,
        venues.control.coinbase.production,
        venues.control.coinbase.demo,
      ]) {
        violations += (await client.violations()).count;
      }
      assert.equal(violations, expectedViolations, 'calls to fund-moving venue endpoints');
    } finally {
      await venues.stop();
    }
  });
  const venueConfig = loadConfig({ NEMO_HOME: '/nonexistent-nemo-home', ...venues.config });
  return {
    ...venues,
    venueConfig,
    portsFor: (domain, extra = {}) =>
      venuePortsFor(domain, venues.secretsFor(domain), venueConfig, { timeoutMs: 2_000, ...extra }),
  };
}
