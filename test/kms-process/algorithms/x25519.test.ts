// X25519 spec: RFC 7748 section 5.2 and 6.1 vectors, Wycheproof x25519_test.json, node:crypto vs @noble/curves
// agreement on random keys, key formats and bad input.
import { diffieHellman, generateKeyPairSync } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { x25519Spec as spec } from '../../../kms-process/algorithms/x25519.js';
import { expectKmsError } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const keyOf = (secret: Uint8Array) => spec.loadPrivate({ secret });
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');

describe('x25519 spec: RFC 7748', () => {
  it.each([
    // Section 5.2: scalar, u-coordinate, output u-coordinate.
    ['a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4', 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c', 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552'],
    ['4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d', 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493', '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957'],
  ])('section 5.2 vector %#', (k, u, out) => {
    expect(spec.agree!(keyOf(hex(k)), hex(u))).toEqual(hex(out));
  });

  it('section 6.1 Diffie-Hellman (Alice and Bob)', () => {
    const alice = { secret: hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a') };
    const bob = { secret: hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb') };
    const alicePub = spec.exportKey!('raw', alice, false) as Uint8Array;
    const bobPub = spec.exportKey!('raw', bob, false) as Uint8Array;
    expect(alicePub).toEqual(hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'));
    expect(bobPub).toEqual(hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'));
    const shared = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    expect(spec.agree!(keyOf(alice.secret), bobPub)).toEqual(shared);
    expect(spec.agree!(keyOf(bob.secret), { kty: 'OKP', crv: 'X25519', x: b64(alicePub) })).toEqual(shared);
  });
});

interface XdhTest extends WycheproofTest {
  public: string;
  private: string;
  shared: string;
}

describe('x25519 spec: Wycheproof x25519_test.json', () => {
  const file = loadWycheproof<{ tests: XdhTest[] }>('x25519_test.json');
  const tests = file.testGroups.flatMap((g) => g.tests);
  it.each(tests.map((t) => [t.tcId, t.result, t.flags.join(','), t] as const))('tcId %i (%s %s)', (_id, _r, _f, t) => {
    const run = () => spec.agree!(keyOf(hex(t.private)), hex(t.public));
    if (t.result === 'valid') {
      expect(run()).toEqual(hex(t.shared));
    } else if (t.flags.includes('ZeroSharedSecret')) {
      // acceptable 'ZeroSharedSecret' (low-order public points): refused, as RFC 7748 section 6.1 allows.
      expectKmsError(run, 'INVALID_REQUEST');
    } else {
      // acceptable Twist / NonCanonicalPublic / SmallPublicKey / EdgeCase*: RFC 7748 computes them (top bit
      // masked, u reduced mod p); we return the specified result.
      expect(t.result).toBe('acceptable');
      expect(run()).toEqual(hex(t.shared));
    }
  });
});

describe('x25519 spec: keys and cross-checks', () => {
  it('generate -> agree both ways, equal to node:crypto and @noble/curves', () => {
    const a = spec.generate();
    const b = spec.generate();
    const ab = spec.agree!(spec.loadPrivate(a), b.publicRaw!);
    expect(spec.agree!(spec.loadPrivate(b), a.publicRaw!)).toEqual(ab);
    expect(x25519.getSharedSecret(a.secret!, b.publicRaw!)).toEqual(ab);
    expect(x25519.getPublicKey(a.secret!)).toEqual(a.publicRaw);
  });

  it('node:crypto and @noble/curves agree on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (k, u) => {
        let ours: Uint8Array | undefined;
        try {
          ours = spec.agree!(keyOf(k), u);
        } catch {
          ours = undefined; // all-zero result
        }
        const theirs = x25519.getSharedSecret(k, u);
        if (ours === undefined) expect(theirs.every((x) => x === 0)).toBe(true);
        else expect(ours).toEqual(theirs);
      }),
      { numRuns: 200 },
    );
  });

  it('imports and exports jwk, raw, spki and pkcs8 like node:crypto', () => {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const m = spec.importKey!('pkcs8', pkcs8);
    expect(spec.exportKey!('pkcs8', m, true)).toEqual(pkcs8);
    expect(spec.exportKey!('jwk', m, true)).toEqual(privateKey.export({ format: 'jwk' }));
    expect(spec.publicJwk!(m.publicRaw!)).toEqual(publicKey.export({ format: 'jwk' }));
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    expect(spec.exportKey!('spki', m, false)).toEqual(spki);
    expect(spec.importKey!('spki', spki)).toEqual({ publicRaw: m.publicRaw });
    expect(spec.importKey!('jwk', privateKey.export({ format: 'jwk' }) as never)).toEqual(m);
    const other = generateKeyPairSync('x25519');
    const nodeShared = diffieHellman({ privateKey: other.privateKey, publicKey });
    const otherRaw = new Uint8Array(Buffer.from(String(other.publicKey.export({ format: 'jwk' }).x), 'base64url'));
    expect(spec.agree!(spec.loadPrivate(m), otherRaw)).toEqual(new Uint8Array(nodeShared));
    expect(spec.describe!(m.publicRaw!)['didKey']).toMatch(/^did:key:z6LS/);
  });

  it('rejects bad peers, mismatched or malformed keys with typed errors', () => {
    const key = spec.loadPrivate(spec.generate());
    expectKmsError(() => spec.agree!(key, new Uint8Array(31)), 'INVALID_REQUEST');
    expectKmsError(() => spec.agree!(key, new Uint8Array(32)), 'INVALID_REQUEST'); // u = 0: all-zero output
    expectKmsError(() => spec.agree!(key, { kty: 'OKP', crv: 'Ed25519', x: b64(new Uint8Array(32).fill(9)) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.agree!(key, { kty: 'OKP', crv: 'X25519', x: 'not base64!' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.agree!(key, { kty: 'OKP', crv: 'X25519', x: b64(new Uint8Array(32).fill(9)), d: 'AA' }), 'INVALID_REQUEST');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
    expectKmsError(() => spec.importKey!('pkcs8', new Uint8Array(ed)), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'OKP', crv: 'X25519', x: b64(new Uint8Array(32).fill(9)), d: b64(new Uint8Array(32)) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(31) }), 'CORRUPT');
    expectKmsError(() => spec.exportKey!('pkcs8', spec.generate(), false), 'INVALID_REQUEST');
    expect(spec.sign).toBeUndefined();
  });
});
