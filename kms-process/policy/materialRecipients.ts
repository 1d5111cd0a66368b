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

export function assertMaterialRecipient(caller: Caller, transfer: MaterialTransfer): void {
  if (!mayReceiveMaterial(caller)) {
    throw new KmsError('POLICY_DENIED', `${transfer} is never done for caller '${caller}' (key material does not go to it)`);
  }
}
