// secp256k1 spec: ECDSA (p1363, der, recoverable; sha256 and keccak256) and BIP340, cross-checked against OpenSSL
// (node:crypto) and @noble/curves, with Wycheproof ECDSA and BIP340 vectors.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import type { Jwk } from '../../../kms-process/api/common.js';
import type { ImportFormat } from '../../../kms-process/algorithms/algorithm.js';
import { secp256k1Spec as spec, type Secp256k1PublicKey } from '../../../kms-process/algorithms/secp256k1.js';
import { expectKmsError, expectRejected } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'); // SEC 2 section 2.4.1
const msg = new TextEncoder().encode('openwallet secp256k1');
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const big = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));
const be32 = (v: bigint) => hex(v.toString(16).padStart(64, '0'));
const spkiKey = (publicRaw: Uint8Array) =>
  createPublicKey({ key: Buffer.from(spec.exportKey!('spki', { publicRaw }, false) as Uint8Array), format: 'der', type: 'spki' });

/** The same signature with s replaced by n - s (the malleated, high-S twin when s was low). */
function flipS(p1363: Uint8Array): Uint8Array {
  return new Uint8Array([...p1363.subarray(0, 32), ...be32(N - big(p1363.subarray(32)))]);
}

describe('secp256k1 spec: ECDSA', () => {
  it('generate -> sign -> verify with OpenSSL; RFC 6979 output equals @noble/curves', () => {
    const m = spec.generate();
    expect(m.secret).toHaveLength(32);
    expect(m.publicRaw).toEqual(secp256k1.getPublicKey(m.secret!, true));
    const key = spec.loadPrivate(m);
    const sig = spec.sign!(key, { data: msg });
    expect(sig).toHaveLength(64);
    expect(sig).toEqual(secp256k1.sign(msg, m.secret!)); // deterministic nonce, same bytes
    expect(nodeVerify('sha256', msg, { key: spkiKey(m.publicRaw!), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    const der = spec.sign!(key, { data: msg, format: 'der' });
    expect(nodeVerify('sha256', msg, { key: spkiKey(m.publicRaw!), dsaEncoding: 'der' }, der)).toBe(true);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { data: msg, signature: sig })).toBe(true);
    expect(spec.verify!(pub, { data: msg, signature: der, format: 'der' })).toBe(true);
    expect(spec.verify!(pub, { data: msg, signature: der })).toBe(false);
    expect(spec.verify!(pub, { data: new Uint8Array([1]), signature: sig })).toBe(false);
  });

  it('signs low-S only', () => {
    const key = spec.loadPrivate(spec.generate());
    for (let i = 0; i < 32; i++) {
      const sig = spec.sign!(key, { data: new Uint8Array([i]) });
      expect(big(sig.subarray(32)) <= N / 2n).toBe(true);
    }
  });

  it('prehashed digests sign the digest as given', () => {
    const m = spec.generate();
    const sig = spec.sign!(spec.loadPrivate(m), { data: sha256(msg), prehashed: true });
    expect(nodeVerify('sha256', msg, { key: spkiKey(m.publicRaw!), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    expectKmsError(() => spec.sign!(spec.loadPrivate(m), { data: msg, prehashed: true }), 'INVALID_REQUEST');
  });

  it('recoverable keccak256 signatures recover the key (Ethereum form r||s||v, v in {0,1})', () => {
    const m = spec.generate();
    const sig = spec.sign!(spec.loadPrivate(m), { data: msg, hash: 'keccak256', format: 'recoverable' });
    expect(sig).toHaveLength(65);
    expect([0, 1]).toContain(sig[64]);
    const nobleForm = new Uint8Array([sig[64]!, ...sig.subarray(0, 64)]);
    expect(secp256k1.recoverPublicKey(nobleForm, keccak_256(msg), { prehash: false })).toEqual(m.publicRaw);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { data: msg, hash: 'keccak256', format: 'recoverable', signature: sig })).toBe(true);
    expect(spec.verify!(pub, { data: msg, format: 'recoverable', signature: sig })).toBe(false); // sha256 != keccak
    const wrongV = new Uint8Array(sig);
    wrongV[64]! ^= 1;
    expect(spec.verify!(pub, { data: msg, hash: 'keccak256', format: 'recoverable', signature: wrongV })).toBe(false);
    const v27 = new Uint8Array(sig);
    v27[64] = sig[64]! + 27;
    expect(spec.verify!(pub, { data: msg, hash: 'keccak256', format: 'recoverable', signature: v27 })).toBe(false);
  });

  it('verify policy: high-S is accepted in p1363/der and refused in recoverable form', () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    const pub = spec.loadPublic!(m.publicRaw!);
    const high = flipS(spec.sign!(key, { data: msg }));
    expect(spec.verify!(pub, { data: msg, signature: high })).toBe(true);
    const highDer = secp256k1.Signature.fromBytes(high, 'compact').toBytes('der');
    expect(spec.verify!(pub, { data: msg, signature: highDer, format: 'der' })).toBe(true);
    const rec = spec.sign!(key, { data: msg, format: 'recoverable' });
    // (r, n - s) recovers the same key with the other parity: a valid ECDSA twin that EIP-2 forbids.
    const twin = new Uint8Array([...flipS(rec.subarray(0, 64)), rec[64]! ^ 1]);
    expect(spec.verify!(pub, { data: msg, format: 'recoverable', signature: twin })).toBe(false);
  });

  it('malformed signatures are false; options it cannot do are UNSUPPORTED', () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    const pub = spec.loadPublic!(m.publicRaw!);
    for (const bad of [new Uint8Array(0), new Uint8Array(63), new Uint8Array(64), new Uint8Array(64).fill(0xff), new Uint8Array(65)]) {
      for (const format of ['p1363', 'der', 'recoverable']) expect(spec.verify!(pub, { data: msg, signature: bad, format })).toBe(false);
    }
    expectKmsError(() => spec.sign!(key, { data: msg, scheme: 'eddsa' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(key, { data: msg, scheme: 'eip191' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(key, { data: msg, format: 'jws' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(key, { data: msg, hash: 'md5' }), 'UNSUPPORTED');
  });
});

describe('secp256k1 spec: BIP340', () => {
  // BIP340 test vector 0 (bips/bip-0340/test-vectors.csv): secret key 3, aux 0, message 0^32.
  const d = be32(3n);
  const x = hex('f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9');
  const y = hex('388f7b0f632de8140fe337e62a37f3566500a99934c2231b6cb9fd7584b8e672'); // y of 3G, even
  const sig0 = hex(
    'e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca821525f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0',
  );
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');

  it('BIP340 test vector 0 verifies (key imported as a private JWK)', () => {
    const m = spec.importKey!('jwk', { kty: 'EC', crv: 'secp256k1', x: b64(x), y: b64(y), d: b64(d) });
    expect(m.publicRaw).toEqual(new Uint8Array([0x02, ...x]));
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { scheme: 'bip340', data: new Uint8Array(32), signature: sig0 })).toBe(true);
    const tampered = new Uint8Array(sig0);
    tampered[63]! ^= 1;
    expect(spec.verify!(pub, { scheme: 'bip340', data: new Uint8Array(32), signature: tampered })).toBe(false);
    // Our own signature (random aux) over the same message verifies with @noble/curves' schnorr.
    const ours = spec.sign!(spec.loadPrivate(m), { scheme: 'bip340', data: new Uint8Array(32) });
    expect(schnorr.verify(ours, new Uint8Array(32), x)).toBe(true);
  });

  it('generate -> sign -> verify, and its options', () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    const sig = spec.sign!(key, { scheme: 'bip340', data: msg });
    expect(sig).toHaveLength(64);
    expect(schnorr.verify(sig, msg, schnorr.getPublicKey(m.secret!))).toBe(true);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { scheme: 'bip340', data: msg, signature: sig })).toBe(true);
    expect(spec.verify!(pub, { scheme: 'bip340', data: msg, signature: sig.subarray(1) })).toBe(false);
    expect(spec.verify!(pub, { data: msg, signature: sig })).toBe(false); // not an ECDSA signature
    expectKmsError(() => spec.sign!(key, { scheme: 'bip340', data: msg, hash: 'sha256' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(key, { scheme: 'bip340', data: msg, format: 'der' }), 'UNSUPPORTED');
  });
});

describe('secp256k1 spec: keys', () => {
  it('imports and exports jwk, raw, spki, pkcs8 in agreement with OpenSSL', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const m = spec.importKey!('pkcs8', new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
    const nodeJwk = privateKey.export({ format: 'jwk' }) as Jwk;
    expect(spec.importKey!('jwk', nodeJwk)).toEqual(m);
    expect(m.publicRaw).toHaveLength(33);
    expect(spec.exportKey!('jwk', m, true)).toEqual(nodeJwk);
    expect(spec.exportKey!('jwk', m, false)).toEqual(spec.publicJwk!(m.publicRaw!));
    const nodeSpki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    expect(spec.exportKey!('spki', m, false)).toEqual(nodeSpki);
    expect(spec.importKey!('spki', nodeSpki)).toEqual({ publicRaw: m.publicRaw });
    const ours = spec.exportKey!('pkcs8', m, true) as Uint8Array;
    expect(createPrivateKey({ key: Buffer.from(ours), format: 'der', type: 'pkcs8' }).equals(privateKey)).toBe(true);
    expect(spec.exportKey!('raw', m, false)).toEqual(m.publicRaw);
    const uncompressed = secp256k1.Point.fromBytes(m.publicRaw!).toBytes(false);
    expect(spec.importKey!('raw', uncompressed)).toEqual({ publicRaw: m.publicRaw });
    expectKmsError(() => spec.exportKey!('pkcs8', m, false), 'INVALID_REQUEST');
  });

  it('rejects bad keys with INVALID_REQUEST (stored ones with CORRUPT)', () => {
    const m = spec.generate();
    const jwk = spec.exportKey!('jwk', m, true) as Jwk;
    const other = spec.exportKey!('jwk', spec.generate(), true) as Jwk;
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, d: other['d']! }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, crv: 'P-256' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, y: other['y']! }), 'INVALID_REQUEST');
    const offCurve = new Uint8Array([0x04, ...new Uint8Array(64).fill(7)]);
    expectKmsError(() => spec.importKey!('raw', offCurve), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('raw', m.secret!), 'INVALID_REQUEST');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectKmsError(() => spec.importKey!('spki', new Uint8Array(p256.publicKey.export({ format: 'der', type: 'spki' }))), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPrivate({ secret: be32(N) }), 'CORRUPT');
    expectKmsError(() => spec.loadPublic!(offCurve), 'CORRUPT');
  });
});

interface EcdsaGroup {
  publicKey: { uncompressed: string; wx: string; wy: string };
  publicKeyDer: string;
  tests: (WycheproofTest & { msg: string; sig: string })[];
}

function coordinate(hexInt: string): string {
  return Buffer.from(hexInt.padStart(64, '0').slice(-64), 'hex').toString('base64url');
}

describe('Wycheproof ecdsa_secp256k1_sha256_test.json', () => {
  const file = loadWycheproof<EcdsaGroup>('ecdsa_secp256k1_sha256_test.json');
  const formats: ImportFormat[] = ['spki', 'raw', 'jwk'];
  const cases = file.testGroups.flatMap((group, g) => {
    const format = formats[g % formats.length]!;
    const data =
      format === 'spki'
        ? hex(group.publicKeyDer)
        : format === 'raw'
          ? hex(group.publicKey.uncompressed)
          : { kty: 'EC', crv: 'secp256k1', x: coordinate(group.publicKey.wx), y: coordinate(group.publicKey.wy) };
    return group.tests.flatMap((t) => [
      { t, format, data, prehashed: false },
      { t, format, data, prehashed: true },
    ]);
  });
  let key: Secp256k1PublicKey | undefined;
  let lastData: unknown;
  // This file is Wycheproof's plain-ECDSA one (not the "bitcoin" variant): high-S signatures are 'valid' in it,
  // which matches our DER/p1363 verify policy (see secp256k1.ts).
  it.each(cases)('Wycheproof ecdsa_secp256k1_sha256 tcId $t.tcId ($t.result, $format, prehashed $prehashed)', ({ t, format, data, prehashed }) => {
    if (data !== lastData) {
      key = spec.loadPublic!(spec.importKey!(format, data).publicRaw!);
      lastData = data;
    }
    const m = hex(t.msg);
    const input = { data: prehashed ? sha256(m) : m, prehashed, signature: hex(t.sig), format: 'der' };
    expect(t.result).not.toBe('acceptable'); // none in this file; pin any that a new version adds
    if (t.result === 'valid') expect(spec.verify!(key!, input)).toBe(true);
    else expectRejected(() => spec.verify!(key!, input));
  });
  it('covers every vector of the file', () => {
    expect(cases).toHaveLength(2 * file.numberOfTests);
  });
});
