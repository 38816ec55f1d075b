import { createKalshiKeyRevoker, kalshiBaseUrlFor } from '../../activities/security/kalshi-key-revoker';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../../platform/config';
import { ledgerPool } from '../../platform/ledger-key';
import { entrySpec, VAULT_ENTRIES } from '../../platform/vault/entries';
import { createKeyFile, keyFileOf } from '../../platform/vault/master-key';
import { openVault, type Vault, type VaultEntryInfo } from '../../platform/vault/vault';
import { UsageError, type Command, type CommandInput } from '../command';

/**
 * `nemo keys init|add|list|rotate|revoke|check`: the operator's side of the vault. No action prints a secret, and a
 * secret is read from stdin or a hidden prompt, never from an argument (shell history, the process list).
 */

export type SecretReader = (prompt: string) => Promise<string>;

/** Piped stdin (one trailing newline dropped) or, on a terminal, a prompt that does not echo. */
export const readSecretFromStdin: SecretReader = async (prompt) => {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('cancelled'));
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
};

function requireVault(config: NemoConfig, env: NodeJS.ProcessEnv): Vault {
  const vault = openVault(config, env);
  if (!vault)
    throw new Error(
      `there is no vault master key (NEMO_VAULT_KEY or ${keyFileOf(config)}): run \`nemo keys init\` first`,
    );
  return vault;
}

function entryName(positionals: string[], action: string): string {
  const [name, ...extra] = positionals;
  if (!name)
    throw new UsageError(`name the entry: nemo keys ${action} NAME (one of ${Object.keys(VAULT_ENTRIES).join(', ')})`);
  if (extra.length) {
    throw new UsageError(
      'never pass a secret as an argument (it would stay in shell history and the process list): pipe it on stdin or type it at the prompt',
    );
  }
  entrySpec(name);
  return name;
}

async function readValue(readSecret: SecretReader, name: string): Promise<string> {
  const value = await readSecret(`${entrySpec(name).describe} for ${name} (input hidden): `);
  if (!value) throw new UsageError(`no secret given for ${name}: pipe it on stdin or type it at the prompt`);
  return value;
}

function describeEntry(e: VaultEntryInfo, maxAgeDays: number): string {
  const state = e.revokedAt
    ? `REVOKED ${e.revokedAt} (${e.revokedReason ?? ''})${e.venueRevocation ? `, venue: ${e.venueRevocation.status}` : ''}`
    : e.ageDays > maxAgeDays
      ? `STALE: ${e.ageDays} days old, rotate it (limit ${maxAgeDays})`
      : `${e.ageDays} days old`;
  return `${e.name.padEnd(20)} ${e.scope.padEnd(17)} created ${e.createdAt}  rotated ${e.lastRotatedAt}  ${state}`;
}

/** Revocations by the operator go into the ledger too; the vault has already acted if the database is down. */
async function recordRevocation(
  config: NemoConfig,
  payload: { [key: string]: string | null },
): Promise<string | undefined> {
  let pool: ReturnType<typeof ledgerPool> | undefined;
  try {
    pool = ledgerPool(config);
    await appendEntry(pool, {
      kind: 'keys.revoked',
      domain: 'operator',
      account: SYSTEM_ACCOUNT,
      payload,
      idempotencyKey: `keys-revoked:${payload.name}:${payload.revokedAt}:${payload.venue}`,
    });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await pool?.end();
  }
}

export function createKeysCommand(readSecret: SecretReader = readSecretFromStdin): Command {
  const actions: Record<string, (input: CommandInput, config: NemoConfig) => Promise<number>> = {
    async init({ io, env }, config) {
      if (env.NEMO_VAULT_KEY)
        throw new UsageError('NEMO_VAULT_KEY is set: the master key already comes from the environment');
      const file = keyFileOf(config);
      const ring = createKeyFile(file);
      io.out(
        `created vault master key ${ring.keys[0]!.id} in ${file} (owner-only). Back it up offline: without it the vault cannot be opened.`,
      );
      return 0;
    },
    async add({ positionals, io, env }, config) {
      const name = entryName(positionals, 'add');
      const vault = requireVault(config, env);
      const entry = vault.add(name, await readValue(readSecret, name));
      io.out(`stored ${entry.name} (scope ${entry.scope}, key ${vault.keyring.keys[0]!.id})`);
      return 0;
    },
    async list({ values, io, env }, config) {
      const entries = requireVault(config, env).list();
      if (values.json) io.out(JSON.stringify(entries, null, 2));
      else if (entries.length === 0) io.out('the vault holds no entries');
      else for (const e of entries) io.out(describeEntry(e, config.NEMO_KEY_MAX_AGE_DAYS));
      return 0;
    },
    async rotate({ positionals, io, env }, config) {
      const vault = requireVault(config, env);
      if (positionals.length === 0) {
        const result = vault.rotateMasterKey();
        io.out(
          `master key rotated to ${result.keyId}: ${result.reencrypted} entries re-encrypted; retired ${result.retired.join(', ')} (kept in the key file only to read Temporal payloads written before now)`,
        );
        return 0;
      }
      const name = entryName(positionals, 'rotate');
      const entry = vault.replace(name, await readValue(readSecret, name));
      io.out(
        `replaced ${entry.name}; its age starts again (rotated ${entry.lastRotatedAt}). Revoke the old credential at its issuer.`,
      );
      return 0;
    },
    async revoke({ positionals, values, io, env }, config) {
      const name = entryName(positionals, 'revoke');
      const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
      if (!reason) throw new UsageError('--reason TEXT is required: it is recorded with the revocation');
      const result = await requireVault(config, env).revoke(
        name,
        reason,
        createKalshiKeyRevoker(kalshiBaseUrlFor(config)),
      );
      io.out(`revoked ${name} at ${result.revokedAt}: no NEMO process will use it again`);
      if (result.venue === 'deleted') io.out('the key was deleted at the venue');
      if (result.venue === 'failed')
        io.err(
          `the venue did not delete it: ${result.venueError}. Run \`nemo keys revoke ${name} --reason ...\` again to retry.`,
        );
      if (result.venue === 'not-applicable')
        io.out('revoke it at its issuer too (NEMO cannot delete this kind of key remotely)');
      const ledgerError = await recordRevocation(config, {
        name,
        reason,
        revokedAt: result.revokedAt,
        venue: result.venue,
        venueError: result.venueError ?? null,
      });
      if (ledgerError) io.err(`warning: the revocation stands but was not recorded in the ledger: ${ledgerError}`);
      return result.venue === 'failed' ? 1 : 0;
    },
    async check({ values, io, env }, config) {
      const vault = requireVault(config, env);
      const entries = vault.list();
      const problems = [
        ...vault
          .verify()
          .filter((v) => !v.ok)
          .map((v) => `${v.name}: ${v.problem}`),
        ...entries
          .filter((e) => !e.revokedAt && e.ageDays > config.NEMO_KEY_MAX_AGE_DAYS)
          .map((e) => `${e.name}: ${e.ageDays} days old, over the ${config.NEMO_KEY_MAX_AGE_DAYS}-day rotation limit`),
        ...entries
          .filter((e) => e.venueRevocation?.status === 'failed')
          .map((e) => `${e.name}: revoked here but not yet at the venue (${e.venueRevocation!.error})`),
      ];
      const source = vault.keyring.source.kind === 'env' ? 'NEMO_VAULT_KEY' : keyFileOf(config);
      if (values.json)
        io.out(
          JSON.stringify(
            {
              ok: problems.length === 0,
              masterKey: { source, id: vault.keyring.keys[0]!.id },
              entries: entries.length,
              problems,
            },
            null,
            2,
          ),
        );
      else {
        io.out(`master key ${vault.keyring.keys[0]!.id} from ${source}: owner-only, loads`);
        io.out(
          `${entries.length} entries; ${problems.length === 0 ? 'all decrypt, none overdue for rotation' : `${problems.length} problem(s):`}`,
        );
        for (const p of problems) io.out(`  - ${p}`);
      }
      return problems.length === 0 ? 0 : 1;
    },
  };
  return {
    name: 'keys',
    usage: 'keys init | add NAME | list [--json] | rotate [NAME] | revoke NAME --reason TEXT | check [--json]',
    summary:
      'The credential vault: secrets from stdin or a hidden prompt, never printed; rotate the master key or an entry',
    options: { reason: { type: 'string' } },
    async run(input) {
      const [action, ...rest] = input.positionals;
      const run = action ? actions[action] : undefined;
      if (!run || !Object.hasOwn(actions, action!)) throw new UsageError(`unknown keys action "${action ?? ''}"`);
      return run({ ...input, positionals: rest }, loadConfig(input.env));
    },
  };
}

export const keysCommand = createKeysCommand();
