// The AES modes behind the aes-128/aes-256 specs, on node:crypto: GCM (SP 800-38D), CBC with PKCS#7 and CTR
// (SP 800-38A), ECB (legacy, only on explicit request), and key wrap KW (RFC 3394) / KWP (RFC 5649).
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import type { DecryptInput, EncryptInput, EncryptOutput } from './algorithm.js';
import { authenticationFailed, invalid, rejectOption, requireLength, unsupported } from './specChecks.js';

export const AES_MODES = ['gcm', 'cbc', 'ctr', 'ecb'] as const;
export type AesMode = (typeof AES_MODES)[number];
export type AesWrapMode = 'kw' | 'kwp';

/** 96-bit IVs only: other lengths go through GHASH, a path with a history of bugs (Wycheproof 'LongIv'). */
const GCM_IV_BYTES = 12;
/** Full 128-bit tags only; truncated tags weaken authentication (SP 800-38D appendix C). */
const GCM_TAG_BYTES = 16;
const BLOCK = 16;
/** RFC 3394 section 2.2.3.1 and RFC 5649 section 3 default initial values. */
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KWP_IV = Buffer.from('a65959a6', 'hex');
const PADDING_FAILED = 'AES-CBC decryption failed';

export function aesMode(alg: string, mode: string | undefined): AesMode {
  const m = mode ?? 'gcm';
  if (!(AES_MODES as readonly string[]).includes(m)) throw unsupported(`${alg} mode '${m}' is not available`);
  return m as AesMode;
}

function gcmName(keyBits: number): CipherGCMTypes {
  return keyBits === 128 ? 'aes-128-gcm' : 'aes-256-gcm';
}

function cipherName(keyBits: number, mode: AesMode | AesWrapMode): string {
  if (mode === 'kw') return `id-aes${keyBits}-wrap`;
  if (mode === 'kwp') return `id-aes${keyBits}-wrap-pad`;
  return `aes-${keyBits}-${mode}`;
}

function run(c: { update(b: Uint8Array): Buffer; final(): Buffer }, data: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export function aesEncrypt(alg: string, keyBits: number, key: KeyObject, input: EncryptInput): EncryptOutput {
  const mode = aesMode(alg, input.mode);
  const name = cipherName(keyBits, mode);
  if (mode === 'gcm') {
    const iv = input.iv ?? new Uint8Array(randomBytes(GCM_IV_BYTES));
    requireLength(iv, GCM_IV_BYTES, 'GCM IV');
    const c = createCipheriv(gcmName(keyBits), key, iv, { authTagLength: GCM_TAG_BYTES });
    if (input.aad) c.setAAD(input.aad);
    const ciphertext = run(c, input.data);
    return { ciphertext, mode, iv: new Uint8Array(iv), tag: new Uint8Array(c.getAuthTag()) };
  }
  rejectOption(alg, 'aad', input.aad);
  if (mode === 'ecb') {
    rejectOption(alg, 'iv', input.iv);
    return { ciphertext: run(createCipheriv(name, key, null), input.data), mode };
  }
  // CBC: a fresh random IV per message (SP 800-38A appendix C); CTR: a random 128-bit initial counter block.
  const iv = input.iv ?? new Uint8Array(randomBytes(BLOCK));
  requireLength(iv, BLOCK, `${mode.toUpperCase()} IV`);
  return { ciphertext: run(createCipheriv(name, key, iv), input.data), mode, iv: new Uint8Array(iv) };
}

export function aesDecrypt(alg: string, keyBits: number, key: KeyObject, input: DecryptInput): Uint8Array {
  const mode = aesMode(alg, input.mode);
  const name = cipherName(keyBits, mode);
  if (mode === 'gcm') {
    if (input.iv === undefined) throw invalid('GCM decryption needs the IV');
    requireLength(input.iv, GCM_IV_BYTES, 'GCM IV');
    if (input.tag === undefined) throw invalid('GCM decryption needs the tag');
    requireLength(input.tag, GCM_TAG_BYTES, 'GCM tag');
    const d = createDecipheriv(gcmName(keyBits), key, input.iv, { authTagLength: GCM_TAG_BYTES });
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
  }
  rejectOption(alg, 'aad', input.aad);
  rejectOption(alg, 'tag', input.tag);
  if (mode === 'ecb') rejectOption(alg, 'iv', input.iv);
  else {
    if (input.iv === undefined) throw invalid(`${mode.toUpperCase()} decryption needs the IV`);
    requireLength(input.iv, BLOCK, `${mode.toUpperCase()} IV`);
  }
  const d = createDecipheriv(name, key, mode === 'ecb' ? null : input.iv!);
  if (mode === 'ctr') return run(d, input.data);
  if (input.data.length === 0 || input.data.length % BLOCK !== 0) throw invalid(PADDING_FAILED);
  const head = d.update(input.data);
  try {
    return new Uint8Array(Buffer.concat([head, d.final()]));
  } catch {
    // One fixed answer for a bad padding (CBC without a MAC is a padding oracle if errors differ).
    head.fill(0);
    throw invalid(PADDING_FAILED);
  }
}

export function aesWrapMode(alg: string, mode: string | undefined): AesWrapMode {
  const m = mode ?? 'kw';
  if (m !== 'kw' && m !== 'kwp') throw unsupported(`${alg} wraps with 'kw' (RFC 3394) or 'kwp' (RFC 5649)`);
  return m;
}

export function aesWrap(alg: string, keyBits: number, key: KeyObject, keyToWrap: Uint8Array, mode?: string): Uint8Array {
  const m = aesWrapMode(alg, mode);
  // RFC 3394 needs at least two 64-bit blocks; RFC 5649 takes any non-empty key.
  if (m === 'kw' && (keyToWrap.length < 16 || keyToWrap.length % 8 !== 0)) {
    throw invalid('AES-KW wraps keys of 16 bytes or more in multiples of 8 bytes; use kwp');
  }
  if (keyToWrap.length === 0) throw invalid('nothing to wrap');
  return run(createCipheriv(cipherName(keyBits, m), key, m === 'kw' ? KW_IV : KWP_IV), keyToWrap);
}

export function aesUnwrap(alg: string, keyBits: number, key: KeyObject, wrapped: Uint8Array, mode?: string): Uint8Array {
  const m = aesWrapMode(alg, mode);
  if (wrapped.length < (m === 'kw' ? 24 : 16) || wrapped.length % 8 !== 0) throw invalid('wrapped key has the wrong length');
  try {
    return run(createDecipheriv(cipherName(keyBits, m), key, m === 'kw' ? KW_IV : KWP_IV), wrapped);
  } catch {
    throw authenticationFailed();
  }
}
