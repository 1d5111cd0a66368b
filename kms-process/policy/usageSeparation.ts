// Usage separation (DESIGN.md section 1; PKCS#11's wrap/decrypt conflict): a key that wraps or unwraps other keys
// does nothing else. Otherwise the same key could wrap a secret and then decrypt (or ECB-decrypt, block by block)
// the wrapped bytes, or encrypt chosen bytes and unwrap them into a planted key.
import { KmsError, type Operation } from '../api/index.js';

/** Purposes that move key material in or out of the keystore. */
export const KEY_MOVING_PURPOSES: readonly Operation[] = ['wrap', 'unwrap'];

/**
 * Derivation paths whose keys hold material someone outside the KMS may know (the peer of an agreement, whoever
 * made a KEM ciphertext): such a key never wraps or unwraps, so no key can be wrapped to a value a caller chose.
 */
export const MATERIAL_KNOWN_OUTSIDE: readonly string[] = ['shared-secret'];

export const isKeyMoving = (op: Operation): boolean => KEY_MOVING_PURPOSES.includes(op);

/** Both a key-moving and any other purpose: not allowed for a new or changed policy. */
export function mixesUsage(purposes: readonly Operation[]): boolean {
  return purposes.some(isKeyMoving) && purposes.some((p) => !isKeyMoving(p));
}

export function assertSeparated(purposes: readonly Operation[]): void {
  if (mixesUsage(purposes)) {
    throw new KmsError('POLICY_DENIED', 'a key that wraps or unwraps keys does nothing else: give it only wrap/unwrap, or none of them');
  }
}

/** What a new key may do when the request names no purposes: everything but moving keys, if it can do more. */
export function defaultPurposes(supported: readonly Operation[]): Operation[] {
  const data = supported.filter((p) => !isKeyMoving(p));
  return data.length > 0 ? data : [...supported];
}

/**
 * What a stored policy allows. Keystores written before this rule hold keys with both kinds of purpose (aes and rsa
 * defaulted to all of them): those keep their data purposes and lose wrap/unwrap, with no migration. `app` or `cli`
 * can narrow such a key to wrap/unwrap only if that is what it was for.
 */
export function effectivePurposes(purposes: readonly Operation[]): Operation[] {
  return mixesUsage(purposes) ? purposes.filter((p) => !isKeyMoving(p)) : [...purposes];
}

/** A key whose material may be known outside cannot be given key-moving purposes (generate, update, derive). */
export function assertMayMoveKeys(purposes: readonly Operation[], derivationPath: string | undefined): void {
  if (derivationPath !== undefined && MATERIAL_KNOWN_OUTSIDE.includes(derivationPath) && purposes.some(isKeyMoving)) {
    throw new KmsError('POLICY_DENIED', 'a key made from a shared secret is known to the peer and never wraps or unwraps keys');
  }
}
