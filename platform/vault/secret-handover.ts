import { Socket } from 'node:net';
import { VaultPayloadCodec, type CodecKeys } from '../temporal/payload-codec';
import { SECRETS_FD_ENV, type SecretSource } from '../secrets';
import { registerSecret } from '../secret-scrubber';
import type { Domain } from '../../policies/domains';
import { scrubbableStringsOf } from './entries';
import { assertInScope } from './secret-source';
import type { VaultKeeper } from './vault-keeper';
import type { RevocationResult, VaultEntryInfo } from './vault';

/**
 * issue 18 A, "secrets handed, not held": under `nemo up` only the supervisor opens the vault. It hands each worker
 * its domain's entries and the Temporal payload codec's keys (never the master key) over an inherited socket,
 * file descriptor 3, never argv, environment or disk, and hands them again whenever the vault or the key file
 * changes. The same socket carries the control domain's vault requests (key ages, revocation) to the supervisor.
 *
 * Lines of JSON, one message each.
 */

export const SECRETS_FD = 3;

export interface SecretsMessage {
  kind: 'secrets';
  domain: Domain;
  entries: [string, string][];
  codec: { encryptWith?: string; keys: [string, string][] };
}
export type VaultRequest =
  | { id: number; kind: 'vault-request'; op: 'list' }
  | { id: number; kind: 'vault-request'; op: 'revoke'; name: string; reason: string };
export type VaultReply =
  | { kind: 'vault-reply'; id: number; ok: true; result: unknown }
  | { kind: 'vault-reply'; id: number; ok: false; error: string };

export function secretsMessage(domain: Domain, entries: SecretSource, codec: CodecKeys): SecretsMessage {
  return {
    kind: 'secrets',
    domain,
    entries: entries.names().map((name) => [name, entries.get(name)!]),
    codec: {
      ...(codec.encryptWith ? { encryptWith: codec.encryptWith } : {}),
      keys: [...codec.keys].map(([id, key]) => [id, key.toString('base64')]),
    },
  };
}

/** True in a worker started by `nemo up`: it must never open the vault itself. */
export function secretsAreHanded(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[SECRETS_FD_ENV]);
}

/** What a worker holds: its domain's entries, the payload codec, and a keeper that asks the supervisor. */
export class HandedSecrets implements SecretSource {
  private values = new Map<string, string>();
  readonly codec = new VaultPayloadCodec({ keys: new Map() });
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly domain: Domain,
    private readonly socket: Socket,
  ) {}

  private static received?: Promise<HandedSecrets>;

  /**
   * Waits for the first hand-over on the descriptor; later ones replace it (rotation, revocation, a new master key).
   * The descriptor has one reader per process: every call returns the same source.
   */
  static receive(domain: Domain): Promise<HandedSecrets> {
    HandedSecrets.received ??= HandedSecrets.listen(domain, SECRETS_FD, 30_000);
    return HandedSecrets.received;
  }

  private static listen(domain: Domain, fd: number, timeoutMs: number): Promise<HandedSecrets> {
    const socket = new Socket({ fd, readable: true, writable: true });
    const handed = new HandedSecrets(domain, socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no secrets were handed on descriptor ${fd} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      let partial = '';
      socket.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line) continue;
          const message = JSON.parse(line) as SecretsMessage | VaultReply;
          if (message.kind === 'secrets') {
            handed.accept(message);
            clearTimeout(timer);
            resolve(handed);
          } else handed.answer(message);
        }
      });
      socket.once('error', (err) => reject(err));
      // The supervisor holds the other end for the worker's life; it never needs to keep this process alive.
      socket.unref();
    });
  }

  private accept(message: SecretsMessage): void {
    if (message.domain !== this.domain)
      throw new Error(`the supervisor handed the ${message.domain} domain's secrets to the ${this.domain} worker`);
    for (const [name, value] of message.entries) for (const s of scrubbableStringsOf(name, value)) registerSecret(s);
    this.values = new Map(message.entries);
    this.codec.update({
      ...(message.codec.encryptWith ? { encryptWith: message.codec.encryptWith } : {}),
      keys: new Map(message.codec.keys.map(([id, key]) => [id, Buffer.from(key, 'base64')])),
    });
  }

  private answer(reply: VaultReply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(reply.error));
  }

  get(entry: string): string | undefined {
    if (this.values.has(entry)) return this.values.get(entry);
    // Not handed: out of the domain's scopes (refused, naming the rule) or not configured.
    assertInScope(this.domain, entry);
    return undefined;
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  /** The control domain's vault operations, done by the supervisor (which refuses them to other domains). */
  keeper(): VaultKeeper {
    return {
      list: async () => ((await this.request({ op: 'list' })) as VaultEntryInfo[] | null) ?? undefined,
      revoke: (name, reason) => this.request({ op: 'revoke', name, reason }) as Promise<RevocationResult>,
    };
  }

  private request(body: { op: 'list' } | { op: 'revoke'; name: string; reason: string }): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ id, kind: 'vault-request', ...body })}\n`);
    });
  }
}
