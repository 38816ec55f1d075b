import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AlertChannel } from '../platform/alerts/alert-channels';
import type { LoopbackAlertRoutes } from '../platform/venue-description';
import type { SmtpCredential, TwilioCredential } from '../platform/vault/entries';
import { startSmtpFake } from './smtp/server';
import { startTwilioFake } from './twilio/server';

/**
 * SIMULATED mode's operator phone and mailbox: the loopback Twilio and SMTP servers (which check credentials as the
 * real services do), reached by the real twilio and nodemailer clients, so every alert takes the whole path. What
 * they receive is appended to a JSON-lines file each, which `nemo alerts` reads.
 */

export const LOOPBACK_PHONE = '+15550100000';
export const LOOPBACK_EMAIL = 'operator@nemo.invalid';

export interface LoopbackAlertChannels extends LoopbackAlertRoutes {
  /** Vault entry name -> JSON credential (`twilio`, `smtp`), for the control domain. */
  credentials: Record<string, string>;
  stop(): Promise<void>;
}

export interface LoopbackMessage {
  at: string;
  to: string;
  /** The SMS text, or the email's subject. */
  text: string;
  id: string;
}

export async function startLoopbackAlertChannels(options: {
  channels: AlertChannel[];
  inboxDir: string;
  phone?: string;
  email?: string;
}): Promise<LoopbackAlertChannels> {
  mkdirSync(options.inboxDir, { recursive: true, mode: 0o700 });
  const keep = (file: string, message: LoopbackMessage) =>
    appendFileSync(file, `${JSON.stringify(message)}\n`, { mode: 0o600 });
  const result: LoopbackAlertChannels = {
    channels: options.channels,
    credentials: {},
    config: {},
    inbox: {},
    stop: async () => undefined,
  };
  const closers: (() => Promise<void>)[] = [];
  if (options.channels.includes('sms')) {
    const file = path.join(options.inboxDir, 'phone.jsonl');
    const account: TwilioCredential = {
      accountSid: `AC${randomBytes(16).toString('hex')}`,
      authToken: randomBytes(16).toString('hex'),
      from: '+15550100001',
    };
    const twilio = await startTwilioFake(account, {
      onMessage: (sms) => keep(file, { at: sms.at, to: sms.to, text: sms.body, id: sms.sid }),
    });
    closers.push(() => twilio.close());
    result.credentials.twilio = JSON.stringify(account);
    result.config.NEMO_TWILIO_API_URL = twilio.url;
    result.config.NEMO_OPERATOR_PHONE = options.phone ?? LOOPBACK_PHONE;
    result.inbox.sms = file;
  }
  if (options.channels.includes('email')) {
    const file = path.join(options.inboxDir, 'mailbox.jsonl');
    const login = { user: 'nemo', pass: randomBytes(16).toString('hex') };
    const smtp = await startSmtpFake(login, {
      onMessage: (email) =>
        keep(file, {
          at: new Date().toISOString(),
          to: email.to.join(', '),
          text: email.subject,
          id: /^Message-ID: (.*)$/im.exec(email.raw)?.[1]?.trim() ?? '',
        }),
    });
    closers.push(() => smtp.close());
    const credential: SmtpCredential = {
      host: smtp.host,
      port: smtp.port,
      secure: false,
      ...login,
      from: 'nemo@nemo.invalid',
    };
    result.credentials.smtp = JSON.stringify(credential);
    result.config.NEMO_OPERATOR_EMAIL = options.email ?? LOOPBACK_EMAIL;
    result.inbox.email = file;
  }
  result.stop = async () => {
    await Promise.all(closers.map((close) => close()));
  };
  return result;
}

/** What the loopback phone or mailbox received, oldest first (none when the file does not exist yet). */
export function readLoopbackInbox(file: string): LoopbackMessage[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoopbackMessage);
}
