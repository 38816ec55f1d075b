/**
 * How a process reaches its credentials. Workers get a source holding only their own domain's entries (the vault
 * scopes them); code asks by entry name and never passes the value on to a workflow, a log or a prompt.
 */
export interface SecretSource {
  /** The secret under `entry`, or undefined when it is not configured for this domain. */
  get(entry: string): string | undefined;
  /** The entry names this source holds (never their values). */
  names(): string[];
}

/** Set (to the descriptor) in a worker whose secrets the supervisor hands over (platform/vault/secret-handover.ts). */
export const SECRETS_FD_ENV = 'NEMO_SECRETS_FD';

/** The source of a process that holds no credentials at all (e.g. the upgrade domain, or SIMULATED mode). */
export const NO_SECRETS: SecretSource = {
  get: () => undefined,
  names: () => [],
};
