// A sealer keeps one sealed copy of (a share of) the master key (DESIGN.md section 4).
// Each enrolled sealer stores `params` (public, authenticated) and `blob` (opaque) in the keystore's `sealers` table.
import type { SealerEnrolment, SealerKind } from '../api/index.js';

export interface SealerAvailability {
  available: boolean;
  /** Why not, or what backs it (e.g. "TPM 2.0 IBM SW TPM fw 1.38, swtpm:host=127.0.0.1,port=2321"). */
  detail?: string;
}

/** What the keystore stores for one enrolled sealer. */
export interface SealedCopy {
  kind: SealerKind;
  /** JSON-able, non-secret parameters (KDF params and salt, TPM handles and public area, keychain service name). */
  params: Record<string, unknown>;
  /** The sealed secret (AEAD ciphertext, TPM private blob, ...); opaque to the keystore. */
  blob: Uint8Array;
}

/** Secrets the user gave for this unlock attempt; each sealer takes what it needs. */
export interface UnlockSecrets {
  passphrase?: string | undefined;
  pin?: string | undefined;
}

export interface SealContext {
  /** Random id of the keystore; bound into every sealed copy so copies cannot move between keystores. */
  keystoreId: string;
  /** Folder of the keystore, for sealers that keep state beside it. */
  storeDir: string;
}

export interface Sealer {
  readonly kind: SealerKind;
  /** Whether the sealer can be used; given an enrolment, for that enrolment (e.g. the TPM at its `tcti`). */
  availability(enrolment?: SealerEnrolment): Promise<SealerAvailability>;
  /** Seal `secret` (32 bytes); the caller zeroizes its own copy. */
  seal(secret: Uint8Array, enrolment: SealerEnrolment, ctx: SealContext): Promise<SealedCopy>;
  /**
   * Unseal. Throws KmsError: WRONG_SECRET (bad passphrase/PIN/auth), LOCKED_OUT (TPM dictionary lockout),
   * TAMPERED (params or blob altered in a way that can be told apart), UNAVAILABLE (no TPM, no keychain),
   * INVALID_REQUEST (a secret this sealer needs was not given).
   */
  unseal(copy: SealedCopy, secrets: UnlockSecrets, ctx: SealContext): Promise<Uint8Array>;
  /** Whether this sealer needs a user secret at unlock, and which one. */
  readonly needs: 'passphrase' | 'pin' | 'none';
  /** The same for one sealed copy, where it depends on how the copy was enrolled (a TPM copy with an authValue). */
  needsFor?(copy: SealedCopy): 'passphrase' | 'pin' | 'none';
  /** Remove external state (keychain entry, TPM NV index) when the sealer is removed; optional. */
  forget?(copy: SealedCopy, ctx: SealContext): Promise<void>;
  /** Remove this keystore's external state that no copy in `keep` names (left by a re-seal that was killed). */
  forgetOthers?(keep: readonly SealedCopy[], ctx: SealContext): Promise<void>;
}
