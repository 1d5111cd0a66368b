// webkms.* : what `owkms serve --webkms` (caller `rest`) needs beyond the generic methods. The serve process checks
// the ZCAP invocation; these methods keep WebKMS's own invariants inside the KMS: WebKMS keystores and keys are
// ordinary keys whose (MACed) label names their keystore and whose policy admits `rest` only, and a key-encryption
// key wraps and unwraps the client's own bytes only if WebKMS made it (DESIGN.md section 1: moving the keystore's
// key material stays an app/cli operation).
import { z } from 'zod';
import { MAX_KEY_STRING } from './limits.js';
import { b64u, keyId } from './common.js';

/** A DID as a keystore controller (did:key only: the serve process resolves nothing over the network). */
export const controllerDid = z.string().regex(/^did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}$/, 'a did:key');
/** WebKMS key types (webkms-client's recommended keys) and what they are here. */
export const WEBKMS_KEY_TYPES = ['Ed25519VerificationKey2020', 'X25519KeyAgreementKey2020', 'AesKeyWrappingKey2019', 'Sha256HmacKey2019'] as const;
export const webkmsKeyType = z.enum(WEBKMS_KEY_TYPES);

/** Refusals the serve process records (the KMS never saw those requests). */
export const WEBKMS_REFUSALS = ['UNSIGNED', 'BAD_SIGNATURE', 'EXPIRED', 'REPLAYED', 'REVOKED', 'NOT_AUTHORIZED', 'BAD_DIGEST', 'MALFORMED'] as const;

export const webkmsMethods = {
  'webkms.createKeystore': {
    params: z.strictObject({ controller: controllerDid, sequence: z.number().int().min(0).max(2 ** 31).optional() }),
    result: z.object({ id: z.string(), controller: z.string(), sequence: z.number().int() }),
  },
  'webkms.listKeystores': {
    params: z.strictObject({}),
    result: z.object({
      keystores: z.array(z.object({ id: z.string(), controller: z.string(), sequence: z.number().int() })),
      keys: z.array(z.object({ id: z.string(), keystore: z.string(), type: webkmsKeyType })),
      revocations: z.array(z.object({ keystore: z.string(), zcapHash: z.string(), expires: z.number().int() })),
    }),
  },
  'webkms.generateKey': {
    params: z.strictObject({ keystore: keyId, type: webkmsKeyType }),
    result: z.object({ id: z.string(), type: webkmsKeyType, publicKey: z.string().optional() }),
  },
  'webkms.wrapKey': {
    params: z.strictObject({ id: keyId, unwrappedKey: b64u(1024) }),
    result: z.object({ wrappedKey: z.string() }),
  },
  'webkms.unwrapKey': {
    params: z.strictObject({ id: keyId, wrappedKey: b64u(MAX_KEY_STRING) }),
    result: z.object({ unwrappedKey: z.string() }),
  },
  'webkms.revoke': {
    /** A revoked capability, by the SHA-256 of its id, kept until it would have expired anyway. */
    params: z.strictObject({ keystore: keyId, zcapHash: z.string().regex(/^[A-Za-z0-9_-]{43}$/), expires: z.number().int().min(0).max(2 ** 40) }),
    result: z.object({ revoked: z.literal(true) }),
  },
  'webkms.audit': {
    /** A request the serve process refused before reaching the KMS: audited as caller `rest`. */
    params: z.strictObject({
      operation: z.enum(['createKeystore', 'getKeystore', 'generateKey', 'getKey', 'sign', 'verify', 'deriveSecret', 'wrapKey', 'unwrapKey', 'revoke', 'unknown']),
      outcome: z.enum(WEBKMS_REFUSALS),
      keyId: keyId.optional(),
    }),
    result: z.object({ recorded: z.literal(true) }),
  },
} as const;
