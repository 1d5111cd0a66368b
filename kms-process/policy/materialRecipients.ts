// Who may receive private key material or move keys in and out of the keystore (DESIGN.md section 1, trust rules).
// The renderer (`ui`) and REST clients (`rest`) never do, whatever a key's policy says: no private export (clear or
// wrapped), no mnemonic, no raw agreement or KEM secret, no wrap or unwrap. Main's trusted flows (`app`, forwarded
// by the broker only after the user approved in a trusted prompt) and owkms (`cli`, the user's own terminal) do.
import { KmsError, type Caller } from '../api/index.js';

export const MATERIAL_RECIPIENTS: ReadonlySet<Caller> = new Set<Caller>(['app', 'cli', 'test']);

/** Every way key material can leave or enter: the audit and the error name which one was refused. */
export type MaterialTransfer =
  | 'a private export'
  | 'a wrapped export'
  | 'a mnemonic export'
  | 'a raw shared secret'
  | 'wrapping a key'
  | 'unwrapping a key'
  | 'a backup of the keystore'
  | 'a restore from a backup'
  | 'a diagnosis and salvage of the keystore';

export function mayReceiveMaterial(caller: Caller): boolean {
  return MATERIAL_RECIPIENTS.has(caller);
}

/**
 * Raw shared secrets (still only from keys whose policy allows raw agreement) have two more recipients, each by an
 * explicit choice of the user that `ui` cannot make (rightsChange.ts): a REST client (WebKMS DeriveSecret) from a key
 * made for REST clients alone (its policy admits `rest` and nothing else: never the wallet's own key), and a program
 * using the PKCS#11 module (C_DeriveKey with ECDH1) from a key the user opted in for it (`callers` names `pkcs11`).
 */
export function mayReceiveRawSecret(caller: Caller, key: { policy: { callers?: readonly Caller[] | undefined } }): boolean {
  if (mayReceiveMaterial(caller)) return true;
  const callers = key.policy.callers;
  if (caller === 'rest') return callers?.length === 1 && callers[0] === 'rest';
  if (caller === 'pkcs11') return callers?.includes('pkcs11') === true;
  return false;
}

export function assertMaterialRecipient(caller: Caller, transfer: MaterialTransfer): void {
  if (!mayReceiveMaterial(caller)) {
    throw new KmsError('POLICY_DENIED', `${transfer} is never done for caller '${caller}' (key material does not go to it)`);
  }
}
