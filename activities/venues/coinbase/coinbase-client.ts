import ccxt from 'ccxt';

/**
 * ccxt's coinbase class as the Coinbase transport: it signs CDP JWTs (ES256 and Ed25519) and speaks the Advanced
 * Trade API. We call its raw endpoint methods (the venue's exact JSON, parsed by our zod schemas) rather than the
 * unified ones, which turn amounts into floats. Error answers are captured with their status, Retry-After and body
 * so venue-errors.ts classifies them; ccxt's own mapping would drop the status and the header.
 */
export class CoinbaseHttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, unknown>,
    readonly body: unknown,
  ) {
    super(`coinbase answered HTTP ${status}`);
  }
}

export class CoinbaseClient extends ccxt.coinbase {
  override handleErrors(
    code: number,
    _reason: string,
    _url: string,
    _method: string,
    headers: Record<string, unknown>,
    body: string,
    response: unknown,
  ): undefined {
    if (code >= 400) throw new CoinbaseHttpFailure(code, headers, response ?? body);
    // A 2xx answer, including an order refused with success: false, is the adapter's to read.
    return undefined;
  }
}

export interface CoinbaseClientOptions {
  /** Root URL, e.g. https://api.coinbase.com (ccxt appends /api/v3/brokerage). */
  baseUrl: string;
  credentials?: { keyName: string; privateKey: string };
  timeoutMs?: number;
  /** ccxt's client-side throttle (Coinbase allows 30 private requests per second). On unless a test turns it off. */
  throttle?: boolean;
}

export function coinbaseClient(options: CoinbaseClientOptions): CoinbaseClient {
  return new CoinbaseClient({
    apiKey: options.credentials?.keyName ?? '',
    secret: options.credentials?.privateKey ?? '',
    urls: { api: { rest: options.baseUrl.replace(/\/+$/, '') } },
    timeout: options.timeoutMs ?? 10_000,
    enableRateLimit: options.throttle ?? true,
  });
}
