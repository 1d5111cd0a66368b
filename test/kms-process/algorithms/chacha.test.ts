// ChaCha20-Poly1305 (node:crypto) and XChaCha20-Poly1305 (@noble/ciphers) specs: Wycheproof chacha20_poly1305,
// the XChaCha draft's A.3.1 vector, node vs noble agreement, XChaCha rebuilt from HChaCha20 + node, bad input.
import { createCipheriv } from 'node:crypto';
import { chacha20poly1305, hchacha } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chacha20Poly1305Spec as c20, xchacha20Poly1305Spec as xc20 } from '../../../kms-process/algorithms/chacha.js';
import { AUTHENTICATION_FAILED } from '../../../kms-process/algorithms/specChecks.js';
import { expectKmsError } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

interface AeadGroup {
  ivSize: number;
  tests: (WycheproofTest & { key: string; iv: string; aad: string; msg: string; ct: string; tag: string })[];
}

describe('chacha20-poly1305: Wycheproof chacha20_poly1305_test.json', () => {
  const file = loadWycheproof<AeadGroup>('chacha20_poly1305_test.json');
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => [t.tcId, t.result, g.ivSize, t] as const));
  it.each(cases)('tcId %i (%s, iv %i bits)', (_id, result, _iv, t) => {
    const key = c20.loadPrivate({ secret: hex(t.key) });
    const input = { data: hex(t.ct), iv: hex(t.iv), tag: hex(t.tag), aad: hex(t.aad) };
    if (result === 'valid') {
      expect(c20.decrypt!(key, input)).toEqual(hex(t.msg));
      const out = c20.encrypt!(key, { data: hex(t.msg), iv: hex(t.iv), aad: hex(t.aad) });
      expect(out.ciphertext).toEqual(hex(t.ct));
      expect(out.tag).toEqual(hex(t.tag));
    } else {
      expectKmsError(() => c20.decrypt!(key, input), 'INVALID_REQUEST'); // wrong nonce size or failed tag
    }
  });
});

describe('xchacha20-poly1305', () => {
  it('draft-irtf-cfrg-xchacha-03 appendix A.3.1', () => {
    const key = xc20.loadPrivate({ secret: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f') });
    const iv = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const out = xc20.encrypt!(key, { data: pt, iv, aad });
    expect(out.ciphertext).toEqual(
      hex(
        'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e',
      ),
    );
    expect(out.tag).toEqual(hex('c0875924c1c7987947deafd8780acf49'));
    expect(xc20.decrypt!(key, { data: out.ciphertext, iv, aad, tag: out.tag })).toEqual(pt);
  });

  it('equals HChaCha20 subkey + node:crypto ChaCha20-Poly1305 with nonce 0^4 || n[16..24] (independent check)', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(24, 24), bytes(0, 64), bytes(0, 16), (k, n, data, aad) => {
        const out = xc20.encrypt!(xc20.loadPrivate({ secret: k }), { data, iv: n, aad });
        const sub = new Uint32Array(8);
        const u32 = (b: Uint8Array) => new Uint32Array(Uint8Array.from(b).buffer);
        hchacha(u32(new TextEncoder().encode('expand 32-byte k')), u32(k), u32(n.subarray(0, 16)), sub);
        const c = createCipheriv('chacha20-poly1305', new Uint8Array(sub.buffer), new Uint8Array([0, 0, 0, 0, ...n.subarray(16)]), { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: data.length });
        const ct = Buffer.concat([c.update(data), c.final()]);
        expect(out.ciphertext).toEqual(new Uint8Array(ct));
        expect(out.tag).toEqual(new Uint8Array(c.getAuthTag()));
      }),
      { numRuns: 50 },
    );
  });
});

describe('chacha specs: cross-checks and bad input', () => {
  it('chacha20-poly1305: node:crypto agrees with @noble/ciphers on random inputs', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(12, 12), bytes(0, 100), bytes(0, 20), (k, n, data, aad) => {
        const out = c20.encrypt!(c20.loadPrivate({ secret: k }), { data, iv: n, aad });
        const sealed = chacha20poly1305(k, n, aad).encrypt(data);
        expect(new Uint8Array([...out.ciphertext, ...out.tag!])).toEqual(sealed);
      }),
      { numRuns: 100 },
    );
  });

  it.each([c20, xc20])('$id: generate -> encrypt (random nonce) -> decrypt; tampering and bad sizes are typed errors', (spec) => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    const nonceBytes = spec.id === 'chacha20-poly1305' ? 12 : 24;
    const out = spec.encrypt!(key, { data: new Uint8Array([1, 2, 3]), aad: new Uint8Array([9]) });
    expect(out.iv).toHaveLength(nonceBytes);
    expect(out.mode).toBe(spec.id);
    const good = { data: out.ciphertext, iv: out.iv, tag: out.tag, aad: new Uint8Array([9]) };
    expect(spec.decrypt!(key, good)).toEqual(new Uint8Array([1, 2, 3]));
    expect(expectKmsError(() => spec.decrypt!(key, { ...good, aad: undefined }), 'INVALID_REQUEST').message).toBe(AUTHENTICATION_FAILED);
    expect(expectKmsError(() => spec.decrypt!(key, { ...good, tag: new Uint8Array(16) }), 'INVALID_REQUEST').message).toBe(AUTHENTICATION_FAILED);
    expectKmsError(() => spec.decrypt!(key, { ...good, tag: out.tag!.subarray(0, 12) }), 'INVALID_REQUEST'); // short tag
    expectKmsError(() => spec.decrypt!(key, { ...good, iv: new Uint8Array(nonceBytes + 1) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.encrypt!(key, { data: new Uint8Array(1), iv: new Uint8Array(8) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.decrypt!(key, { ...good, iv: undefined }), 'INVALID_REQUEST');
    expectKmsError(() => spec.decrypt!(key, { ...good, tag: undefined }), 'INVALID_REQUEST');
    expectKmsError(() => spec.encrypt!(key, { data: new Uint8Array(1), mode: 'gcm' }), 'UNSUPPORTED');
    expect(spec.importKey!('jwk', spec.exportKey!('jwk', m, true) as never)).toEqual(m);
    expectKmsError(() => spec.importKey!('raw', new Uint8Array(16)), 'INVALID_REQUEST');
    expectKmsError(() => spec.exportKey!('raw', m, false), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(31) }), 'CORRUPT');
  });
});
