// ChaCha20-Poly1305 (RFC 8439, 12-byte nonce) on node:crypto and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha,
// 24-byte nonce, the libsodium/Apple family) on @noble/ciphers. 256-bit keys, 128-bit tags returned apart, like GCM.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
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

export type ChachaId = 'chacha20-poly1305' | 'xchacha20-poly1305';
/** The prepared key: node's KeyObject for the IETF cipher, the bytes for noble's XChaCha. */
export interface ChachaKey {
  readonly key: KeyObject;
  readonly bytes: Uint8Array;
}

const KEY_BYTES = 32;
const TAG_BYTES = 16;

interface Engine {
  nonceBytes: number;
  seal(key: ChachaKey, nonce: Uint8Array, data: Uint8Array, aad?: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array };
  /** Throws (any error) when authentication fails. */
  open(key: ChachaKey, nonce: Uint8Array, data: Uint8Array, tag: Uint8Array, aad?: Uint8Array): Uint8Array;
}

const ENGINES: Readonly<Record<ChachaId, Engine>> = {
  'chacha20-poly1305': {
    nonceBytes: 12,
    seal(key, nonce, data, aad) {
      const c = createCipheriv('chacha20-poly1305', key.key, nonce, { authTagLength: TAG_BYTES });
      if (aad) c.setAAD(aad, { plaintextLength: data.length });
      const ciphertext = new Uint8Array(Buffer.concat([c.update(data), c.final()]));
      return { ciphertext, tag: new Uint8Array(c.getAuthTag()) };
    },
    open(key, nonce, data, tag, aad) {
      const d = createDecipheriv('chacha20-poly1305', key.key, nonce, { authTagLength: TAG_BYTES });
      d.setAuthTag(tag);
      if (aad) d.setAAD(aad, { plaintextLength: data.length });
      const head = d.update(data);
      try {
        return new Uint8Array(Buffer.concat([head, d.final()]));
      } catch (e) {
        head.fill(0); // released before the tag check; discarded unread
        throw e;
      }
    },
  },
  'xchacha20-poly1305': {
    nonceBytes: 24,
    seal(key, nonce, data, aad) {
      const sealed = xchacha20poly1305(key.bytes, nonce, aad).encrypt(data);
      return { ciphertext: sealed.slice(0, sealed.length - TAG_BYTES), tag: sealed.slice(sealed.length - TAG_BYTES) };
    },
    open(key, nonce, data, tag, aad) {
      const sealed = new Uint8Array(data.length + TAG_BYTES);
      sealed.set(data);
      sealed.set(tag, data.length);
      return xchacha20poly1305(key.bytes, nonce, aad).decrypt(sealed);
    },
  },
};

export function createChachaSpec(id: ChachaId): AlgorithmSpec<ChachaKey, never> {
  const engine = ENGINES[id];
  const checkKey = (secret: Uint8Array): Uint8Array => requireLength(secret, KEY_BYTES, `${id} key`);
  const checkMode = (mode: string | undefined): void => {
    if (mode !== undefined && mode !== id) throw unsupported(`${id} has no mode '${mode}'`);
  };

  return {
    id,
    type: 'symmetric',
    operations: ['encrypt', 'decrypt'],

    generate(): KeyMaterial {
      return { secret: new Uint8Array(randomBytes(KEY_BYTES)) };
    },

    loadPrivate(material: KeyMaterial): ChachaKey {
      const secret = requireSecret(material, id);
      return loadStored(id, () => ({ key: createSecretKey(checkKey(secret)), bytes: secret }));
    },

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      if (format === 'raw' || format === 'raw-private') return { secret: new Uint8Array(checkKey(importBytes(format, data))) };
      if (format === 'jwk') {
        const jwk = importJwk(data);
        expectJwkType(jwk, 'oct');
        if (jwk['alg'] !== undefined && jwk['alg'] !== 'C20P' && jwk['alg'] !== 'XC20P') {
          throw invalid(`JWK 'alg' does not fit ${id}`);
        }
        return { secret: jwkBytes(jwk, 'k', KEY_BYTES) };
      }
      throw unsupported(`a symmetric ${id} key has no ${format} form`);
    },

    exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
      if (format !== 'raw' && format !== 'jwk') throw unsupported(`a symmetric ${id} key has no ${format} form`);
      const secret = checkKey(privateForExport(format, material, includePrivate, id));
      return format === 'raw' ? new Uint8Array(secret) : { kty: 'oct', k: b64u(secret) };
    },

    /** A random nonce unless the caller gives one (24 bytes make random nonces safe for XChaCha). */
    encrypt(key: ChachaKey, input: EncryptInput): EncryptOutput {
      checkMode(input.mode);
      const iv = input.iv ?? new Uint8Array(randomBytes(engine.nonceBytes));
      requireLength(iv, engine.nonceBytes, `${id} nonce`);
      const { ciphertext, tag } = engine.seal(key, iv, input.data, input.aad);
      return { ciphertext, mode: id, iv: new Uint8Array(iv), tag };
    },

    decrypt(key: ChachaKey, input: DecryptInput): Uint8Array {
      checkMode(input.mode);
      if (input.iv === undefined) throw invalid(`${id} decryption needs the nonce`);
      requireLength(input.iv, engine.nonceBytes, `${id} nonce`);
      if (input.tag === undefined) throw invalid(`${id} decryption needs the tag`);
      requireLength(input.tag, TAG_BYTES, `${id} tag`);
      try {
        return engine.open(key, input.iv, input.data, input.tag, input.aad);
      } catch {
        throw authenticationFailed();
      }
    },
  };
}

export const chacha20Poly1305Spec = createChachaSpec('chacha20-poly1305');
export const xchacha20Poly1305Spec = createChachaSpec('xchacha20-poly1305');
