import { msToNumber } from '@temporalio/common';
import type pg from 'pg';
import { z } from 'zod';
import type { Json } from '../../ledger/canonical-json';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import type { NemoConfig } from '../config';
import type { Logger } from '../logger';
import { scrub } from '../secret-scrubber';
import type { SecretSource } from '../secrets';
import type { SmtpCredential, TwilioCredential } from '../vault/entries';
import { missingSettings, type AlertChannel } from './alert-channels';
import { ALERT_KIND, deliveriesSince, heldSinceLastDelivery, SUMMARY_KIND, type HeldAlerts } from './alert-ledger';
import { sendEmail } from './email';
import { sendSms } from './sms';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface AlertRequest {
  severity: AlertSeverity;
  title: string;
  body: string;
  /** Alerts sharing a key are rate-limited together; defaults to severity and title. */
  dedupeKey?: string;
}

export interface ChannelAttempt {
  channel: AlertChannel;
  status: 'sent' | 'failed' | 'not-configured';
  id?: string;
  error?: string;
}

export type AlertOutcome = 'delivered' | 'held' | 'undelivered' | 'recorded-only';

export interface AlertReceipt {
  seq: number;
  outcome: AlertOutcome;
  attempts: ChannelAttempt[];
  /** Earlier alerts of the same key, held by the rate limit, that this delivery summarised. */
  summarisedHeld: number;
}

export class AlertInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertInputError';
  }
}

const alertRequest = z.object({
  severity: z.enum(ALERT_SEVERITIES),
  title: z.string().min(1).max(200),
  body: z.string().max(4000),
  dedupeKey: z.string().min(1).max(200).optional(),
});

// seed: "Alert operator via SMS (critical)". Critical goes to both channels; a warning goes by SMS with email as
// the backup; information goes by email only, so it never wakes the operator.
const ROUTES: Record<AlertSeverity, { channels: AlertChannel[]; fallback?: AlertChannel }> = {
  critical: { channels: ['sms', 'email'] },
  warning: { channels: ['sms'], fallback: 'email' },
  info: { channels: ['email'] },
};

const SMS_MAX_CHARS = 1500;
const HELD_LOOKBACK_MS = 7 * 86_400_000;
const NO_CHANNEL_NOTE =
  'no alert channel is configured for this severity (vault entries twilio/smtp and NEMO_OPERATOR_PHONE/NEMO_OPERATOR_EMAIL): recorded in the ledger and logged only';

/** A WorkerContext fits: the control worker builds its alert service from its own context. */
export interface AlertServiceDeps {
  ledgerPool: pg.Pool;
  logger: Logger;
  /** The control domain's credentials: entries `twilio` and `smtp`. */
  secrets: SecretSource;
  config: Pick<
    NemoConfig,
    | 'NEMO_OPERATOR_PHONE'
    | 'NEMO_OPERATOR_EMAIL'
    | 'NEMO_TWILIO_API_URL'
    | 'NEMO_ALERT_REPEAT_LIMIT'
    | 'NEMO_ALERT_REPEAT_WINDOW'
  >;
  now?: () => Date;
}

/** Runs `fn` after every earlier call with the same key has finished (one process: the control worker). */
function keyedMutex() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

/**
 * Operator alerts: routing by severity, SMS through Twilio, email through SMTP, a rate limit per dedupe key whose
 * held alerts are summarised (with the next delivery, or by `flushHeld`), and a ledger entry for every alert with
 * its delivery result. Credentials are read from the vault at each send, so a rotation or revocation applies at once.
 */
export function createAlertService(deps: AlertServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const windowMs = msToNumber(deps.config.NEMO_ALERT_REPEAT_WINDOW as Parameters<typeof msToNumber>[0]);
  const serialised = keyedMutex();

  const channels: Record<
    AlertChannel,
    { ready(): boolean; send(severity: AlertSeverity, title: string, body: string): Promise<string> }
  > = {
    sms: {
      ready: () => missingSettings('sms', deps.secrets, deps.config).length === 0,
      send: (severity, title, body) =>
        sendSms(
          JSON.parse(deps.secrets.get('twilio')!) as TwilioCredential,
          deps.config.NEMO_OPERATOR_PHONE!,
          `[NEMO ${severity.toUpperCase()}] ${title}\n${body}`.slice(0, SMS_MAX_CHARS),
          deps.config.NEMO_TWILIO_API_URL,
        ),
    },
    email: {
      ready: () => missingSettings('email', deps.secrets, deps.config).length === 0,
      send: (severity, title, body) =>
        sendEmail(
          JSON.parse(deps.secrets.get('smtp')!) as SmtpCredential,
          deps.config.NEMO_OPERATOR_EMAIL!,
          `[NEMO ${severity}] ${title}`,
          body,
        ),
    },
  };

  async function attempt(
    channel: AlertChannel,
    severity: AlertSeverity,
    title: string,
    body: string,
  ): Promise<ChannelAttempt> {
    if (!channels[channel].ready()) return { channel, status: 'not-configured' };
    try {
      return { channel, status: 'sent', id: await channels[channel].send(severity, title, body) };
    } catch (err) {
      return { channel, status: 'failed', error: scrub((err as Error).message).slice(0, 500) };
    }
  }

  async function deliver(
    severity: AlertSeverity,
    title: string,
    body: string,
  ): Promise<{ outcome: AlertOutcome; attempts: ChannelAttempt[] }> {
    const route = ROUTES[severity];
    const attempts = await Promise.all(route.channels.map((c) => attempt(c, severity, title, body)));
    if (route.fallback && !attempts.some((a) => a.status === 'sent'))
      attempts.push(await attempt(route.fallback, severity, title, body));
    const outcome: AlertOutcome = attempts.some((a) => a.status === 'sent')
      ? 'delivered'
      : attempts.every((a) => a.status === 'not-configured')
        ? 'recorded-only'
        : 'undelivered';
    return { outcome, attempts };
  }

  async function record(
    kind: string,
    idempotencyKey: string,
    severity: AlertSeverity,
    payload: { [key: string]: Json },
  ) {
    const { entry } = await appendEntry(deps.ledgerPool, {
      kind,
      domain: 'control',
      account: SYSTEM_ACCOUNT,
      payload,
      idempotencyKey,
    });
    const level = severity === 'critical' ? 'error' : severity === 'warning' ? 'warn' : 'info';
    deps.logger[level](
      { alert: { seq: entry.seq, kind, ...payload } },
      `operator alert ${payload.outcome}: ${String(payload.title)}`,
    );
    return entry.seq;
  }

  async function alreadyRecorded(idempotencyKey: string): Promise<AlertReceipt | undefined> {
    const { rows } = await deps.ledgerPool.query<{
      seq: string;
      payload: { outcome: AlertOutcome; attempts: ChannelAttempt[]; summarisedHeld?: number };
    }>('SELECT seq, payload FROM ledger_entries WHERE idempotency_key = $1', [idempotencyKey]);
    const row = rows[0];
    return (
      row && {
        seq: Number(row.seq),
        outcome: row.payload.outcome,
        attempts: row.payload.attempts,
        summarisedHeld: row.payload.summarisedHeld ?? 0,
      }
    );
  }

  /** Raises one alert. A retry with the same idempotency key returns the first result without sending again. */
  async function raise(request: AlertRequest, idempotencyKey: string): Promise<AlertReceipt> {
    const parsed = alertRequest.safeParse(request);
    if (!parsed.success) {
      throw new AlertInputError(
        `alert refused: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`,
      );
    }
    // An alert is text NEMO composed from events; scrubbing it is the last guard against a secret reaching a phone.
    const severity = parsed.data.severity;
    const title = scrub(parsed.data.title);
    const body = scrub(parsed.data.body);
    const dedupeKey = parsed.data.dedupeKey ?? `${severity}:${title}`;
    return serialised(dedupeKey, async () => {
      const earlier = await alreadyRecorded(idempotencyKey);
      if (earlier) return earlier;
      const at = now();
      const rateLimit = { limit: deps.config.NEMO_ALERT_REPEAT_LIMIT, window: deps.config.NEMO_ALERT_REPEAT_WINDOW };
      const base = { severity, title, body, dedupeKey, rateLimit };
      if ((await deliveriesSince(deps.ledgerPool, dedupeKey, new Date(at.getTime() - windowMs))) >= rateLimit.limit) {
        const note = `held by the rate limit (${rateLimit.limit} per ${rateLimit.window} for this key); summarised with the next delivery or by the alert digest`;
        const seq = await record(ALERT_KIND, idempotencyKey, severity, {
          ...base,
          outcome: 'held',
          attempts: [],
          note,
        });
        return { seq, outcome: 'held', attempts: [], summarisedHeld: 0 };
      }
      const [held] = await heldSinceLastDelivery(deps.ledgerPool, {
        dedupeKey,
        lookbackSince: new Date(at.getTime() - HELD_LOOKBACK_MS),
      });
      const summary = held
        ? `\n\n(${held.count} more like this were held back by the rate limit since ${held.first.toISOString()})`
        : '';
      const { outcome, attempts } = await deliver(severity, title, `${body}${summary}`);
      const payload = {
        ...base,
        outcome,
        attempts: attempts.map((a) => ({ ...a })),
        summarisedHeld: held?.count ?? 0,
        ...(outcome === 'recorded-only' ? { note: NO_CHANNEL_NOTE } : {}),
      };
      const seq = await record(ALERT_KIND, idempotencyKey, severity, payload);
      return { seq, outcome, attempts, summarisedHeld: held?.count ?? 0 };
    });
  }

  async function summarise(held: HeldAlerts): Promise<void> {
    const title = `${held.count} repeated alert${held.count === 1 ? '' : 's'} held back: ${held.title}`;
    const body =
      `Between ${held.first.toISOString()} and ${held.last.toISOString()}, ${held.count} alert(s) with key "${held.dedupeKey}" ` +
      `were held back by the rate limit (${deps.config.NEMO_ALERT_REPEAT_LIMIT} per ${deps.config.NEMO_ALERT_REPEAT_WINDOW}). The latest said:\n${held.body}`;
    const { outcome, attempts } = await deliver(held.severity, title, body);
    await record(SUMMARY_KIND, `alert-summary:${held.dedupeKey}:${held.lastSeq}`, held.severity, {
      severity: held.severity,
      title,
      body,
      dedupeKey: held.dedupeKey,
      heldCount: held.count,
      firstHeldAt: held.first.toISOString(),
      lastHeldAt: held.last.toISOString(),
      outcome,
      attempts: attempts.map((a) => ({ ...a })),
      ...(outcome === 'recorded-only' ? { note: NO_CHANNEL_NOTE } : {}),
    });
  }

  /** Sends one summary per key whose held alerts were not yet summarised; returns how many were sent. */
  async function flushHeld(): Promise<number> {
    const lookbackSince = new Date(now().getTime() - HELD_LOOKBACK_MS);
    let sent = 0;
    for (const { dedupeKey } of await heldSinceLastDelivery(deps.ledgerPool, { lookbackSince })) {
      await serialised(dedupeKey, async () => {
        // Looked up again under the key's lock: a delivery may have summarised them meanwhile.
        const [held] = await heldSinceLastDelivery(deps.ledgerPool, { dedupeKey, lookbackSince });
        if (!held) return;
        await summarise(held);
        sent += 1;
      });
    }
    return sent;
  }

  return { raise, flushHeld };
}

export type AlertService = ReturnType<typeof createAlertService>;
