import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/**
 * A loopback Twilio for offline runs and tests. It answers the Messages API as Twilio does (Basic auth with the
 * account SID and auth token, form-encoded To/From/Body, 201 with the message resource, Twilio's error JSON), and it
 * plays the other direction too: an operator's reply is POSTed to NEMO's webhook signed with X-Twilio-Signature.
 */

export interface SentSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  at: string;
}

export interface TwilioFake {
  /** Give this to the SDK (NEMO_TWILIO_API_URL) in place of https://api.twilio.com. */
  url: string;
  messages: SentSms[];
  /** The next `count` sends fail with this HTTP status (Twilio's 500 by default). */
  failNext(count: number, status?: number): void;
  /** An inbound SMS to `webhookUrl`, signed as Twilio signs it (or with `signature` to forge one). */
  deliverInbound(
    webhookUrl: string,
    sms: { from: string; to: string; body: string; messageSid?: string },
    signature?: string,
  ): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** `onMessage` sees each accepted SMS (the SIMULATED stack keeps them in a file `nemo alerts` reads). */
export async function startTwilioFake(
  account: { accountSid: string; authToken: string },
  options: { onMessage?: (sms: SentSms) => void } = {},
): Promise<TwilioFake> {
  const messages: SentSms[] = [];
  const failures: number[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`;

  const server = createServer(async (req, res) => {
    if (req.headers.authorization !== expectedAuth) return twilioError(res, 401, 20003, 'Authenticate');
    if (req.method === 'GET' && req.url === `/2010-04-01/Accounts/${account.accountSid}.json`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({ sid: account.accountSid, friendly_name: 'NEMO loopback', status: 'active', type: 'Full' }),
      );
    }
    if (req.method !== 'POST' || req.url !== messagesPath)
      return twilioError(res, 404, 20404, `The requested resource ${req.url} was not found`);
    const form = await formBody(req);
    const [to, from, body] = [form.get('To'), form.get('From'), form.get('Body')];
    if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!from) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(res, 400, 21602, 'Message body is required.');
    const status = failures.shift();
    if (status) return twilioError(res, status, 20500, 'Internal Server Error');
    const sms: SentSms = { sid: `SM${randomBytes(16).toString('hex')}`, to, from, body, at: new Date().toISOString() };
    messages.push(sms);
    options.onMessage?.(sms);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        sid: sms.sid,
        account_sid: account.accountSid,
        to,
        from,
        body,
        status: 'queued',
        direction: 'outbound-api',
        num_segments: '1',
        date_created: new Date(sms.at).toUTCString(),
        uri: `${messagesPath.replace('.json', '')}/${sms.sid}.json`,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    messages,
    failNext(count, status = 500) {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    async deliverInbound(webhookUrl, sms, signature) {
      const params = {
        MessageSid: sms.messageSid ?? `SM${randomBytes(16).toString('hex')}`,
        AccountSid: account.accountSid,
        From: sms.from,
        To: sms.to,
        Body: sms.body,
        NumMedia: '0',
      };
      const answer = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature ?? twilio.getExpectedTwilioSignature(account.authToken, webhookUrl, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      return { status: answer.status, body: await answer.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
