// crypto.* : operations with a key of the keystore (or of a token it routes to).
import { z } from 'zod';
import { MAX_RANDOM_BYTES } from './limits.js';
import { b64u, keyId } from './common.js';

export const signatureScheme = z.enum(['ecdsa', 'bip340', 'eddsa', 'pss', 'pkcs1', 'ml-dsa', 'eip191']);
export const hashName = z.enum(['sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'keccak256']);
export const signatureFormat = z.enum(['p1363', 'der', 'recoverable']);
export const cipherMode = z.enum(['gcm', 'cbc', 'ctr', 'ecb', 'chacha20-poly1305', 'xchacha20-poly1305', 'oaep']);

const signOptions = {
  scheme: signatureScheme.optional(),
  hash: hashName.optional(),
  prehashed: z.boolean().optional(),
  format: signatureFormat.optional(),
};

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
  'crypto.random': {
    params: z.strictObject({ length: z.number().int().min(1).max(MAX_RANDOM_BYTES) }),
    result: z.object({ bytes: z.string() }),
  },
} as const;
