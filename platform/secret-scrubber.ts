/**
 * Every secret value a process loads is registered here, and every log line passes through `scrub` before it is
 * written. Redaction by field path (pino `redact`) misses secrets inside messages, errors and URLs; this catches
 * the exact values and their common encodings wherever they appear.
 */
const REPLACEMENT = '[SECRET]';
const MIN_SECRET_LENGTH = 6;

const forms = new Set<string>();
let pattern: RegExp | undefined;

function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const variants = [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
  // A PEM key or other multi-line secret can leak one line at a time.
  for (const line of secret.split(/\r?\n/))
    if (line.trim().length >= 16 && !line.startsWith('-----')) variants.push(line.trim());
  return variants.filter((v) => v.length >= MIN_SECRET_LENGTH);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return;
  for (const form of encodingsOf(secret)) forms.add(form);
  // Longest first so a secret that contains another is replaced whole.
  const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  pattern = new RegExp(sorted.join('|'), 'g');
}

export function scrub(text: string): string {
  return pattern ? text.replace(pattern, REPLACEMENT) : text;
}
