// What one algorithm family file declares: its id, its operations, and how to do each one (DESIGN.md section 3).
// The dispatcher never switches on algorithm ids; it asks the registry for the spec and for the operation.
import type { AlgorithmId, Jwk, Operation } from '../api/index.js';

/** Secret and public parts of a key as the keystore stores them (secret encrypted at rest). */
export interface KeyMaterial {
  /** Private or secret key bytes in the algorithm's own raw encoding (e.g. 32-byte Ed25519 seed, PKCS#8 for RSA). */
  secret?: Uint8Array;
  /** Public key bytes in the algorithm's raw encoding (e.g. 32 bytes for Ed25519, SEC1 uncompressed for EC). */
  publicRaw?: Uint8Array;
}

export interface SignInput {
  data: Uint8Array;
  scheme?: string | undefined;
  hash?: string | undefined;
  prehashed?: boolean | undefined;
  format?: string | undefined;
}
export interface VerifyInput extends SignInput {
  signature: Uint8Array;
}
export interface EncryptInput {
  data: Uint8Array;
  mode?: string | undefined;
  iv?: Uint8Array | undefined;
  aad?: Uint8Array | undefined;
}
export interface EncryptOutput {
  ciphertext: Uint8Array;
  mode: string;
  iv?: Uint8Array;
  tag?: Uint8Array;
}
export interface DecryptInput extends EncryptInput {
  tag?: Uint8Array | undefined;
}

export type ImportFormat = 'jwk' | 'pkcs8' | 'spki' | 'raw';
export type ExportFormat = 'jwk' | 'spki' | 'raw' | 'pkcs8';

/**
 * One algorithm. `Priv` is whatever the file prepares from the secret bytes for fast repeated use (a node:crypto
 * KeyObject, an expanded key); `Pub` likewise from the public bytes. Prepared handles are cached by the keystore's
 * key cache, so `loadPrivate` runs once per key per cache period, not once per operation.
 */
export interface AlgorithmSpec<Priv = unknown, Pub = unknown> {
  readonly id: AlgorithmId;
  readonly type: 'asymmetric' | 'symmetric' | 'seed';
  /** Every operation the algorithm can do; also the default purposes of a new key. */
  readonly operations: readonly Operation[];

  generate(): KeyMaterial;
  loadPrivate(material: KeyMaterial): Priv;
  loadPublic?(publicRaw: Uint8Array): Pub;

  /** Public JWK (RFC 7517 / 8037) for KeyInfo; asymmetric algorithms only. */
  publicJwk?(publicRaw: Uint8Array): Jwk;
  /** Wallet and identity formats shown on KeyInfo (`address`, `didKey`, ...). */
  describe?(publicRaw: Uint8Array): Record<string, string>;

  /** Parse an imported key; a public-only import returns no `secret`. Throws KmsError INVALID_REQUEST on bad input. */
  importKey?(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial;
  /** Export; `secret` is passed only for a private export the caller was allowed. */
  exportKey?(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk;

  sign?(key: Priv, input: SignInput): Uint8Array;
  verify?(key: Pub, input: VerifyInput): boolean;
  encrypt?(key: Priv, input: EncryptInput): EncryptOutput;
  decrypt?(key: Priv, input: DecryptInput): Uint8Array;
  mac?(key: Priv, data: Uint8Array): Uint8Array;
  macVerify?(key: Priv, data: Uint8Array, mac: Uint8Array): boolean;
}

/** Operation name -> the spec member that implements it. */
export const OPERATION_MEMBER: Partial<Record<Operation, keyof AlgorithmSpec>> = {
  sign: 'sign',
  verify: 'verify',
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  mac: 'mac',
  macVerify: 'macVerify',
};
