import { checkAllowedUrl } from './allowlist';

/**
 * GET with the allowlist enforced on the first URL and on every redirect, a time limit and a size limit (an
 * outside server decides neither where NEMO goes nor how much it reads).
 */
export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 2 * 1024 * 1024, maxRedirects: 3 };

export class SourceFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceFetchError';
  }
}

export async function fetchAllowed(
  raw: string,
  allowlist: ReadonlySet<string>,
  limits: FetchLimits = DEFAULT_FETCH_LIMITS,
): Promise<{ url: string; contentType: string; text: string }> {
  let url = checkAllowedUrl(raw, allowlist);
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(limits.timeoutMs),
      headers: { accept: 'application/json, application/rss+xml, application/atom+xml, text/xml, */*' },
    });
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      if (!location) throw new SourceFetchError(`${url.host} answered ${response.status} without a Location`);
      if (hop >= limits.maxRedirects)
        throw new SourceFetchError(`more than ${limits.maxRedirects} redirects from ${raw}`);
      url = checkAllowedUrl(new URL(location, url).toString(), allowlist);
      continue;
    }
    if (!response.ok) throw new SourceFetchError(`${url.host} answered ${response.status} for ${url.pathname}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > limits.maxBytes)
      throw new SourceFetchError(`${url.host} sent ${declared} bytes, more than the ${limits.maxBytes} limit`);
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const part = reader ? await reader.read() : { done: true as const, value: undefined };
      if (part.done) break;
      size += part.value.byteLength;
      if (size > limits.maxBytes) {
        await reader!.cancel();
        throw new SourceFetchError(`${url.host} sent more than the ${limits.maxBytes}-byte limit`);
      }
      chunks.push(part.value);
    }
    return {
      url: url.toString(),
      contentType: response.headers.get('content-type') ?? '',
      text: Buffer.concat(chunks).toString('utf8'),
    };
  }
}
