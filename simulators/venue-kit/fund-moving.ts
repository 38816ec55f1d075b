/**
 * seed: NEMO never withdraws, deposits, sends, transfers or converts funds. The real venues have many such endpoints
 * (and add more), so the loopback venues recognise them by pattern rather than by a list of exact routes: any
 * request the venue does not serve as an ordinary route whose path, read case-insensitively with its escapes decoded
 * and its slashes collapsed, names a way of moving money. Such a request is refused and counted as a violation,
 * whatever its method.
 */
const MONEY_WORDS = /withdraw|transfer|deposit|move[-_]?funds|convert|send|payout|payment|allocation|transactions/;

/** The path as a server that is lenient about case, escapes and slashes would read it. */
export function normalisedPath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape: read the path as sent.
  }
  return decoded
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
}

export function isFundMovingPath(path: string): boolean {
  return MONEY_WORDS.test(normalisedPath(path));
}
