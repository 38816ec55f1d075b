import twilio from 'twilio';

type RequestOptions<TData> = Parameters<twilio.RequestClient['request']>[0] & { data?: TData };
import type { TwilioCredential } from '../vault/entries';

/**
 * Twilio's SDK only lets `edge`/`region` rewrite *.twilio.com hosts, so reaching another endpoint (the loopback
 * fake in offline runs and tests) takes an HTTP client that rewrites each request's origin.
 */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly apiUrl: string) {
    super({ timeout: 15_000 });
  }

  override request<TData>(opts: RequestOptions<TData>) {
    const original = new URL(opts.uri);
    return super.request<TData>({
      ...opts,
      uri: new URL(`${original.pathname}${original.search}`, this.apiUrl).toString(),
    });
  }
}

function twilioClient(credential: TwilioCredential, apiUrl?: string) {
  return twilio(credential.accountSid, credential.authToken, {
    httpClient: apiUrl ? new RedirectingRequestClient(apiUrl) : undefined,
  });
}

/** Sends one SMS through the Twilio SDK; resolves with the message SID. `apiUrl` replaces https://api.twilio.com. */
export async function sendSms(
  credential: TwilioCredential,
  to: string,
  body: string,
  apiUrl?: string,
): Promise<string> {
  const message = await twilioClient(credential, apiUrl).messages.create({ to, from: credential.from, body });
  return message.sid;
}

/** The health check's probe: the account answers with these credentials and is active (not suspended or closed). */
export async function checkTwilioAccount(credential: TwilioCredential, apiUrl?: string): Promise<void> {
  const account = await twilioClient(credential, apiUrl).api.v2010.accounts(credential.accountSid).fetch();
  if (account.status !== 'active') throw new Error(`Twilio account ${credential.accountSid} is ${account.status}`);
}
