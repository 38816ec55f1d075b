/**
 * The SIMULATED venues as a process of their own, for `nemo up` to supervise:
 *
 *   tsx simulators/serve-venues.ts <description.json> [--seed S] [--state-dir DIR] [--kalshi-markets N] [--alerts sms,email]
 *     [--kalshi-tier basic|advanced|premier|prime] [--starting-balance-cents N]
 *
 * Starts all four loopback venues and, for the alert channels named, the loopback operator phone and mailbox; writes
 * the credentials (0600) and then the description (base URLs, the configuration to apply, the credentials file's
 * path), and runs until SIGINT/SIGTERM.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ALERT_CHANNELS, CHANNEL_SETTINGS } from '../platform/alerts/alert-channels';
import { startLoopbackAlertChannels } from './alert-channels';
import { startLoopbackVenues } from './start-venues';
import type { VenueDescription } from '../platform/venue-description';
import { KALSHI_TIERS, type KalshiTier } from './kalshi/auth';

const argsSchema = z.object({
  description: z
    .string()
    .min(1, 'usage: serve-venues.ts <description.json> [--seed S] [--state-dir DIR] [--kalshi-markets N]'),
  seed: z.string().min(1).default('nemo'),
  stateDir: z.string().optional(),
  kalshiMarkets: z.coerce.number().int().min(1).max(100_000).optional(),
  kalshiTier: z.enum(Object.keys(KALSHI_TIERS) as [KalshiTier, ...KalshiTier[]]).optional(),
  startingBalanceCents: z.coerce.number().int().min(0).optional(),
  alerts: z
    .string()
    .default('')
    .transform((list) => list.split(',').filter(Boolean))
    .pipe(z.array(z.enum(ALERT_CHANNELS))),
});

function parseArgs(argv: string[]) {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) flags[arg.slice(2)] = argv[++i] ?? '';
    else positional.push(arg);
  }
  return argsSchema.parse({
    description: positional[0] ?? '',
    seed: flags.seed,
    stateDir: flags['state-dir'],
    kalshiMarkets: flags['kalshi-markets'],
    alerts: flags.alerts,
    kalshiTier: flags['kalshi-tier'],
    startingBalanceCents: flags['starting-balance-cents'],
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const venues = await startLoopbackVenues({
    seed: args.seed,
    stateDir: args.stateDir,
    kalshiMarkets: args.kalshiMarkets,
    kalshiTier: args.kalshiTier,
    startingBalanceCents: args.startingBalanceCents,
  });
  const descriptionFile = path.resolve(args.description);
  const alerts = await startLoopbackAlertChannels({
    channels: args.alerts,
    inboxDir: path.join(args.stateDir ?? path.dirname(descriptionFile), 'inbox'),
  });
  const credentialsFile = `${descriptionFile.replace(/\.json$/, '')}.credentials.json`;
  mkdirSync(path.dirname(descriptionFile), { recursive: true });
  writeFileSync(
    credentialsFile,
    JSON.stringify({
      credentials: { ...venues.credentials, ...alerts.credentials },
      controlToken: venues.controlToken,
    }),
    { mode: 0o600 },
  );
  const description: VenueDescription = {
    label: 'SIMULATED',
    seed: args.seed,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    config: venues.config,
    control: {
      kalshiProduction: venues.control.kalshi.production.baseUrl,
      kalshiDemo: venues.control.kalshi.demo.baseUrl,
      coinbaseProduction: venues.control.coinbase.production.baseUrl,
      coinbaseDemo: venues.control.coinbase.demo.baseUrl,
    },
    credentialsFile,
    alerts: { channels: alerts.channels, config: alerts.config, inbox: alerts.inbox },
  };
  writeFileSync(`${descriptionFile}.tmp`, JSON.stringify(description, null, 2));
  // Written last and by rename, so a reader that sees the description finds the credentials already in place.
  renameSync(`${descriptionFile}.tmp`, descriptionFile);
  process.stdout.write(
    [
      '*** SIMULATED VENUES — no real money, no real exchange ***',
      `  Kalshi production    ${venues.config.NEMO_KALSHI_PRODUCTION_URL}`,
      `  Kalshi demo          ${venues.config.NEMO_KALSHI_DEMO_URL}`,
      `  Coinbase production  ${venues.config.NEMO_COINBASE_PRODUCTION_URL}`,
      `  Coinbase demo        ${venues.config.NEMO_COINBASE_DEMO_URL}`,
      ...alerts.channels.map(
        (c) =>
          `  loopback ${c === 'sms' ? 'phone  ' : 'mailbox'}     ${alerts.config[CHANNEL_SETTINGS[c].address]} (alerts by ${c})`,
      ),
      `  seed ${args.seed}${args.stateDir ? `, state in ${args.stateDir}` : ''}; description ${descriptionFile}`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all([venues.stop(), alerts.stop()]);
  rmSync(descriptionFile, { force: true });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
