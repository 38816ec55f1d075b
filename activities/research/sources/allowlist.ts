/**
 * seed: the research domain scrapes the web, "External data always treated as untrusted". A source may only be
 * fetched from a host the operator listed (NEMO_SOURCE_ALLOWLIST, exact host names, optionally host:port), over
 * http(s), without credentials in the URL; every redirect is checked again.
 */
export class SourceNotAllowed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceNotAllowed';
  }
}

export function parseAllowlist(text: string): Set<string> {
  return new Set(
    text
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function checkAllowedUrl(raw: string, allowlist: ReadonlySet<string>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SourceNotAllowed(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SourceNotAllowed(`${url.protocol} URLs are not fetched (http and https only): ${raw}`);
  if (url.username || url.password) throw new SourceNotAllowed(`URLs with credentials are not fetched: ${url.host}`);
  const host = url.hostname.toLowerCase();
  if (!allowlist.has(host) && !allowlist.has(url.host.toLowerCase())) {
    throw new SourceNotAllowed(
      `host ${url.host} is not on the source allowlist (NEMO_SOURCE_ALLOWLIST: ${[...allowlist].join(', ') || 'empty'})`,
    );
  }
  return url;
}
