// Which KMS algorithms live on a token, how each is generated (mechanism and templates: sensitive, never
// extractable, on the token) and how its public key reads back in the keystore's raw encodings.
import { createPublicKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KmsError, type AlgorithmId, type Operation } from '../../api/index.js';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, CURVE_OIDS, ED25519_PRINTABLE } from './pkcs11Constants.js';

export type Family = 'ec' | 'ed25519' | 'rsa' | 'aes';

export interface TokenAlgorithm {
  id: AlgorithmId;
  family: Family;
  operations: readonly Operation[];
  /** EC: curve OID; bytes of the uncompressed point (EC) or of the key (Ed25519). */
  oid?: Buffer;
  pointBytes?: number;
  rsaBits?: number;
  aesBytes?: number;
}

const EC_OPS: readonly Operation[] = ['sign', 'verify', 'agree'];
const RSA_OPS: readonly Operation[] = ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap'];
const AES_OPS: readonly Operation[] = ['encrypt', 'decrypt', 'wrap', 'unwrap'];

export const TOKEN_ALGORITHMS: Partial<Record<AlgorithmId, TokenAlgorithm>> = {
  p256: { id: 'p256', family: 'ec', operations: EC_OPS, oid: CURVE_OIDS.p256, pointBytes: 65 },
  p384: { id: 'p384', family: 'ec', operations: EC_OPS, oid: CURVE_OIDS.p384, pointBytes: 97 },
  secp256k1: { id: 'secp256k1', family: 'ec', operations: EC_OPS, oid: CURVE_OIDS.secp256k1, pointBytes: 65 },
  ed25519: { id: 'ed25519', family: 'ed25519', operations: ['sign', 'verify'], oid: CURVE_OIDS.ed25519, pointBytes: 32 },
  'rsa-2048': { id: 'rsa-2048', family: 'rsa', operations: RSA_OPS, rsaBits: 2048 },
  'rsa-3072': { id: 'rsa-3072', family: 'rsa', operations: RSA_OPS, rsaBits: 3072 },
  'rsa-4096': { id: 'rsa-4096', family: 'rsa', operations: RSA_OPS, rsaBits: 4096 },
  'aes-128': { id: 'aes-128', family: 'aes', operations: AES_OPS, aesBytes: 16 },
  'aes-256': { id: 'aes-256', family: 'aes', operations: AES_OPS, aesBytes: 32 },
};

export function tokenAlgorithm(id: AlgorithmId): TokenAlgorithm {
  const alg = TOKEN_ALGORITHMS[id];
  if (!alg) throw new KmsError('UNSUPPORTED', `algorithm '${id}' cannot live on a PKCS#11 token`);
  return alg;
}

export interface GenerationSpec {
  mechanism: number;
  pair: boolean;
  publicTemplate: pkcs11js.Template;
  privateTemplate: pkcs11js.Template;
}

/** Templates for a new token key: private/secret parts sensitive, never extractable, persistent (CKA_TOKEN). */
export function generationSpec(alg: TokenAlgorithm, id: Buffer, label: string): GenerationSpec {
  const common: pkcs11js.Template = [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
  ];
  const secret: pkcs11js.Template = [
    ...common,
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
  ];
  const pub: pkcs11js.Template = [...common, { type: pkcs11js.CKA_PRIVATE, value: false }];
  switch (alg.family) {
    case 'ec':
      return {
        mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN,
        pair: true,
        publicTemplate: [...pub, { type: pkcs11js.CKA_EC_PARAMS, value: alg.oid as Buffer }, { type: pkcs11js.CKA_VERIFY, value: true }],
        privateTemplate: [...secret, { type: pkcs11js.CKA_SIGN, value: true }, { type: pkcs11js.CKA_DERIVE, value: true }],
      };
    case 'ed25519':
      return {
        mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN,
        pair: true,
        publicTemplate: [...pub, { type: pkcs11js.CKA_EC_PARAMS, value: alg.oid as Buffer }, { type: pkcs11js.CKA_VERIFY, value: true }],
        privateTemplate: [...secret, { type: pkcs11js.CKA_SIGN, value: true }],
      };
    case 'rsa':
      return {
        mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
        pair: true,
        publicTemplate: [
          ...pub,
          { type: pkcs11js.CKA_MODULUS_BITS, value: alg.rsaBits as number },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_ENCRYPT, value: true },
          { type: pkcs11js.CKA_WRAP, value: true },
        ],
        privateTemplate: [
          ...secret,
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_DECRYPT, value: true },
          { type: pkcs11js.CKA_UNWRAP, value: true },
        ],
      };
    case 'aes':
      return {
        mechanism: pkcs11js.CKM_AES_KEY_GEN,
        pair: false,
        publicTemplate: [],
        privateTemplate: [
          ...secret,
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
          { type: pkcs11js.CKA_VALUE_LEN, value: alg.aesBytes as number },
          { type: pkcs11js.CKA_ENCRYPT, value: true },
          { type: pkcs11js.CKA_DECRYPT, value: true },
          { type: pkcs11js.CKA_WRAP, value: true },
          { type: pkcs11js.CKA_UNWRAP, value: true },
        ],
      };
  }
}

/**
 * CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40 section 2.3.3); some modules return the bare
 * point. The expected length tells the two apart (all our points are shorter than 128 bytes: short-form length).
 */
export function unwrapEcPoint(value: Buffer, pointBytes: number): Buffer {
  if (value.length === pointBytes) return value;
  if (value.length === pointBytes + 2 && value[0] === 0x04 && value[1] === pointBytes) return value.subarray(2);
  throw new KmsError('TOKEN_ERROR', 'token returned a public key of unexpected length');
}

export function wrapEcPoint(point: Uint8Array): Buffer {
  if (point.length >= 128) throw new KmsError('INVALID_REQUEST', 'public key too long');
  return Buffer.concat([Buffer.from([0x04, point.length]), point]);
}

/** RSA public keys go to the keystore as SPKI DER, built by node:crypto from the modulus and exponent. */
export function rsaSpki(modulus: Buffer, exponent: Buffer): Uint8Array {
  const key = createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url') }, format: 'jwk' });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** Identify an existing token key from its attributes (for adoption). */
export function algorithmFromAttributes(keyType: number, ecParams?: Buffer, rsaBits?: number, valueLen?: number): TokenAlgorithm {
  const match = Object.values(TOKEN_ALGORITHMS).find((a) => {
    if (!a) return false;
    if (keyType === pkcs11js.CKK_EC) return a.family === 'ec' && ecParams !== undefined && a.oid?.equals(ecParams);
    if (keyType === CKK_EC_EDWARDS) return a.family === 'ed25519' && (ecParams?.equals(CURVE_OIDS.ed25519) || ecParams?.equals(ED25519_PRINTABLE));
    if (keyType === pkcs11js.CKK_RSA) return a.family === 'rsa' && a.rsaBits === rsaBits;
    if (keyType === pkcs11js.CKK_AES) return a.family === 'aes' && a.aesBytes === valueLen;
    return false;
  });
  if (!match) throw new KmsError('UNSUPPORTED', 'the token key has a type or size the KMS does not support');
  return match;
}
