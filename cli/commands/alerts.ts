import { existsSync, readFileSync } from 'node:fs';
import { recentAlerts, type SentAlert } from '../../platform/alerts/alert-ledger';
import { CHANNEL_SETTINGS, type AlertChannel } from '../../platform/alerts/alert-channels';
import { loadConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { appPool } from '../../platform/postgres/postgres';
import { simulatedVenuesFile } from '../../workers/simulated-venues';
import { readLoopbackInbox, type LoopbackMessage } from '../../simulators/alert-channels';
import { UsageError, type Command } from '../command';
import type { VenueDescription } from '../../platform/venue-description';
import { readStackDescription } from '../../platform/stack-description';

export interface LoopbackInbox {
  channel: AlertChannel;
  address: string;
  received: number;
  latest: LoopbackMessage[];
}

/** SIMULATED mode: what the loopback phone and mailbox of the running stack received (none otherwise). */
export function loopbackInboxes(home: string, limit: number): LoopbackInbox[] {
  const running = readStackDescription(nemoHome(home));
  const file = simulatedVenuesFile(nemoHome(home));
  if (running?.venues !== 'SIMULATED' || !existsSync(file)) return [];
  const { alerts } = JSON.parse(readFileSync(file, 'utf8')) as VenueDescription;
  return alerts.channels.map((channel) => {
    const messages = readLoopbackInbox(alerts.inbox[channel]!);
    return {
      channel,
      address: alerts.config[CHANNEL_SETTINGS[channel].address] ?? '',
      received: messages.length,
      latest: messages.slice(-limit).reverse(),
    };
  });
}

function describeAttempts(alert: SentAlert): string {
  if (alert.attempts.length === 0) return alert.outcome === 'held' ? 'held by the rate limit' : 'no channel';
  return alert.attempts.map((a) => `${a.channel} ${a.status}${a.error ? ` (${a.error})` : ''}`).join(', ');
}

/** `nemo alerts`: what NEMO told the operator, on which channel, and whether it got through. */
export const alertsCommand: Command = {
  name: 'alerts',
  usage: 'alerts [--limit N] [--json]',
  summary:
    "List the alerts sent (newest first) with each channel's delivery; in SIMULATED mode what the loopback phone and mailbox received",
  options: { limit: { type: 'string' } },
  async run({ values, io, env }) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new UsageError(`--limit "${String(values.limit)}" must be a whole number from 1 to 1000`);
    const config = loadConfig(env);
    const pool = appPool(config.DATABASE_URL, 1);
    try {
      const alerts = await recentAlerts(pool, limit);
      const inboxes = loopbackInboxes(config.NEMO_HOME, limit);
      if (values.json) {
        io.out(JSON.stringify({ alerts, loopback: inboxes }, null, 2));
        return 0;
      }
      if (alerts.length === 0) io.out('no alert sent yet');
      for (const a of alerts) {
        io.out(
          `${a.at.toISOString()}  #${a.seq}  ${a.severity.padEnd(8)} ${a.outcome.padEnd(13)} ${a.kind === 'alert.summary' ? '[summary] ' : ''}${a.title}`,
        );
        io.out(`      ${describeAttempts(a)}`);
      }
      for (const inbox of inboxes) {
        io.out('');
        io.out(
          `SIMULATED loopback ${inbox.channel === 'sms' ? 'phone' : 'mailbox'} ${inbox.address}: ${inbox.received} received${inbox.received ? `; latest ${inbox.latest.length}:` : ''}`,
        );
        for (const m of inbox.latest) io.out(`  ${m.at}  ${m.text.split('\n')[0]}`);
      }
      return 0;
    } finally {
      await pool.end();
    }
  },
};
