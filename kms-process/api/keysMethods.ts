// keys.* : creating, finding, importing, exporting and deleting keys.
import { z } from 'zod';
import { MAX_KEY_STRING, MAX_PAGE, MAX_SECRET_STRING, MAX_SHORT_STRING } from './limits.js';
import { algorithmId, b64u, jwk, keyId, keyInfo, keyPolicy, label, operation, providerId } from './common.js';

const keyFlags = {
  label: label.optional(),
  purposes: z.array(operation).max(12).optional(),
  exportable: z.boolean().optional(),
  requiresApproval: z.boolean().optional(),
  callers: keyPolicy.shape.callers,
  allowRawAgreement: z.boolean().optional(),
};

export const keysMethods = {
  'keys.generate': {
    params: z.strictObject({
      algorithm: algorithmId,
      provider: providerId.optional(),
      /** hd-seed: BIP39 words (24 by default) and an optional BIP39 passphrase (never stored). */
      words: z.union([z.literal(12), z.literal(24)]).optional(),
      bip39Passphrase: z.string().max(MAX_SECRET_STRING).optional(),
      ...keyFlags,
    }),
    result: keyInfo,
  },
  'keys.import': {
    params: z.discriminatedUnion('format', [
      z.strictObject({ format: z.literal('jwk'), data: jwk, algorithm: algorithmId.optional(), ...keyFlags }),
      z.strictObject({
        /** pkcs8 and spki: DER, or PEM text (RFC 7468); the algorithm is read from the key when not given. */
        format: z.enum(['pkcs8', 'spki', 'raw']),
        data: b64u(MAX_KEY_STRING),
        algorithm: algorithmId.optional(),
        /** raw: the raw private key (EC scalar, Ed25519/X25519 private key, ML-DSA/ML-KEM seed) instead of the public one. */
        private: z.boolean().optional(),
        ...keyFlags,
      }),
      z.strictObject({
        /** Adopt a key that already lives on a token: `provider` names the token, `locator` its CKA_ID (hex) or PIV slot. */
        format: z.literal('token'),
        provider: providerId,
        locator: z.string().regex(/^([0-9a-fA-F]{2}){1,64}$|^[0-9a-fA-F]{2}$/, 'a hex CKA_ID or a PIV slot'),
        label: keyFlags.label,
        purposes: keyFlags.purposes,
        requiresApproval: keyFlags.requiresApproval,
        callers: keyFlags.callers,
      }),
      z.strictObject({
        format: z.literal('mnemonic'),
        data: z.string().min(1).max(MAX_SECRET_STRING),
        algorithm: z.literal('hd-seed').optional(),
        bip39Passphrase: z.string().max(MAX_SECRET_STRING).optional(),
        ...keyFlags,
      }),
    ]),
    result: keyInfo,
  },
  'keys.list': {
    params: z.strictObject({
      cursor: z.string().max(128).optional(),
      limit: z.number().int().min(1).max(MAX_PAGE).optional(),
    }),
    result: z.object({ keys: z.array(keyInfo), nextCursor: z.string().optional() }),
  },
  'keys.get': {
    params: z.strictObject({ id: keyId }),
    result: keyInfo,
  },
  'keys.delete': {
    params: z.strictObject({ id: keyId }),
    result: z.object({ id: z.string(), deleted: z.literal(true) }),
  },
  'keys.derive': {
    params: z.strictObject({
      id: keyId,
      path: z.string().min(1).max(MAX_SHORT_STRING),
      /** Child algorithm: secp256k1 (BIP32, the default) or ed25519 (SLIP-10, hardened only). */
      child: z.enum(['secp256k1', 'ed25519']).optional(),
      ...keyFlags,
    }),
    result: keyInfo,
  },
  'keys.rotate': {
    params: z.strictObject({ id: keyId }),
    result: keyInfo,
  },
  'keys.retireVersions': {
    /** Earlier versions below `below` stop decrypting (their secrets are deleted). */
    params: z.strictObject({ id: keyId, below: z.number().int().min(1).max(1_000_000) }),
    result: z.object({ id: z.string(), retired: z.number().int(), versions: z.array(z.number().int()) }),
  },
  'keys.update': {
    params: z.strictObject({ id: keyId, label: label.optional(), policy: keyPolicy.optional() }),
    result: keyInfo,
  },
  'keys.export': {
    params: z.strictObject({
      id: keyId,
      /** `mnemonic`: the words of an hd-seed, an explicit backup (private, approved). */
      format: z.enum(['jwk', 'spki', 'raw', 'pkcs8', 'mnemonic']),
      private: z.boolean().optional(),
      /** Export the private key wrapped by this keystore key instead of in clear (AES-KW/KWP, RSA-OAEP). */
      wrapWith: keyId.optional(),
      mode: z.enum(['kw', 'kwp', 'oaep']).optional(),
    }),
    result: z.object({
      format: z.enum(['jwk', 'spki', 'raw', 'pkcs8', 'mnemonic']),
      mnemonic: z.string().optional(),
      jwk: jwk.optional(),
      data: z.string().optional(),
      wrappedWith: z.string().optional(),
    }),
  },
} as const;
