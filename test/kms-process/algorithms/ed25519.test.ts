// Ed25519 spec: RFC 8032 and Wycheproof vectors, cross-checked against @noble/curves and node:crypto.
import { createPublicKey, generateKeyPairSync, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import type { Jwk } from '../../../kms-process/api/common.js';
import type { ImportFormat, KeyMaterial } from '../../../kms-process/algorithms/algorithm.js';
import { ed25519Spec as spec } from '../../../kms-process/algorithms/ed25519.js';
import { expectKmsError, expectRejected } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const sign = spec.sign!;
const verify = spec.verify!;
const msg = new TextEncoder().encode('openwallet ed25519');

describe('ed25519 spec', () => {
  it('RFC 8032 test 1', () => {
    const secret = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const publicRaw = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const expected = hex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    const sig = sign(spec.loadPrivate({ secret, publicRaw }), { data: new Uint8Array() });
    expect(sig).toEqual(expected);
    expect(verify(spec.loadPublic!(publicRaw), { data: new Uint8Array(), signature: sig })).toBe(true);
  });

  it('generate -> sign -> verify, checked by @noble/curves and node:crypto', () => {
    const m = spec.generate();
    expect(m.secret).toHaveLength(32);
    expect(m.publicRaw).toEqual(ed25519.getPublicKey(m.secret!));
    const sig = sign(spec.loadPrivate(m), { data: msg });
    // Ed25519 is deterministic: both implementations make the same signature.
    expect(sig).toEqual(ed25519.sign(msg, m.secret!));
    expect(ed25519.verify(sig, msg, m.publicRaw!)).toBe(true);
    const spki = spec.exportKey!('spki', m, false) as Uint8Array;
    expect(nodeVerify(null, msg, createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), sig)).toBe(true);
    expect(verify(spec.loadPublic!(m.publicRaw!), { data: msg, signature: sig })).toBe(true);
    expect(verify(spec.loadPublic!(m.publicRaw!), { data: new Uint8Array([1]), signature: sig })).toBe(false);
  });

  it('public JWK is RFC 8037', () => {
    const m = spec.generate();
    expect(spec.publicJwk!(m.publicRaw!)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(m.publicRaw!).toString('base64url') });
  });

  it('imports and exports jwk, raw, spki, pkcs8 (round trips agree with node:crypto)', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const jwk = privateKey.export({ format: 'jwk' }) as Jwk;
    const fromPkcs8 = spec.importKey!('pkcs8', pkcs8);
    const fromJwk = spec.importKey!('jwk', jwk);
    expect(fromPkcs8).toEqual(fromJwk);
    expect(spec.exportKey!('pkcs8', fromJwk, true)).toEqual(pkcs8);
    expect(spec.exportKey!('jwk', fromJwk, true)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: jwk['x'], d: jwk['d'] });
    expect(spec.exportKey!('jwk', fromJwk, false)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: jwk['x'] });
    const spki = spec.exportKey!('spki', fromJwk, false) as Uint8Array;
    expect(spki).toEqual(new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })));
    expect(spec.importKey!('spki', spki)).toEqual({ publicRaw: fromJwk.publicRaw });
    expect(spec.importKey!('raw', fromJwk.publicRaw!)).toEqual({ publicRaw: fromJwk.publicRaw });
    // A public-only import has no secret, so no private export.
    expectKmsError(() => spec.exportKey!('pkcs8', { publicRaw: fromJwk.publicRaw! }, true), 'INVALID_REQUEST');
  });

  it('refuses private exports without includePrivate', () => {
    const m = spec.generate();
    expectKmsError(() => spec.exportKey!('pkcs8', m, false), 'INVALID_REQUEST');
    expect(spec.exportKey!('jwk', m, false)).not.toHaveProperty('d');
  });

  it('rejects bad imports with INVALID_REQUEST', () => {
    const m = spec.generate();
    const x = Buffer.from(m.publicRaw!).toString('base64url');
    const otherD = Buffer.from(spec.generate().secret!).toString('base64url');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'OKP', crv: 'Ed25519', x, d: otherD }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'OKP', crv: 'X25519', x }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'EC', crv: 'Ed25519', x }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'OKP', crv: 'Ed25519', x: x + '==' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'OKP', crv: 'Ed25519', x: x.slice(0, 20) }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', msg), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('raw', new Uint8Array(31)), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('raw', { kty: 'OKP' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('pkcs8', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('spki', new Uint8Array(44)), 'INVALID_REQUEST');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectKmsError(
      () => spec.importKey!('spki', new Uint8Array(p256.publicKey.export({ format: 'der', type: 'spki' }))),
      'INVALID_REQUEST',
    );
    expectKmsError(
      () => spec.importKey!('pkcs8', new Uint8Array(p256.privateKey.export({ format: 'der', type: 'pkcs8' }))),
      'INVALID_REQUEST',
    );
    expectKmsError(() => spec.importKey!('bogus' as ImportFormat, m.publicRaw!), 'UNSUPPORTED');
  });

  it('rejects 32 bytes that are not a curve point', () => {
    // About half of all y values have no x on edwards25519 (RFC 8032 5.1.3 step 3); find one deterministically.
    let notAPoint: Uint8Array | undefined;
    for (let y = 2; y < 100 && !notAPoint; y++) {
      const candidate = new Uint8Array(32);
      candidate[0] = y;
      try {
        ed25519.Point.fromBytes(candidate);
      } catch {
        notAPoint = candidate;
      }
    }
    expect(notAPoint).toBeDefined();
    expectKmsError(() => spec.importKey!('raw', notAPoint!), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPublic!(notAPoint!), 'CORRUPT');
  });

  it('stored material that does not load is CORRUPT; no secret is INVALID_REQUEST', () => {
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(31) }), 'CORRUPT');
    const m = spec.generate();
    expectKmsError(() => spec.loadPrivate({ secret: m.secret!, publicRaw: spec.generate().publicRaw! }), 'CORRUPT');
    expectKmsError(() => spec.loadPrivate({ publicRaw: m.publicRaw! }), 'INVALID_REQUEST');
  });

  it('options other than pure EdDSA are UNSUPPORTED; odd signature lengths are false', () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    expectKmsError(() => sign(key, { data: msg, prehashed: true }), 'UNSUPPORTED');
    expectKmsError(() => sign(key, { data: msg, hash: 'sha512' }), 'UNSUPPORTED');
    expectKmsError(() => sign(key, { data: msg, scheme: 'ecdsa' }), 'UNSUPPORTED');
    expectKmsError(() => sign(key, { data: msg, format: 'der' }), 'UNSUPPORTED');
    expect(sign(key, { data: msg, scheme: 'eddsa' })).toHaveLength(64);
    const pub = spec.loadPublic!(m.publicRaw!);
    const sig = sign(key, { data: msg });
    expect(verify(pub, { data: msg, signature: sig.subarray(0, 63) })).toBe(false);
    expect(verify(pub, { data: msg, signature: new Uint8Array([...sig, 0]) })).toBe(false);
  });
});

interface EddsaGroup {
  publicKey: { pk: string };
  publicKeyDer: string;
  publicKeyJwk: Jwk;
  tests: (WycheproofTest & { msg: string; sig: string })[];
}

describe('Wycheproof ed25519_test.json', () => {
  const file = loadWycheproof<EddsaGroup>('ed25519_test.json');
  // Each group's key goes through a different import format so every format meets the vectors.
  const formats: ImportFormat[] = ['jwk', 'spki', 'raw'];
  const cases = file.testGroups.flatMap((group, g) => {
    const format = formats[g % formats.length]!;
    const data = format === 'jwk' ? group.publicKeyJwk : format === 'spki' ? hex(group.publicKeyDer) : hex(group.publicKey.pk);
    return group.tests.map((t) => ({ t, format, data }));
  });
  let key: KeyObject | undefined;
  let lastData: unknown;
  it.each(cases)('Wycheproof ed25519 tcId $t.tcId ($t.result, $format)', ({ t, format, data }) => {
    if (data !== lastData) {
      const material: KeyMaterial = spec.importKey!(format, data);
      key = spec.loadPublic!(material.publicRaw!);
      lastData = data;
    }
    const input = { data: hex(t.msg), signature: hex(t.sig) };
    // The file has no 'acceptable' ed25519 vectors; one appearing in an update fails here until pinned.
    expect(t.result).not.toBe('acceptable');
    if (t.result === 'valid') expect(verify(key!, input)).toBe(true);
    else expectRejected(() => verify(key!, input));
  });
  it('covers every vector of the file', () => {
    expect(cases).toHaveLength(file.numberOfTests);
  });
});
