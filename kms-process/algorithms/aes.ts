// AES-128 and AES-256 on node:crypto, one spec per key size from one factory. This stage offers GCM only
// (NIST SP 800-38D with a 96-bit IV and a 128-bit tag); CBC, CTR, ECB and key wrap come later.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
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
import {
  authenticationFailed,
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

/** 96-bit IVs only: other lengths go through GHASH, a path with a history of bugs (Wycheproof 'LongIv'). */
const GCM_IV_BYTES = 12;
/** Full 128-bit tags only; truncated tags weaken authentication (SP 800-38D appendix C). */
const GCM_TAG_BYTES = 16;

function checkMode(id: AesId, mode: string | undefined): void {
  if (mode !== undefined && mode !== 'gcm') throw unsupported(`${id} mode '${mode}' is not available; use 'gcm'`);
}

export function createAesSpec(id: AesId): AlgorithmSpec<KeyObject, never> {
  const keyBytes = id === 'aes-128' ? 16 : 32;
  const cipher = id === 'aes-128' ? 'aes-128-gcm' : 'aes-256-gcm';
  const jwkAlgs = id === 'aes-128' ? ['A128GCM', 'A128KW', 'A128GCMKW'] : ['A256GCM', 'A256KW', 'A256GCMKW'];
  const checkKey = (secret: Uint8Array): Uint8Array => requireLength(secret, keyBytes, `${id} key`);

  return {
    id,
    type: 'symmetric',
    operations: ['encrypt', 'decrypt'],

    generate(): KeyMaterial {
      return { secret: new Uint8Array(randomBytes(keyBytes)) };
    },

    loadPrivate(material: KeyMaterial): KeyObject {
      const secret = requireSecret(material, id);
      return loadStored(id, () => createSecretKey(checkKey(secret)));
    },

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      if (format === 'raw') return { secret: new Uint8Array(checkKey(importBytes(format, data))) };
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
      checkMode(id, input.mode);
      const iv = input.iv === undefined ? new Uint8Array(randomBytes(GCM_IV_BYTES)) : input.iv;
      requireLength(iv, GCM_IV_BYTES, 'GCM IV');
      const c = createCipheriv(cipher, key, iv, { authTagLength: GCM_TAG_BYTES });
      if (input.aad) c.setAAD(input.aad);
      const ciphertext = new Uint8Array(Buffer.concat([c.update(input.data), c.final()]));
      return { ciphertext, mode: 'gcm', iv: new Uint8Array(iv), tag: new Uint8Array(c.getAuthTag()) };
    },

    decrypt(key: KeyObject, input: DecryptInput): Uint8Array {
      checkMode(id, input.mode);
      if (input.iv === undefined) throw invalid('GCM decryption needs the IV');
      requireLength(input.iv, GCM_IV_BYTES, 'GCM IV');
      if (input.tag === undefined) throw invalid('GCM decryption needs the tag');
      requireLength(input.tag, GCM_TAG_BYTES, 'GCM tag');
      const d = createDecipheriv(cipher, key, input.iv, { authTagLength: GCM_TAG_BYTES });
      d.setAuthTag(input.tag);
      if (input.aad) d.setAAD(input.aad);
      const head = d.update(input.data);
      try {
        return new Uint8Array(Buffer.concat([head, d.final()]));
      } catch {
        // OpenSSL says only "unable to authenticate data"; the released plaintext is discarded unread.
        head.fill(0);
        throw authenticationFailed();
      }
    },
  };
}

export const aes128Spec = createAesSpec('aes-128');
export const aes256Spec = createAesSpec('aes-256');
