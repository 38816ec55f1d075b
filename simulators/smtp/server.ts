import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on loopback (the `smtp-server` library) that requires AUTH like a provider does and keeps
 * what it receives, so email alerts are tested over the wire through nodemailer.
 */

export interface ReceivedEmail {
  from: string;
  to: string[];
  subject: string;
  raw: string;
}

export interface SmtpFake {
  host: string;
  port: number;
  messages: ReceivedEmail[];
  /** The next `count` messages are refused with 451 (a temporary failure). */
  failNext(count: number): void;
  close(): Promise<void>;
}

/** `onMessage` sees each accepted message (the SIMULATED stack keeps them in a file `nemo alerts` reads). */
export async function startSmtpFake(
  account: { user: string; pass: string },
  options: { onMessage?: (email: ReceivedEmail) => void } = {},
): Promise<SmtpFake> {
  const messages: ReceivedEmail[] = [];
  let failures = 0;
  const server = new SMTPServer({
    secure: false,
    // Loopback only: no certificate to offer, and plain AUTH is accepted because nothing leaves the machine.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === account.user && auth.password === account.pass) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          callback(
            Object.assign(new Error('Requested action aborted: local error in processing'), { responseCode: 451 }),
          );
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const email: ReceivedEmail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          // A long subject is folded over several lines (RFC 5322 2.2.3); unfolded here.
          subject:
            /^Subject: (.*(?:\r?\n[ \t].*)*)/m
              .exec(raw)?.[1]
              ?.replace(/\r?\n(?=[ \t])/g, '')
              .trim() ?? '',
          raw,
        };
        messages.push(email);
        options.onMessage?.(email);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.server.address() as AddressInfo).port,
    messages,
    failNext(count) {
      failures += count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
