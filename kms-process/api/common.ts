// Schemas shared by the method definitions: bytes, ids, algorithm ids, operations, KeyInfo.
import { z } from 'zod';
import { MAX_DATA_BYTES, MAX_KEY_STRING, MAX_SECRET_STRING, MAX_SHORT_STRING } from './limits.js';

const B64URL = /^[A-Za-z0-9_-]*$/;

/** base64url without padding, at most `maxBytes` decoded bytes. */
export const b64u = (maxBytes: number = MAX_DATA_BYTES) =>
  z
    .string()
    .max(Math.ceil((maxBytes * 4) / 3))
    .regex(B64URL, 'expected base64url without padding')
    .refine((s) => s.length % 4 !== 1, 'impossible base64url length');

export const shortString = z.string().min(1).max(MAX_SHORT_STRING);
export const label = z.string().max(MAX_SHORT_STRING).regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters');
export const secretString = z.string().min(1).max(MAX_SECRET_STRING);
export const keyId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'malformed key id');

/** Every algorithm id of DESIGN.md section 3; the registry says which are implemented. */
export const ALGORITHM_IDS = [
  'ed25519',
  'x25519',
  'secp256k1',
  'p224',
  'p256',
  'p384',
  'p521',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'aes-128',
  'aes-256',
  'hmac-sha256',
  'hmac-sha384',
  'hmac-sha512',
  'chacha20-poly1305',
  'xchacha20-poly1305',
  'ml-dsa-44',
  'ml-dsa-65',
  'ml-dsa-87',
  'ml-kem-768',
  'hd-seed',
] as const;
export type AlgorithmId = (typeof ALGORITHM_IDS)[number];
export const algorithmId = z.enum(ALGORITHM_IDS);

/** What a key may be used for; a key's policy names a subset of what its algorithm supports. */
export const OPERATIONS = [
  'sign',
  'verify',
  'encrypt',
  'decrypt',
  'mac',
  'macVerify',
  'agree',
  'wrap',
  'unwrap',
  'derive',
  'encapsulate',
  'decapsulate',
] as const;
export type Operation = (typeof OPERATIONS)[number];
export const operation = z.enum(OPERATIONS);

export { CALLERS, type Caller } from './callers.js';
import { CALLERS } from './callers.js';
export const caller = z.enum(CALLERS);

/** A provider id: `software`, `pkcs11:<token serial>` or `kmip:<server>`. */
export const providerId = z.string().regex(/^(software|pkcs11:[A-Za-z0-9._-]{1,64}|kmip:[A-Za-z0-9._-]{1,64})$/);

/** A JSON Web Key as it arrives: a flat object of short strings (RFC 7517); the algorithm file checks members. */
export const jwk = z
  .record(z.string().max(32), z.union([z.string().max(MAX_KEY_STRING), z.array(z.string().max(64)).max(16), z.boolean()]))
  .refine((o) => Object.keys(o).length <= 32, 'too many JWK members');
export type Jwk = z.infer<typeof jwk>;

export const keyPolicy = z.strictObject({
  purposes: z.array(operation).max(OPERATIONS.length).optional(),
  exportable: z.boolean().optional(),
  requiresApproval: z.boolean().optional(),
  /** Callers allowed to use the key; absent means every caller the method allowlist admits. */
  callers: z.array(caller).max(CALLERS.length).optional(),
  /** crypto.agree may return the raw shared secret instead of storing a derived key. */
  allowRawAgreement: z.boolean().optional(),
});
export type KeyPolicyInput = z.infer<typeof keyPolicy>;

export const keyInfo = z.object({
  id: z.string(),
  label: z.string(),
  algorithm: algorithmId,
  provider: z.string(),
  purposes: z.array(operation),
  exportable: z.boolean(),
  requiresApproval: z.boolean(),
  callers: z.array(caller).optional(),
  /** crypto.agree / KEM may return the raw shared secret (to callers that may receive key material). */
  allowRawAgreement: z.literal(true).optional(),
  createdAt: z.string(),
  version: z.number().int().optional(),
  publicKey: z.object({ jwk: jwk.optional(), raw: z.string() }).optional(),
  derivation: z.object({ parentId: z.string(), path: z.string() }).optional(),
  extra: z.record(z.string(), z.string()).optional(),
});
export type KeyInfo = z.infer<typeof keyInfo>;

export const empty = z.strictObject({});
