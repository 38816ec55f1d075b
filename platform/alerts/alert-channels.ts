import type { NemoConfig } from '../config';
import type { SecretSource } from '../secrets';
import type { SmtpCredential, TwilioCredential } from '../vault/entries';
import { checkSmtp } from './email';
import { checkTwilioAccount } from './sms';
import { runProbe } from '../health-probe';

export const ALERT_CHANNELS = ['sms', 'email'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export type AlertChannelConfig = Pick<
  NemoConfig,
  'NEMO_OPERATOR_PHONE' | 'NEMO_OPERATOR_EMAIL' | 'NEMO_TWILIO_API_URL'
>;

/** What each channel needs before it can carry an alert: its vault entry and the operator's address. */
export const CHANNEL_SETTINGS = {
  sms: { entry: 'twilio', address: 'NEMO_OPERATOR_PHONE' },
  email: { entry: 'smtp', address: 'NEMO_OPERATOR_EMAIL' },
} as const satisfies Record<AlertChannel, { entry: string; address: keyof AlertChannelConfig }>;

/** The settings `channel` lacks (empty when it is configured), named as the operator sets them. */
export function missingSettings(channel: AlertChannel, secrets: SecretSource, config: AlertChannelConfig): string[] {
  const { entry, address } = CHANNEL_SETTINGS[channel];
  return [...(secrets.get(entry) ? [] : [`vault entry ${entry}`]), ...(config[address] ? [] : [address])];
}

export interface ChannelProbe {
  channel: AlertChannel;
  status: 'up' | 'down' | 'not-configured';
  detail: string;
}

/**
 * Asks each configured channel's service whether it would carry an alert, without sending one: the Twilio account
 * answers and is active, the SMTP server accepts the login.
 */
export async function probeAlertChannels(secrets: SecretSource, config: AlertChannelConfig): Promise<ChannelProbe[]> {
  return Promise.all(
    ALERT_CHANNELS.map(async (channel): Promise<ChannelProbe> => {
      const missing = missingSettings(channel, secrets, config);
      if (missing.length) return { channel, status: 'not-configured', detail: `missing ${missing.join(' and ')}` };
      const secret = JSON.parse(secrets.get(CHANNEL_SETTINGS[channel].entry)!) as TwilioCredential & SmtpCredential;
      const result = await runProbe({
        name: channel,
        check: () => (channel === 'sms' ? checkTwilioAccount(secret, config.NEMO_TWILIO_API_URL) : checkSmtp(secret)),
      });
      const to = config[CHANNEL_SETTINGS[channel].address];
      return result.status === 'up'
        ? { channel, status: 'up', detail: `answered in ${result.latencyMs} ms; alerts go to ${to}` }
        : { channel, status: 'down', detail: `does not answer: ${result.detail}` };
    }),
  );
}

/** The sentence that tells the operator how to give NEMO a working alert channel. */
export function noWorkingChannel(probes: ChannelProbe[]): string {
  const each = probes.map((p) => `${p.channel}: ${p.detail}`).join('; ');
  return `no alert channel works (${each}). Set NEMO_OPERATOR_PHONE and vault entry twilio (\`nemo keys set twilio\`), or NEMO_OPERATOR_EMAIL and vault entry smtp (\`nemo keys set smtp\`)`;
}
