// HMAC-SHA-256/384/512 (RFC 2104, FIPS 198-1) on node:crypto, one spec per hash from one factory.
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, ExportFormat, ImportFormat, KeyMaterial } from './algorithm.js';
import {
  b64u,
  expectJwkType,
  importBytes,
  importJwk,
  invalid,
  jwkBytes,
  loadStored,
  privateForExport,
  requireSecret,
  sameBytes,
  unsupported,
} from './specChecks.js';

export type HmacId = 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512';

/** Imported keys: at least 128 bits (shorter keys are weak), at most 1 KiB (longer ones are hashed anyway). */
export const HMAC_KEY_BYTES = [16, 1024] as const;

const PARAMS: Readonly<Record<HmacId, { hash: string; bytes: number; jwkAlg: string }>> = {
  // A generated key is as long as the hash output (RFC 2104 section 3's recommended minimum L).
  'hmac-sha256': { hash: 'sha256', bytes: 32, jwkAlg: 'HS256' },
  'hmac-sha384': { hash: 'sha384', bytes: 48, jwkAlg: 'HS384' },
  'hmac-sha512': { hash: 'sha512', bytes: 64, jwkAlg: 'HS512' },
};

function checkKey(id: HmacId, secret: Uint8Array): Uint8Array {
  const [min, max] = HMAC_KEY_BYTES;
  if (secret.length < min || secret.length > max) throw invalid(`${id} key must be ${min} to ${max} bytes`);
  return secret;
}

export function createHmacSpec(id: HmacId): AlgorithmSpec<KeyObject, never> {
  const { hash, bytes, jwkAlg } = PARAMS[id];
  const compute = (key: KeyObject, data: Uint8Array): Uint8Array =>
    new Uint8Array(createHmac(hash, key).update(data).digest());

  return {
    id,
    type: 'symmetric',
    operations: ['mac', 'macVerify'],

    generate(): KeyMaterial {
      return { secret: new Uint8Array(randomBytes(bytes)) };
    },

    loadPrivate(material: KeyMaterial): KeyObject {
      const secret = requireSecret(material, id);
      return loadStored(id, () => createSecretKey(checkKey(id, secret)));
    },

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      if (format === 'raw' || format === 'raw-private') return { secret: new Uint8Array(checkKey(id, importBytes(format, data))) };
      if (format === 'jwk') {
        const jwk = importJwk(data);
        expectJwkType(jwk, 'oct');
        if (jwk['alg'] !== undefined && jwk['alg'] !== jwkAlg) throw invalid(`JWK 'alg' does not fit ${id}`);
        return { secret: jwkBytes(jwk, 'k', HMAC_KEY_BYTES) };
      }
      throw unsupported(`a symmetric ${id} key has no ${format} form`);
    },

    exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
      if (format !== 'raw' && format !== 'jwk') throw unsupported(`a symmetric ${id} key has no ${format} form`);
      const secret = checkKey(id, privateForExport(format, material, includePrivate, id));
      return format === 'raw' ? new Uint8Array(secret) : { kty: 'oct', alg: jwkAlg, k: b64u(secret) };
    },

    mac(key: KeyObject, data: Uint8Array): Uint8Array {
      return compute(key, data);
    },

    /** Full-length tags only (no truncation); the length is public, the comparison is constant-time. */
    macVerify(key: KeyObject, data: Uint8Array, mac: Uint8Array): boolean {
      if (mac.length !== bytes) return false;
      return sameBytes(compute(key, data), mac);
    },
  };
}

export const hmacSha256Spec = createHmacSpec('hmac-sha256');
export const hmacSha384Spec = createHmacSpec('hmac-sha384');
export const hmacSha512Spec = createHmacSpec('hmac-sha512');
