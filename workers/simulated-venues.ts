import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CHANNEL_SETTINGS, type AlertChannel } from '../platform/alerts/alert-channels';
import type { NemoHome } from '../platform/nemo-home';
import { Supervisor } from '../platform/supervisor';
import type { Vault } from '../platform/vault/vault';
import { SIMULATED_SERIES } from '../simulators/kalshi/markets';
import { readVenueDescription, type VenueDescription } from '../platform/venue-description';

/** What SIMULATED mode approves when the operator approved nothing: every simulated market (fake money only). */
export function simulatedApprovedMarkets(products: string): string {
  return [...SIMULATED_SERIES.map((s) => `kalshi:${s}-*`), ...products.split(',').map((p) => `coinbase:${p}`)].join(
    ',',
  );
}

/**
 * SIMULATED mode: with no venue keys in the vault, `nemo up` trades against the loopback venues (no real money, no
 * real exchange), run as a supervised process of their own. Their state persists under NEMO_HOME/venues, so a
 * restarted NEMO finds the same balances and orders; the workers get the venues' URLs and their own domain's share
 * of the generated keys (NEMO_SIMULATED_VENUES).
 */
const ROOT = path.resolve(__dirname, '..');

/** Any Kalshi or Coinbase credential in the vault means real venues; none means SIMULATED. */
export function hasVenueKeys(vault: Vault | undefined): boolean {
  return Boolean(vault?.list().some((e) => !e.revokedAt && /^(kalshi|coinbase)\./.test(e.name)));
}

export interface SimulatedVenues {
  description: VenueDescription;
  /** Environment for the workers: the venues' URLs and where their keys are. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Where `nemo up` describes the SIMULATED venues (and the loopback alert channels) for other processes. */
export function simulatedVenuesFile(home: NemoHome): string {
  return path.join(home.run, 'simulated-venues.json');
}

export async function startSimulatedVenues(
  home: NemoHome,
  sim: { seed: string; kalshiMarkets: number; alerts: readonly AlertChannel[] },
  say: (line: string) => void,
): Promise<SimulatedVenues> {
  const descriptionFile = simulatedVenuesFile(home);
  rmSync(descriptionFile, { force: true });
  const supervisor = new Supervisor({ maxRestarts: 3, restartDelayMs: 1000, stableAfterMs: 10 * 60_000 });
  supervisor.start({
    name: 'venues',
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      path.join(ROOT, 'simulators', 'serve-venues.ts'),
      descriptionFile,
      '--seed',
      sim.seed,
      '--state-dir',
      path.join(home.root, 'venues'),
      '--kalshi-markets',
      String(sim.kalshiMarkets),
      '--alerts',
      sim.alerts.join(','),
    ],
  });
  const deadline = Date.now() + 60_000;
  while (!existsSync(descriptionFile)) {
    if (Date.now() > deadline || supervisor.statuses()[0]?.state === 'failed') {
      await supervisor.stopAll();
      throw new Error('the SIMULATED venues did not start within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const { description } = readVenueDescription(descriptionFile);
  say(
    `Venues: *** SIMULATED *** loopback Kalshi (${sim.kalshiMarkets} markets) and Coinbase (seed ${sim.seed}); no real money, no real exchange`,
  );
  for (const channel of description.alerts.channels) {
    say(
      `Alerts: ${channel} goes to the loopback ${channel === 'sms' ? 'phone' : 'mailbox'} ${description.alerts.config[CHANNEL_SETTINGS[channel].address]} (SIMULATED; \`nemo alerts\` shows what it received)`,
    );
  }
  return {
    description,
    env: { ...description.config, ...description.alerts.config, NEMO_SIMULATED_VENUES: descriptionFile },
    stop: () => supervisor.stopAll(),
  };
}
