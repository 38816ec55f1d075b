import { createPublicKey, type KeyObject } from 'node:crypto';

const parsed = new Map<string, KeyObject>();

/** A public key parsed once per PEM: signature checks run on every signed request. */
export function publicKeyOf(pem: string): KeyObject {
  let key = parsed.get(pem);
  if (!key) parsed.set(pem, (key = createPublicKey(pem)));
  return key;
}
