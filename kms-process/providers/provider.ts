// Where a key lives (DESIGN.md section 5). The software provider keeps key material in the keystore; a token or
// remote provider keeps only a reference there. The crypto service routes each operation to the key's provider.
import type { AlgorithmId, Operation } from '../api/index.js';
import type {
  DecryptInput,
  EncryptInput,
  EncryptOutput,
  SignInput,
  VerifyInput,
} from '../algorithms/algorithm.js';

/** The stored view of a key, as the crypto service hands it to a provider (secret never included). */
export interface StoredKeyRef {
  id: string;
  algorithm: AlgorithmId;
  provider: string;
  publicRaw?: Uint8Array | undefined;
  /** Provider-specific locator, e.g. `{ serial, ckaId }` for a PKCS#11 key; authenticated by the row MAC. */
  ref?: Record<string, string> | undefined;
  /** Current version of a rotated symmetric key. */
  version?: number | undefined;
}

/** What a provider returns for a new key. */
export interface NewProviderKey {
  publicRaw?: Uint8Array;
  ref?: Record<string, string>;
}

export interface KeyProvider {
  /** `software`, or the prefix of ids this provider serves (`pkcs11`, `kmip`). */
  readonly kind: 'software' | 'pkcs11' | 'kmip';
  supports(algorithm: AlgorithmId, op: Operation | 'generate'): boolean;
  sign?(key: StoredKeyRef, input: SignInput): Promise<Uint8Array>;
  verify?(key: StoredKeyRef, input: VerifyInput): Promise<boolean>;
  encrypt?(key: StoredKeyRef, input: EncryptInput): Promise<EncryptOutput>;
  decrypt?(key: StoredKeyRef, input: DecryptInput): Promise<Uint8Array>;
  mac?(key: StoredKeyRef, data: Uint8Array): Promise<Uint8Array>;
  macVerify?(key: StoredKeyRef, data: Uint8Array, mac: Uint8Array): Promise<boolean>;
  /** Raw shared secret with a peer public key (ECDH, X25519). */
  agree?(key: StoredKeyRef, peerPublicKey: Uint8Array): Promise<Uint8Array>;
  /** Wrap or unwrap key material under this key (AES-KW/KWP, RSA-OAEP). */
  wrapKey?(key: StoredKeyRef, material: Uint8Array, mode?: string): Promise<Uint8Array>;
  unwrapKey?(key: StoredKeyRef, wrapped: Uint8Array, mode?: string): Promise<Uint8Array>;
}

/** A provider that makes keys outside the keystore (token, remote KMS). */
export interface ExternalKeyProvider extends KeyProvider {
  /** `target` is the part after the colon of the provider id (token serial, server name). */
  generate(target: string, algorithm: AlgorithmId, options: { label: string; id: string }): Promise<NewProviderKey>;
  /** Adopt an existing key (e.g. by CKA_ID). */
  adopt?(target: string, locator: string): Promise<NewProviderKey & { algorithm: AlgorithmId }>;
  destroy?(key: StoredKeyRef): Promise<void>;
}
