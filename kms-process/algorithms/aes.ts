// AES-128 and AES-256 on node:crypto, one spec per key size from one factory: encrypt/decrypt in GCM (default),
// CBC, CTR or ECB (legacy, explicit only) and key wrap KW/KWP; the modes themselves live in aesModes.ts.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type {
  AlgorithmSpec,
  DecryptInput,
  EncryptInput,
  EncryptOutput,
  ExportFormat,
  ImportFormat,
  KeyMaterial,
} from './algorithm.js';
import { aesDecrypt, aesEncrypt, aesUnwrap, aesWrap } from './aesModes.js';
import {
  b64u,
  expectJwkType,
  importBytes,
  importJwk,
  invalid,
  jwkBytes,
  loadStored,
  privateForExport,
  requireLength,
  requireSecret,
  unsupported,
} from './specChecks.js';

export type AesId = 'aes-128' | 'aes-256';

export function createAesSpec(id: AesId): AlgorithmSpec<KeyObject, never> {
  const keyBytes = id === 'aes-128' ? 16 : 32;
  const jwkAlgs = id === 'aes-128' ? ['A128GCM', 'A128KW', 'A128GCMKW'] : ['A256GCM', 'A256KW', 'A256GCMKW'];
  const checkKey = (secret: Uint8Array): Uint8Array => requireLength(secret, keyBytes, `${id} key`);

  return {
    id,
    type: 'symmetric',
    operations: ['encrypt', 'decrypt', 'wrap', 'unwrap'],

    generate(): KeyMaterial {
      return { secret: new Uint8Array(randomBytes(keyBytes)) };
    },

    loadPrivate(material: KeyMaterial): KeyObject {
      const secret = requireSecret(material, id);
      return loadStored(id, () => createSecretKey(checkKey(secret)));
    },

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      if (format === 'raw' || format === 'raw-private') return { secret: new Uint8Array(checkKey(importBytes(format, data))) };
      if (format === 'jwk') {
        const jwk = importJwk(data);
        expectJwkType(jwk, 'oct');
        const alg = jwk['alg'];
        if (alg !== undefined && !jwkAlgs.includes(String(alg))) throw invalid(`JWK 'alg' does not fit ${id}`);
        return { secret: jwkBytes(jwk, 'k', keyBytes) };
      }
      throw unsupported(`a symmetric ${id} key has no ${format} form`);
    },

    exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
      if (format !== 'raw' && format !== 'jwk') throw unsupported(`a symmetric ${id} key has no ${format} form`);
      const secret = checkKey(privateForExport(format, material, includePrivate, id));
      return format === 'raw' ? new Uint8Array(secret) : { kty: 'oct', k: b64u(secret) };
    },

    encrypt(key: KeyObject, input: EncryptInput): EncryptOutput {
      return aesEncrypt(id, keyBytes * 8, key, input);
    },

    decrypt(key: KeyObject, input: DecryptInput): Uint8Array {
      return aesDecrypt(id, keyBytes * 8, key, input);
    },

    wrap(key: KeyObject, keyToWrap: Uint8Array, mode?: string): Uint8Array {
      return aesWrap(id, keyBytes * 8, key, keyToWrap, mode);
    },

    unwrap(key: KeyObject, wrapped: Uint8Array, mode?: string): Uint8Array {
      return aesUnwrap(id, keyBytes * 8, key, wrapped, mode);
    },
  };
}

export const aes128Spec = createAesSpec('aes-128');
export const aes256Spec = createAesSpec('aes-256');
