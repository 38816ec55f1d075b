import { z } from 'zod';
import type { SecretScope } from '../../policies/domains';

/**
 * The credentials NEMO knows, named by purpose. The name fixes the scope (policies/domains/ gives each domain its
 * scopes), so a production key can only ever be stored where only the live domain can load it.
 */

const kalshiCredential = z.object({
  keyId: z.string().min(1, 'keyId (the Kalshi API key id) is required'),
  privateKeyPem: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'privateKeyPem must be a PEM private key'),
});
const coinbaseCredential = z.object({
  keyName: z.string().min(1, 'keyName (the CDP key name) is required'),
  privateKey: z.string().min(1, 'privateKey is required'),
});
const apiKey = z.string().regex(/^\S{8,}$/, 'must be one word of at least 8 characters');
const ledgerMacKey = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex characters (32 random bytes)');
const twilioCredential = z.object({
  accountSid: z.string().regex(/^AC\w{8,}$/, 'accountSid must start with AC'),
  authToken: z.string().min(8, 'authToken is required'),
  from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'from must be an E.164 phone number such as +15551234567'),
});
const smtpCredential = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  secure: z.boolean(),
  user: z.string().min(1),
  pass: z.string().min(1),
  from: z.email('from must be an email address'),
});

export type KalshiCredential = z.infer<typeof kalshiCredential>;
export type TwilioCredential = z.infer<typeof twilioCredential>;
export type SmtpCredential = z.infer<typeof smtpCredential>;

interface EntrySpec {
  scope: SecretScope;
  describe: string;
  /** Structured credentials are JSON objects; the rest are single strings. */
  json: boolean;
  schema: z.ZodType;
}

export const VAULT_ENTRIES = {
  'kalshi.production': {
    scope: 'venue.production',
    describe: 'Kalshi production key {keyId, privateKeyPem}',
    json: true,
    schema: kalshiCredential,
  },
  'kalshi.demo': {
    scope: 'venue.demo',
    describe: 'Kalshi demo key {keyId, privateKeyPem}',
    json: true,
    schema: kalshiCredential,
  },
  'kalshi.readonly': {
    scope: 'venue.readonly',
    describe: 'Kalshi read-only key {keyId, privateKeyPem}',
    json: true,
    schema: kalshiCredential,
  },
  'coinbase.production': {
    scope: 'venue.production',
    describe: 'Coinbase CDP trading key {keyName, privateKey}',
    json: true,
    schema: coinbaseCredential,
  },
  'coinbase.demo': {
    scope: 'venue.demo',
    describe: 'Coinbase sandbox key {keyName, privateKey}',
    json: true,
    schema: coinbaseCredential,
  },
  'coinbase.readonly': {
    scope: 'venue.readonly',
    describe: 'Coinbase view-only key {keyName, privateKey}',
    json: true,
    schema: coinbaseCredential,
  },
  anthropic: { scope: 'llm', describe: 'Anthropic API key', json: false, schema: apiKey },
  kimi: { scope: 'llm', describe: 'Kimi (Moonshot) API key', json: false, schema: apiKey },
  twilio: {
    scope: 'alerts',
    describe: 'Twilio SMS {accountSid, authToken, from}',
    json: true,
    schema: twilioCredential,
  },
  'ledger.mac': {
    scope: 'ledger',
    describe: 'ledger MAC key (64 hex characters; `nemo up` creates it)',
    json: false,
    schema: ledgerMacKey,
  },
  smtp: {
    scope: 'alerts',
    describe: 'SMTP email {host, port, secure, user, pass, from}',
    json: true,
    schema: smtpCredential,
  },
} as const satisfies Record<string, EntrySpec>;

export type VaultEntryName = keyof typeof VAULT_ENTRIES;

export class VaultEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultEntryError';
  }
}

function isVaultEntryName(name: string): name is VaultEntryName {
  return Object.hasOwn(VAULT_ENTRIES, name);
}

export function entrySpec(name: string): EntrySpec {
  if (!isVaultEntryName(name)) {
    throw new VaultEntryError(
      `"${name}" is not a vault entry NEMO knows; known entries: ${Object.keys(VAULT_ENTRIES).join(', ')}`,
    );
  }
  return VAULT_ENTRIES[name];
}

/**
 * Checks a value before it is stored. Messages name the field and the rule, never the value (JSON.parse's own
 * message quotes the input, so it is replaced).
 */
export function validateEntryValue(name: string, value: string): void {
  const spec = entrySpec(name);
  let parsed: unknown = value;
  if (spec.json) {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new VaultEntryError(`${name} must be a JSON object: ${spec.describe}`);
    }
  }
  const result = spec.schema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
    throw new VaultEntryError(`${name} is not a valid ${spec.describe}: ${problems.join('; ')}`);
  }
}

/** Fields of structured credentials that are not secret (a phone number, a host, a key id). */
const PUBLIC_FIELDS = new Set(['from', 'host', 'port', 'secure', 'keyId', 'keyName', 'accountSid', 'user']);

/** The strings of a value that must be scrubbed: public fields are left out so logs stay readable. */
export function scrubbableStringsOf(name: string, value: string): string[] {
  if (!entrySpec(name).json) return [value];
  const parsed = JSON.parse(value) as Record<string, unknown>;
  return [
    value,
    ...Object.entries(parsed)
      .filter(([k, v]) => typeof v === 'string' && !PUBLIC_FIELDS.has(k))
      .map(([, v]) => v as string),
  ];
}
