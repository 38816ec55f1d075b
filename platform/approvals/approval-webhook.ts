import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import twilio from 'twilio';
import { createAlertService, type AlertService } from '../alerts/alert-service';
import { decideApproval } from './approvals-decision';
import { findPendingByCode } from './approvals-store';
import type { Json } from '../../ledger/canonical-json';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import type { WorkerContext } from '../worker-context';
import type { Logger } from '../logger';
import type { TwilioCredential } from '../vault/entries';

/**
 * The inbound SMS webhook (control domain): the operator answers an approval alert with `YES 4821` or
 * `NO 4821 <reason>`. A reply counts only if Twilio signed it (X-Twilio-Signature over the public URL and the
 * form fields, with the account's auth token), it comes from the operator's number, it was not seen before, and its
 * code belongs to a pending, unexpired request. Everything else is refused politely and recorded as a security event.
 */

export interface ApprovalWebhookOptions {
  /** The URL Twilio posts to, exactly as configured at Twilio: the signature covers it. */
  publicUrl: string;
  port: number;
  host?: string;
  operatorPhone: string;
  /** Recorded as `decided_by` with channel `sms`. */
  operatorName: string;
  /** The Twilio auth token, read at each request so a rotated credential applies at once. */
  authToken: () => string | undefined;
  ledgerPool: pg.Pool;
  temporal: Client;
  logger: Logger;
  alerts?: AlertService;
  confirmWithinMs?: number;
}

export interface ApprovalWebhook {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;
// Guessing a 4-digit code takes thousands of tries: after a few wrong codes, SMS decisions pause for a while.
const BAD_CODE_LIMIT = 5;
const BAD_CODE_WINDOW_MS = 15 * 60_000;
const REPLY = /^\s*(YES|NO)\s+(\d{4})\b\s*(.*)$/is;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    readonly answer: string,
    readonly facts: { [key: string]: Json },
  ) {
    super(answer);
  }
}

const normalisePhone = (phone: string) => phone.replace(/[\s().-]/g, '');

function twiml(res: ServerResponse, status: number, message: string): void {
  const response = new twilio.twiml.MessagingResponse();
  response.message(message);
  res.writeHead(status, { 'content-type': 'text/xml' }).end(response.toString());
}

async function formOf(req: IncomingMessage): Promise<Record<string, string>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, 'security.sms-oversized', 'Message too large.', { bytes: size });
    chunks.push(chunk as Buffer);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

export async function startApprovalWebhook(options: ApprovalWebhookOptions): Promise<ApprovalWebhook> {
  const path = new URL(options.publicUrl).pathname;
  const record = (kind: string, payload: { [key: string]: Json }, idempotencyKey = `${kind}:${randomUUID()}`) =>
    appendEntry(options.ledgerPool, { kind, domain: 'control', account: SYSTEM_ACCOUNT, payload, idempotencyKey });

  async function handle(req: IncomingMessage): Promise<{ status: number; answer: string }> {
    // Stray requests (scanners) are answered but not recorded: they carry no claim to be Twilio.
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://webhook').pathname !== path)
      return { status: 404, answer: 'Not found.' };
    const form = await formOf(req);
    const token = options.authToken();
    if (!token)
      return {
        status: 503,
        answer: 'SMS approvals are not configured on this NEMO (no twilio vault entry). Use `nemo approve`.',
      };
    const signature = req.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || !twilio.validateRequest(token, signature, options.publicUrl, form)) {
      throw new Refusal(403, 'security.sms-forged-signature', 'This request could not be verified.', {
        from: form.From ?? null,
        signed: typeof signature === 'string',
      });
    }
    const from = normalisePhone(form.From ?? '');
    if (from !== normalisePhone(options.operatorPhone)) {
      throw new Refusal(200, 'security.sms-unknown-sender', 'This number is not authorised to answer NEMO.', { from });
    }
    if (!form.MessageSid) throw new Refusal(400, 'security.sms-malformed', 'Missing message id.', { from });
    const { rows } = await options.ledgerPool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ledger_entries WHERE kind = 'security.sms-bad-code' AND recorded_at > $1",
      [new Date(Date.now() - BAD_CODE_WINDOW_MS)],
    );
    if (rows[0]!.n >= BAD_CODE_LIMIT) {
      throw new Refusal(
        200,
        'security.sms-locked',
        'Too many wrong codes: SMS decisions are paused for 15 minutes. Use `nemo approve` on the NEMO host.',
        {
          from,
          messageSid: form.MessageSid,
          recentWrongCodes: rows[0]!.n,
        },
      );
    }
    // One decision per message: a replayed request (same MessageSid) is refused even if a new request reuses its code.
    const { duplicate } = await record(
      'approval.sms-reply',
      { messageSid: form.MessageSid, from, body: (form.Body ?? '').slice(0, 300) },
      `sms-reply:${form.MessageSid}`,
    );
    if (duplicate)
      throw new Refusal(200, 'security.sms-replayed', 'This reply was already processed.', {
        messageSid: form.MessageSid,
      });
    const reply = REPLY.exec(form.Body ?? '');
    if (!reply) {
      throw new Refusal(
        200,
        'security.sms-unparsed-reply',
        'Reply YES <code> to approve or NO <code> <reason> to reject.',
        { messageSid: form.MessageSid },
      );
    }
    const [, verb, code, rest] = reply as unknown as [string, string, string, string];
    const approve = verb.toUpperCase() === 'YES';
    const approval = await findPendingByCode(options.ledgerPool, code);
    if (!approval) {
      throw new Refusal(200, 'security.sms-bad-code', `No pending request has code ${code}.`, {
        code,
        messageSid: form.MessageSid,
        why: 'no pending request has this code',
      });
    }
    if (approval.expiresAt.getTime() <= Date.now()) {
      throw new Refusal(
        200,
        'security.sms-bad-code',
        `Request #${approval.id} expired at ${approval.expiresAt.toISOString()}; nothing was decided.`,
        {
          code,
          approvalId: approval.id,
          messageSid: form.MessageSid,
          why: 'expired',
        },
      );
    }
    const result = await decideApproval(
      { pool: options.ledgerPool, temporal: options.temporal },
      {
        approvalId: approval.id,
        approve,
        by: options.operatorName,
        channel: 'sms',
        reason: rest.trim() || (approve ? undefined : 'rejected by SMS reply (no reason given)'),
      },
      { confirmWithinMs: options.confirmWithinMs },
    );
    if (result.status === 'taken')
      return { status: 200, answer: `${approve ? 'Approved' : 'Rejected'} #${approval.id} (${approval.subject}).` };
    if (result.status === 'unconfirmed')
      return { status: 200, answer: `Recorded for #${approval.id}; NEMO will act on it when its worker runs.` };
    throw new Refusal(200, 'security.sms-bad-code', `Not applied: ${result.message}.`, {
      code,
      approvalId: approval.id,
      messageSid: form.MessageSid,
      why: result.message,
    });
  }

  const server = createServer((req, res) => {
    handle(req).then(
      ({ status, answer }) => twiml(res, status, answer),
      async (err: Error) => {
        if (!(err instanceof Refusal)) {
          options.logger.error({ err: err.message }, 'approval webhook failed');
          twiml(res, 500, 'NEMO could not process this reply; use `nemo approve` or try again.');
          return;
        }
        options.logger.warn({ event: err.kind, ...err.facts }, `approval webhook refused: ${err.answer}`);
        try {
          await record(err.kind, { ...err.facts, answer: err.answer, remoteAddress: req.socket.remoteAddress ?? null });
          // Someone is knocking with a forged or foreign message: the operator hears of it (rate-limited).
          if (
            [
              'security.sms-forged-signature',
              'security.sms-unknown-sender',
              'security.sms-replayed',
              'security.sms-locked',
            ].includes(err.kind)
          ) {
            await options.alerts?.raise(
              {
                severity: 'warning',
                title: `SMS approval webhook refused a message (${err.kind})`,
                body: `${err.answer} Details: ${JSON.stringify(err.facts)}`,
                dedupeKey: 'security.sms-webhook',
              },
              `sms-webhook-alert:${randomUUID()}`,
            );
          }
        } catch (recordErr) {
          options.logger.error({ err: (recordErr as Error).message }, 'could not record a refused webhook request');
        }
        twiml(res, err.status, err.answer);
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The control process's webhook, when NEMO_APPROVAL_WEBHOOK_PORT is set (workers/control.ts); a no-op otherwise.
 * A port without the public URL or the operator's phone is a configuration error, reported by name.
 */
export async function startConfiguredApprovalWebhook(ctx: WorkerContext): Promise<{ close(): Promise<void> }> {
  const { config } = ctx;
  if (config.NEMO_APPROVAL_WEBHOOK_PORT === undefined) return { close: async () => undefined };
  const missing = (['NEMO_APPROVAL_WEBHOOK_URL', 'NEMO_OPERATOR_PHONE'] as const).filter((name) => !config[name]);
  if (missing.length) throw new Error(`NEMO_APPROVAL_WEBHOOK_PORT is set, so ${missing.join(' and ')} must be set too`);
  const options: ApprovalWebhookOptions = {
    publicUrl: config.NEMO_APPROVAL_WEBHOOK_URL!,
    port: config.NEMO_APPROVAL_WEBHOOK_PORT,
    host: config.NEMO_APPROVAL_WEBHOOK_HOST,
    operatorPhone: config.NEMO_OPERATOR_PHONE!,
    operatorName: config.NEMO_OPERATOR,
    authToken: () => {
      const twilioEntry = ctx.secrets.get('twilio');
      return twilioEntry ? (JSON.parse(twilioEntry) as TwilioCredential).authToken : undefined;
    },
    ledgerPool: ctx.ledgerPool,
    temporal: ctx.temporal,
    logger: ctx.logger,
    alerts: createAlertService(ctx),
  };
  // During a self-upgrade the new release's control worker starts while the replaced one still serves the port:
  // it takes the webhook over when the old process lets go, instead of failing the deploy.
  let webhook: ApprovalWebhook | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let waiting = false;
  const listen = async (): Promise<void> => {
    try {
      webhook = await startApprovalWebhook(options);
      if (stopped) return void (await webhook.close());
      ctx.logger.info(
        { url: webhook.url, publicUrl: config.NEMO_APPROVAL_WEBHOOK_URL },
        'SMS approval webhook listening',
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || stopped) throw err;
      if (!waiting)
        ctx.logger.warn(
          { port: options.port },
          `SMS approval webhook port busy (a replaced build still serves it); taking it over when it is free`,
        );
      waiting = true;
      retry = setTimeout(
        () => void listen().catch((e: Error) => ctx.logger.error({ err: e.message }, 'SMS approval webhook failed')),
        WEBHOOK_RETRY_MS,
      );
    }
  };
  await listen();
  return {
    close: async () => {
      stopped = true;
      clearTimeout(retry);
      await webhook?.close();
    },
  };
}

const WEBHOOK_RETRY_MS = 5_000;
