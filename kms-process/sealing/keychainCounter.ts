// The keystore's rollback counter mirrored in the OS keychain (Secret Service, macOS Keychain, Credential Manager)
// when no TPM guards it, whether or not the keychain is a sealer. It catches a keystore file put back from an older
// copy (a backup, a sync conflict, a disk image) by anyone who cannot also write this user's keychain. A program
// running as the same user can, so this is weaker than the TPM's NV counter, and kms.status says which one is on.
import { keychainEntry, type KeychainEntry } from './keychainEntry.js';
import { KmsError } from '../api/errors.js';

export const ROLLBACK_KEYCHAIN_SERVICE = 'owkms-rollback';
const OP_TIMEOUT_MS = 5_000;

function unavailable(what: string, cause: unknown): KmsError {
  return new KmsError('UNAVAILABLE', `keychain ${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

export class KeychainRollbackCounter {
  private readonly entry: KeychainEntry;

  constructor(keystoreId: string, service = ROLLBACK_KEYCHAIN_SERVICE) {
    this.entry = keychainEntry(service, keystoreId);
  }

  /** The mirrored value, or undefined when there is none (never written, removed, or no keychain answering). */
  async read(): Promise<bigint | undefined> {
    let text: string | null;
    try {
      text = await this.entry.getPassword(AbortSignal.timeout(OP_TIMEOUT_MS));
    } catch (e) {
      throw unavailable('read', e);
    }
    if (text === null) return undefined;
    if (!/^[0-9]{1,30}$/.test(text)) throw new KmsError('TAMPERED', 'the rollback counter in the keychain is not a number');
    return BigInt(text);
  }

  /** Store `value`, read back: a keychain that does not keep it is not a guard. Throws UNAVAILABLE. */
  async write(value: bigint): Promise<void> {
    try {
      await this.entry.setPassword(value.toString(), AbortSignal.timeout(OP_TIMEOUT_MS));
      const back = await this.entry.getPassword(AbortSignal.timeout(OP_TIMEOUT_MS));
      if (back !== value.toString()) throw new Error('the keychain did not return what was stored');
    } catch (e) {
      throw unavailable('write', e);
    }
  }
}
