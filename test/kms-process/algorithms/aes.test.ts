// AES-GCM spec: cross-checked against @noble/ciphers and run over the Wycheproof AES-GCM vectors.
import { gcm } from '@noble/ciphers/aes.js';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlgorithmSpec, ImportFormat } from '../../../kms-process/algorithms/algorithm.js';
import { createAesSpec, type AesId } from '../../../kms-process/algorithms/aes.js';
import { AUTHENTICATION_FAILED } from '../../../kms-process/algorithms/specChecks.js';
import { expectKmsError } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const msg = new TextEncoder().encode('openwallet aes-gcm plaintext');
const aad = new TextEncoder().encode('record 7');

describe.each<AesId>(['aes-128', 'aes-256'])('%s spec', (id) => {
  const spec = createAesSpec(id);
  const keyBytes = id === 'aes-128' ? 16 : 32;

  it('generate -> encrypt -> decrypt, and @noble/ciphers agrees', () => {
    const m = spec.generate();
    expect(m.secret).toHaveLength(keyBytes);
    const key = spec.loadPrivate(m);
    const out = spec.encrypt!(key, { data: msg, aad });
    expect(out.mode).toBe('gcm');
    expect(out.iv).toHaveLength(12);
    expect(out.tag).toHaveLength(16);
    expect(gcm(m.secret!, out.iv!, aad).decrypt(new Uint8Array([...out.ciphertext, ...out.tag!]))).toEqual(msg);
    expect(spec.decrypt!(key, { data: out.ciphertext, iv: out.iv, tag: out.tag, aad })).toEqual(msg);
    const again = spec.encrypt!(key, { data: msg, aad });
    expect(again.iv).not.toEqual(out.iv); // a fresh random IV each time
  });

  it('takes a caller IV of exactly 12 bytes', () => {
    const m = spec.generate();
    const iv = new Uint8Array(12).fill(9);
    const out = spec.encrypt!(spec.loadPrivate(m), { data: msg, iv, mode: 'gcm' });
    expect(out.iv).toEqual(iv);
    expect(new Uint8Array([...out.ciphertext, ...out.tag!])).toEqual(gcm(m.secret!, iv).encrypt(msg));
    for (const bad of [new Uint8Array(0), new Uint8Array(8), new Uint8Array(11), new Uint8Array(16)]) {
      expectKmsError(() => spec.encrypt!(spec.loadPrivate(m), { data: msg, iv: bad }), 'INVALID_REQUEST');
    }
  });

  it(`any authentication failure is INVALID_REQUEST '${AUTHENTICATION_FAILED}'`, () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    const out = spec.encrypt!(key, { data: msg, aad });
    const good = { data: out.ciphertext, iv: out.iv, tag: out.tag, aad };
    const flip = (b: Uint8Array, i = 0) => {
      const c = new Uint8Array(b);
      c[i]! ^= 1;
      return c;
    };
    const cases = [
      { ...good, data: flip(out.ciphertext) },
      { ...good, tag: flip(out.tag!, 15) },
      { ...good, iv: flip(out.iv!) },
      { ...good, aad: flip(aad) },
      { ...good, aad: undefined },
    ];
    for (const input of cases) {
      expect(expectKmsError(() => spec.decrypt!(key, input), 'INVALID_REQUEST').message).toBe(AUTHENTICATION_FAILED);
    }
    const otherKey = spec.loadPrivate(spec.generate());
    expect(expectKmsError(() => spec.decrypt!(otherKey, good), 'INVALID_REQUEST').message).toBe(AUTHENTICATION_FAILED);
  });

  it('rejects missing or mis-sized IV and tag, and modes not offered', () => {
    const key = spec.loadPrivate(spec.generate());
    const out = spec.encrypt!(key, { data: msg });
    const good = { data: out.ciphertext, iv: out.iv, tag: out.tag };
    expectKmsError(() => spec.decrypt!(key, { ...good, iv: undefined }), 'INVALID_REQUEST');
    expectKmsError(() => spec.decrypt!(key, { ...good, tag: undefined }), 'INVALID_REQUEST');
    expectKmsError(() => spec.decrypt!(key, { ...good, tag: out.tag!.subarray(0, 12) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.decrypt!(key, { ...good, tag: new Uint8Array([...out.tag!, 0]) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.decrypt!(key, { ...good, iv: new Uint8Array(16) }), 'INVALID_REQUEST');
    for (const mode of ['ofb', 'cfb', 'GCM', 'chacha20-poly1305']) {
      expectKmsError(() => spec.encrypt!(key, { data: msg, mode }), 'UNSUPPORTED');
      expectKmsError(() => spec.decrypt!(key, { ...good, mode }), 'UNSUPPORTED');
    }
  });

  it('imports raw and jwk oct keys; exports only as a private export', () => {
    const raw = new Uint8Array(keyBytes).fill(5);
    const jwk = { kty: 'oct', k: Buffer.from(raw).toString('base64url') };
    expect(spec.importKey!('raw', raw)).toEqual({ secret: raw });
    expect(spec.importKey!('jwk', jwk)).toEqual({ secret: raw });
    expect(spec.importKey!('jwk', { ...jwk, alg: `A${keyBytes * 8}GCM` })).toEqual({ secret: raw });
    expect(spec.exportKey!('jwk', { secret: raw }, true)).toEqual(jwk);
    expect(spec.exportKey!('raw', { secret: raw }, true)).toEqual(raw);
    expectKmsError(() => spec.exportKey!('raw', { secret: raw }, false), 'INVALID_REQUEST');
    expectKmsError(() => spec.exportKey!('spki', { secret: raw }, true), 'UNSUPPORTED');
    expectKmsError(() => spec.importKey!('raw', new Uint8Array(24)), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, alg: 'A192GCM' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, kty: 'EC' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('pkcs8', raw), 'UNSUPPORTED');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(keyBytes + 1) }), 'CORRUPT');
    expectKmsError(() => spec.loadPrivate({}), 'INVALID_REQUEST');
  });
});

interface AeadGroup {
  ivSize: number;
  keySize: number;
  tagSize: number;
  tests: (WycheproofTest & { key: string; iv: string; aad: string; msg: string; ct: string; tag: string })[];
}

describe('Wycheproof aes_gcm_test.json', () => {
  const file = loadWycheproof<AeadGroup>('aes_gcm_test.json');
  const specs: Record<number, AlgorithmSpec<KeyObject, never>> = { 128: createAesSpec('aes-128'), 256: createAesSpec('aes-256') };
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => ({ t, ivSize: g.ivSize, keySize: g.keySize, tagSize: g.tagSize })));

  it.each(cases)('Wycheproof aes_gcm tcId $t.tcId ($t.result, key $keySize, iv $ivSize, tag $tagSize)', ({ t, ivSize, keySize, tagSize }) => {
    expect(t.result).not.toBe('acceptable'); // none in this file; pin any that a new version adds
    const spec = specs[keySize];
    if (!spec) {
      // There is no aes-192 algorithm id; a 192-bit key is refused by both AES specs at import.
      for (const s of Object.values(specs)) expectKmsError(() => s.importKey!('raw', hex(t.key)), 'INVALID_REQUEST');
      return;
    }
    const key = spec.loadPrivate(spec.importKey!('raw' as ImportFormat, hex(t.key)));
    const input = { data: hex(t.ct), iv: hex(t.iv), tag: hex(t.tag), aad: hex(t.aad) };
    if (ivSize !== 96 || tagSize !== 128) {
      // Only 96-bit IVs and 128-bit tags are accepted, whatever the vector's result.
      expectKmsError(() => spec.decrypt!(key, input), 'INVALID_REQUEST');
      expectKmsError(() => spec.encrypt!(key, { data: hex(t.msg), iv: hex(t.iv) }), 'INVALID_REQUEST');
      return;
    }
    if (t.result === 'valid') {
      expect(spec.decrypt!(key, input)).toEqual(hex(t.msg));
      const out = spec.encrypt!(key, { data: hex(t.msg), iv: hex(t.iv), aad: hex(t.aad) });
      expect(out.ciphertext).toEqual(hex(t.ct));
      expect(out.tag).toEqual(hex(t.tag));
    } else {
      expect(expectKmsError(() => spec.decrypt!(key, input), 'INVALID_REQUEST').message).toBe(AUTHENTICATION_FAILED);
    }
  });

  it('covers every vector of the file, and the 96-bit-IV ones are the majority', () => {
    expect(cases).toHaveLength(file.numberOfTests);
    const applicable = cases.filter((c) => c.ivSize === 96 && c.tagSize === 128 && c.keySize !== 192);
    expect(applicable.length).toBeGreaterThan(100);
  });
});
