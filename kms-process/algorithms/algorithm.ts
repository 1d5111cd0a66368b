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
  /** FIPS 204 context string (ML-DSA only, at most 255 bytes); other algorithms reject it. */
  context?: Uint8Array | undefined;
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

/** Options of `generate`; only `hd-seed` takes any (BIP39 word count and passphrase). */
export interface GenerateOptions {
  words?: 12 | 24 | undefined;
  bip39Passphrase?: string | undefined;
}

/** A child key made by `derive`: its algorithm, its material and the normalised path it was derived at. */
export interface DerivedKey {
  algorithm: 'secp256k1' | 'ed25519';
  material: KeyMaterial;
  path: string;
}

/** What `encapsulate` returns: the shared secret to keep and the ciphertext to send. */
export interface Encapsulation {
  sharedSecret: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * `raw` is the algorithm's raw public key (or a symmetric key's bytes); `raw-private` the raw private key: an EC
 * scalar, an Ed25519/X25519 32-byte private key, an ML-DSA / ML-KEM seed (protocol: format 'raw', private: true).
 */
export type ImportFormat = 'jwk' | 'pkcs8' | 'spki' | 'raw' | 'raw-private';
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

  generate(options?: GenerateOptions): KeyMaterial;
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
  /** The same signature computed off the main thread (node:crypto's thread pool); used when requests queue up. */
  signAsync?(key: Priv, input: SignInput): Promise<Uint8Array>;
  verify?(key: Pub, input: VerifyInput): boolean;
  encrypt?(key: Priv, input: EncryptInput): EncryptOutput;
  decrypt?(key: Priv, input: DecryptInput): Uint8Array;
  mac?(key: Priv, data: Uint8Array): Uint8Array;
  macVerify?(key: Priv, data: Uint8Array, mac: Uint8Array): boolean;

  /** Raw shared secret (ECDH x-coordinate, X25519 output) with a peer's public key; the peer point is validated. */
  agree?(key: Priv, peerPublic: Uint8Array | Jwk): Uint8Array;
  /**
   * Key wrapping. Symmetric algorithms get the private handle and take `mode` ('kw' RFC 3394, 'kwp' RFC 5649);
   * asymmetric ones (RSA-OAEP) get the public handle for `wrap` (like `encrypt`) and the private one for `unwrap`.
   */
  wrap?(key: Priv | Pub, keyToWrap: Uint8Array, mode?: string): Uint8Array;
  unwrap?(key: Priv, wrapped: Uint8Array, mode?: string): Uint8Array;
  /** KEM (ML-KEM): `encapsulate` takes the public handle, `decapsulate` the private one. */
  encapsulate?(key: Pub): Encapsulation;
  decapsulate?(key: Priv, ciphertext: Uint8Array): Uint8Array;

  /** hd-seed: the child key at `path` (BIP32 for secp256k1, SLIP-10 hardened-only for ed25519). */
  derive?(key: Priv, path: string, child?: DerivedKey['algorithm']): DerivedKey;
  /** hd-seed: material from a BIP39 mnemonic (English word list; bad words or checksum are INVALID_REQUEST). */
  fromMnemonic?(mnemonic: string, passphrase?: string): KeyMaterial;
  /** hd-seed: the mnemonic words for an explicit, approved backup export; never used otherwise. */
  exportMnemonic?(material: KeyMaterial): string;
}

/** Operation name -> the spec member that implements it. */
export const OPERATION_MEMBER: Partial<Record<Operation, keyof AlgorithmSpec>> = {
  sign: 'sign',
  verify: 'verify',
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  mac: 'mac',
  macVerify: 'macVerify',
  agree: 'agree',
  wrap: 'wrap',
  unwrap: 'unwrap',
  encapsulate: 'encapsulate',
  decapsulate: 'decapsulate',
  derive: 'derive',
};
