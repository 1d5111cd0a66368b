// crypto.* : operations with a key of the keystore (or of a token it routes to).
import { z } from 'zod';
import { MAX_KEY_STRING, MAX_RANDOM_BYTES } from './limits.js';
import { algorithmId, b64u, jwk, keyId, keyInfo, label, operation } from './common.js';

export const signatureScheme = z.enum(['ecdsa', 'bip340', 'eddsa', 'pss', 'pkcs1', 'ml-dsa', 'eip191']);
export const hashName = z.enum(['sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'keccak256']);
export const signatureFormat = z.enum(['p1363', 'der', 'recoverable']);
export const cipherMode = z.enum(['gcm', 'cbc', 'ctr', 'ecb', 'chacha20-poly1305', 'xchacha20-poly1305', 'oaep']);

const signOptions = {
  scheme: signatureScheme.optional(),
  hash: hashName.optional(),
  prehashed: z.boolean().optional(),
  format: signatureFormat.optional(),
  /** ML-DSA context string (FIPS 204), at most 255 bytes. */
  context: b64u(255).optional(),
};

/** What an agreement or a KEM's shared secret becomes: a stored key (default) or, where policy allows, raw bytes. */
const secretUse = {
  /** HKDF-SHA256 to a new stored key of this algorithm (default aes-256), with optional salt and info. */
  derive: z
    .strictObject({
      algorithm: z.enum(['aes-128', 'aes-256', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'chacha20-poly1305', 'xchacha20-poly1305']).optional(),
      salt: b64u(256).optional(),
      info: b64u(1024).optional(),
      label: label.optional(),
    })
    .optional(),
  /** Return the raw shared secret instead; only for keys whose policy has allowRawAgreement. */
  raw: z.boolean().optional(),
};
const secretResult = z.object({ key: keyInfo.optional(), sharedSecret: z.string().optional() });

export const cryptoMethods = {
  'crypto.sign': {
    params: z.strictObject({ id: keyId, data: b64u(), ...signOptions }),
    result: z.object({ signature: z.string() }),
  },
  'crypto.verify': {
    params: z.strictObject({ id: keyId, data: b64u(), signature: b64u(16 * 1024), ...signOptions }),
    result: z.object({ valid: z.boolean() }),
  },
  'crypto.encrypt': {
    params: z.strictObject({
      id: keyId,
      data: b64u(),
      mode: cipherMode.optional(),
      iv: b64u(64).optional(),
      aad: b64u(64 * 1024).optional(),
    }),
    result: z.object({
      ciphertext: z.string(),
      mode: cipherMode,
      iv: z.string().optional(),
      tag: z.string().optional(),
      version: z.number().int().optional(),
    }),
  },
  'crypto.decrypt': {
    params: z.strictObject({
      id: keyId,
      data: b64u(),
      mode: cipherMode.optional(),
      iv: b64u(64).optional(),
      tag: b64u(64).optional(),
      aad: b64u(64 * 1024).optional(),
      version: z.number().int().min(1).max(1_000_000).optional(),
    }),
    result: z.object({ plaintext: z.string() }),
  },
  'crypto.mac': {
    params: z.strictObject({ id: keyId, data: b64u() }),
    result: z.object({ mac: z.string() }),
  },
  'crypto.macVerify': {
    params: z.strictObject({ id: keyId, data: b64u(), mac: b64u(128) }),
    result: z.object({ valid: z.boolean() }),
  },
  'crypto.agree': {
    /** peerPublicKey: the raw public key, SPKI (DER or PEM text) as base64url, or a JWK. */
    params: z.strictObject({ id: keyId, peerPublicKey: z.union([b64u(MAX_KEY_STRING), jwk]), ...secretUse }),
    result: secretResult,
  },
  'crypto.encapsulate': {
    params: z.strictObject({ id: keyId, ...secretUse }),
    result: secretResult.extend({ ciphertext: z.string() }),
  },
  'crypto.decapsulate': {
    params: z.strictObject({ id: keyId, ciphertext: b64u(MAX_KEY_STRING), ...secretUse }),
    result: secretResult,
  },
  'crypto.wrapKey': {
    /** Wrap key `keyId` under key `id`: the key leaves the keystore only encrypted. */
    params: z.strictObject({ id: keyId, keyId, mode: z.enum(['kw', 'kwp', 'oaep']).optional() }),
    result: z.object({ wrapped: z.string(), algorithm: algorithmId }),
  },
  'crypto.unwrapKey': {
    params: z.strictObject({
      id: keyId,
      wrapped: b64u(MAX_KEY_STRING),
      algorithm: algorithmId,
      mode: z.enum(['kw', 'kwp', 'oaep']).optional(),
      label: label.optional(),
      purposes: z.array(operation).max(12).optional(),
      exportable: z.boolean().optional(),
      requiresApproval: z.boolean().optional(),
    }),
    result: keyInfo,
  },
  'crypto.signJws': {
    /** Compact JWS (RFC 7515): the KMS builds the signing input from the header and payload, then signs it. */
    params: z.strictObject({
      id: keyId,
      payload: b64u(),
      header: z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()])).optional(),
    }),
    result: z.object({ jws: z.string() }),
  },
  'crypto.random': {
    params: z.strictObject({ length: z.number().int().min(1).max(MAX_RANDOM_BYTES) }),
    result: z.object({ bytes: z.string() }),
  },
} as const;
