import nodemailer from 'nodemailer';
import type { SmtpCredential } from '../vault/entries';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Sends one plain-text email, with files attached if given (the operations reports); resolves with the message id.
 * Off loopback, a server reached without implicit TLS must upgrade with STARTTLS, so the SMTP password never crosses
 * a network in clear text.
 */
export async function sendEmail(
  credential: SmtpCredential,
  to: string,
  subject: string,
  text: string,
  attachments: { filename: string; path: string }[] = [],
): Promise<string> {
  const transport = smtpTransport(credential);
  try {
    const info = await transport.sendMail({ from: credential.from, to, subject, text, attachments });
    return info.messageId;
  } finally {
    transport.close();
  }
}

/** The health check's probe: the server answers and accepts the login (nodemailer's verify), no message sent. */
export async function checkSmtp(credential: SmtpCredential): Promise<void> {
  const transport = smtpTransport(credential);
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}

function smtpTransport(credential: SmtpCredential) {
  return nodemailer.createTransport({
    host: credential.host,
    port: credential.port,
    secure: credential.secure,
    requireTLS: !credential.secure && !LOOPBACK.has(credential.host),
    auth: { user: credential.user, pass: credential.pass },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}
