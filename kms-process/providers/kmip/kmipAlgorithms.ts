// What each algorithm id is on a KMIP server: how it is made (Create, CreateKeyPair, or made here and Registered),
// its usage mask, and the Cryptographic Parameters of each operation, with the same defaults and output forms as
// the software keys (RSA: PSS SHA-256 unless scheme pkcs1; ECDSA: the curve's hash, P1363 r||s unless format der;
// AES: GCM with a 96-bit IV and a 128-bit tag unless mode cbc or ctr).
import { createPublicKey } from 'node:crypto';
import { KmsError, type AlgorithmId, type Operation } from '../../api/index.js';
import type { SignInput } from '../../algorithms/algorithm.js';
import { EC_CURVES } from '../../algorithms/ecCurves.js';
import type { CryptoParams } from './kmipClient.js';
import { BLOCK_CIPHER_MODE, CRYPTO_ALGORITHM, HASHING_ALGORITHM, KEY_FORMAT_TYPE, PADDING_METHOD, USAGE_MASK } from './kmipTags.js';
import type { KeyObject as KmipKeyObject } from './kmipClient.js';

export type KmipFamily = 'aes' | 'rsa' | 'ec' | 'hmac';

interface KmipAlgorithm {
  family: KmipFamily;
  /** Cryptographic Algorithm and Length as the server knows them. */
  algorithm: number;
  bits: number;
  operations: readonly Operation[];
}

export const KMIP_ALGORITHMS: Partial<Record<AlgorithmId, KmipAlgorithm>> = {
  'aes-128': { family: 'aes', algorithm: CRYPTO_ALGORITHM.AES, bits: 128, operations: ['encrypt', 'decrypt'] },
  'aes-256': { family: 'aes', algorithm: CRYPTO_ALGORITHM.AES, bits: 256, operations: ['encrypt', 'decrypt'] },
  'rsa-2048': { family: 'rsa', algorithm: CRYPTO_ALGORITHM.RSA, bits: 2048, operations: ['sign', 'verify'] },
  'rsa-3072': { family: 'rsa', algorithm: CRYPTO_ALGORITHM.RSA, bits: 3072, operations: ['sign', 'verify'] },
  'rsa-4096': { family: 'rsa', algorithm: CRYPTO_ALGORITHM.RSA, bits: 4096, operations: ['sign', 'verify'] },
  p256: { family: 'ec', algorithm: CRYPTO_ALGORITHM.EC, bits: 256, operations: ['sign', 'verify'] },
  p384: { family: 'ec', algorithm: CRYPTO_ALGORITHM.EC, bits: 384, operations: ['sign', 'verify'] },
  p521: { family: 'ec', algorithm: CRYPTO_ALGORITHM.EC, bits: 521, operations: ['sign', 'verify'] },
  'hmac-sha256': { family: 'hmac', algorithm: CRYPTO_ALGORITHM.HMAC_SHA256, bits: 256, operations: ['mac', 'macVerify'] },
  'hmac-sha384': { family: 'hmac', algorithm: CRYPTO_ALGORITHM.HMAC_SHA384, bits: 384, operations: ['mac', 'macVerify'] },
  'hmac-sha512': { family: 'hmac', algorithm: CRYPTO_ALGORITHM.HMAC_SHA512, bits: 512, operations: ['mac', 'macVerify'] },
};

export function kmipAlgorithm(id: AlgorithmId): KmipAlgorithm {
  const a = KMIP_ALGORITHMS[id];
  if (!a) throw new KmsError('UNSUPPORTED', `${id} keys cannot live on a KMIP server here`);
  return a;
}

/** The server's Cryptographic Usage Mask for a key that may do `ops` (the private half for sign, the public for verify). */
export function usageMask(ops: readonly Operation[]): number {
  const bits: Partial<Record<Operation, number>> = {
    sign: USAGE_MASK.Sign,
    verify: USAGE_MASK.Verify,
    encrypt: USAGE_MASK.Encrypt,
    decrypt: USAGE_MASK.Decrypt,
    mac: USAGE_MASK.MacGenerate,
    macVerify: USAGE_MASK.MacVerify,
  };
  return ops.reduce((m, op) => m | (bits[op] ?? 0), 0);
}

const HASHES: Readonly<Record<string, number>> = { sha256: HASHING_ALGORITHM.SHA256, sha384: HASHING_ALGORITHM.SHA384, sha512: HASHING_ALGORITHM.SHA512 };
const EC_DEFAULT_HASH: Readonly<Record<number, string>> = { 256: 'sha256', 384: 'sha384', 521: 'sha512' };

function unsupported(message: string): KmsError {
  return new KmsError('UNSUPPORTED', message);
}

/** Sign parameters, and whether the server's DER ECDSA signature becomes P1363 (the software keys' default). */
export function signParams(id: AlgorithmId, input: SignInput): { params: CryptoParams; p1363: boolean } {
  const a = kmipAlgorithm(id);
  if (input.prehashed) throw unsupported(`${id} on a KMIP server signs messages; 'prehashed' is not supported`);
  if (input.context) throw unsupported(`${id} takes no signing context`);
  if (a.family === 'rsa') {
    if (input.format !== undefined) throw unsupported(`${id} signatures have one form; 'format' is not supported`);
    const hash = HASHES[input.hash ?? 'sha256'];
    if (!hash) throw unsupported(`${id} does not support hash '${input.hash}'`);
    const scheme = input.scheme ?? 'pss';
    if (scheme !== 'pss' && scheme !== 'pkcs1') throw unsupported(`${id} signs with 'pss' or 'pkcs1'`);
    return { params: { cryptographicAlgorithm: CRYPTO_ALGORITHM.RSA, paddingMethod: scheme === 'pss' ? PADDING_METHOD.PSS : PADDING_METHOD.PKCS1v15, hashingAlgorithm: hash }, p1363: false };
  }
  if (a.family === 'ec') {
    if (input.scheme !== undefined && input.scheme !== 'ecdsa') throw unsupported(`${id} signs with 'ecdsa'`);
    if (input.format !== undefined && input.format !== 'p1363' && input.format !== 'der') throw unsupported(`${id} signatures come as 'p1363' or 'der'`);
    const hash = HASHES[input.hash ?? EC_DEFAULT_HASH[a.bits]!];
    if (!hash) throw unsupported(`${id} does not support hash '${input.hash}'`);
    return { params: { cryptographicAlgorithm: CRYPTO_ALGORITHM.ECDSA, hashingAlgorithm: hash }, p1363: input.format !== 'der' };
  }
  throw unsupported(`${id} keys do not sign`);
}

/** ECDSA signatures: servers answer in DER (X9.62); P1363 r||s is what the software keys give by default. */
export function derToP1363(id: AlgorithmId, der: Uint8Array): Uint8Array {
  const curve = EC_CURVES[id as 'p256' | 'p384' | 'p521'];
  return curve.noble.Signature.fromBytes(der, 'der').toBytes('compact');
}

export function p1363ToDer(id: AlgorithmId, sig: Uint8Array): Uint8Array | undefined {
  const curve = EC_CURVES[id as 'p256' | 'p384' | 'p521'];
  if (sig.length !== 2 * curve.scalarBytes) return undefined;
  try {
    return curve.noble.Signature.fromBytes(sig, 'compact').toBytes('der');
  } catch {
    return undefined;
  }
}

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const BLOCK_BYTES = 16;

/** Cipher parameters of an AES mode; GCM by default. */
export function cipherParams(id: AlgorithmId, mode: string | undefined): { mode: 'gcm' | 'cbc' | 'ctr'; params: CryptoParams; ivBytes: number } {
  const m = mode ?? 'gcm';
  const base = { cryptographicAlgorithm: CRYPTO_ALGORITHM.AES };
  if (m === 'gcm') return { mode: m, params: { ...base, blockCipherMode: BLOCK_CIPHER_MODE.GCM, tagLength: GCM_TAG_BYTES }, ivBytes: GCM_IV_BYTES };
  if (m === 'cbc') return { mode: m, params: { ...base, blockCipherMode: BLOCK_CIPHER_MODE.CBC, paddingMethod: PADDING_METHOD.PKCS5 }, ivBytes: BLOCK_BYTES };
  if (m === 'ctr') return { mode: m, params: { ...base, blockCipherMode: BLOCK_CIPHER_MODE.CTR }, ivBytes: BLOCK_BYTES };
  throw unsupported(`${id} on a KMIP server encrypts with 'gcm', 'cbc' or 'ctr'`);
}

/** The public key the server hands out, as the keystore stores it: SPKI DER for RSA, 04||x||y for EC. */
export function publicRawFrom(id: AlgorithmId, key: KmipKeyObject): Uint8Array {
  if (!(key.material instanceof Uint8Array)) throw new KmsError('REMOTE_ERROR', `the server sent the ${id} public key in a form this KMS does not read`);
  const der = Buffer.from(key.material);
  const type = key.keyFormatType === KEY_FORMAT_TYPE.PKCS1 ? 'pkcs1' : key.keyFormatType === KEY_FORMAT_TYPE.X509 ? 'spki' : undefined;
  if (!type) throw new KmsError('REMOTE_ERROR', `the server sent the ${id} public key in Key Format Type 0x${key.keyFormatType.toString(16)}`);
  let pub;
  try {
    pub = createPublicKey({ key: der, format: 'der', type });
  } catch (e) {
    throw new KmsError('REMOTE_ERROR', `the server's ${id} public key does not parse`, { cause: e });
  }
  const a = kmipAlgorithm(id);
  if (a.family === 'rsa') {
    if (pub.asymmetricKeyType !== 'rsa' || pub.asymmetricKeyDetails?.modulusLength !== a.bits) throw new KmsError('REMOTE_ERROR', `the server's key is not a ${id} key`);
    return new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
  }
  const curve = EC_CURVES[id as 'p256' | 'p384' | 'p521'];
  if (pub.asymmetricKeyType !== 'ec' || pub.asymmetricKeyDetails?.namedCurve !== curve.nodeCurve) throw new KmsError('REMOTE_ERROR', `the server's key is not a ${id} key`);
  const jwk = pub.export({ format: 'jwk' });
  return new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(String(jwk.x), 'base64url'), Buffer.from(String(jwk.y), 'base64url')]));
}

