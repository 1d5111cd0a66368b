// ECDSA on P-224/256/384/521: cross-checked against node:crypto and @noble/curves, and Wycheproof P-256 vectors.
import { createHash, createPublicKey, createPrivateKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { p256 as nobleP256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import type { Jwk } from '../../../kms-process/api/common.js';
import type { ImportFormat } from '../../../kms-process/algorithms/algorithm.js';
import { EC_CURVES } from '../../../kms-process/algorithms/ecCurves.js';
import { createEcdsaNistSpec, p256Spec, type NistCurveId, type NistPublicKey } from '../../../kms-process/algorithms/ecdsaNist.js';
import { expectKmsError, expectRejected } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const msg = new TextEncoder().encode('openwallet ecdsa');
const NODE_HASH: Record<NistCurveId, string> = { p224: 'sha224', p256: 'sha256', p384: 'sha384', p521: 'sha512' };
const IDS: NistCurveId[] = ['p224', 'p256', 'p384', 'p521'];

describe.each(IDS)('%s spec', (id) => {
  const spec = createEcdsaNistSpec(id);
  const curve = EC_CURVES[id];
  const n = curve.scalarBytes;
  const spki = (publicRaw: Uint8Array) =>
    createPublicKey({ key: Buffer.from(spec.exportKey!('spki', { publicRaw }, false) as Uint8Array), format: 'der', type: 'spki' });

  it('generate -> sign (p1363 default) -> verify with node:crypto and @noble/curves', () => {
    const m = spec.generate();
    expect(m.secret).toHaveLength(n);
    expect(m.publicRaw).toHaveLength(1 + 2 * curve.fieldBytes);
    expect(m.publicRaw![0]).toBe(0x04);
    // The noble instance (hand-configured for P-224) derives the same public key as OpenSSL.
    expect(curve.noble.getPublicKey(m.secret!, false)).toEqual(m.publicRaw);
    const sig = spec.sign!(spec.loadPrivate(m), { data: msg });
    expect(sig).toHaveLength(2 * n);
    expect(nodeVerify(NODE_HASH[id], msg, { key: spki(m.publicRaw!), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    expect(curve.noble.verify(sig, msg, m.publicRaw!, { lowS: false })).toBe(true);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { data: msg, signature: sig })).toBe(true);
    expect(spec.verify!(pub, { data: new Uint8Array([1]), signature: sig })).toBe(false);
  });

  it('der format, and an explicit hash, agree with node:crypto', () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    const der = spec.sign!(key, { data: msg, format: 'der', hash: 'sha256' });
    expect(der[0]).toBe(0x30);
    expect(nodeVerify('sha256', msg, { key: spki(m.publicRaw!), dsaEncoding: 'der' }, der)).toBe(true);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { data: msg, signature: der, format: 'der', hash: 'sha256' })).toBe(true);
    // The default hash is part of what was signed: the same signature under another hash fails.
    expect(spec.verify!(pub, { data: msg, signature: der, format: 'der' })).toBe(id === 'p256');
  });

  it('prehashed digests sign through @noble/curves and verify with node:crypto over the message', () => {
    const m = spec.generate();
    const digest = new Uint8Array(createHash(NODE_HASH[id]).update(msg).digest());
    const sig = spec.sign!(spec.loadPrivate(m), { data: digest, prehashed: true });
    expect(nodeVerify(NODE_HASH[id], msg, { key: spki(m.publicRaw!), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { data: digest, prehashed: true, signature: sig })).toBe(true);
    expect(spec.verify!(pub, { data: msg, signature: sig })).toBe(true);
    // And a node:crypto signature verifies on the prehashed (noble) path, in DER too.
    const nodeDer = nodeSign(NODE_HASH[id], msg, { key: spec.loadPrivate(m).key, dsaEncoding: 'der' });
    expect(spec.verify!(pub, { data: digest, prehashed: true, format: 'der', signature: nodeDer })).toBe(true);
    expectKmsError(() => spec.sign!(spec.loadPrivate(m), { data: digest.subarray(1), prehashed: true }), 'INVALID_REQUEST');
  });

  it('import and export: jwk, raw (compressed too), spki, pkcs8 agree with node:crypto', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve.nodeCurve });
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const m = spec.importKey!('pkcs8', pkcs8);
    expect(m.secret).toHaveLength(n);
    const nodeSpki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    expect(spec.exportKey!('spki', m, false)).toEqual(nodeSpki);
    expect(spec.importKey!('spki', nodeSpki)).toEqual({ publicRaw: m.publicRaw });
    // Our pkcs8 (fixed header, no public key) is a key OpenSSL reads as the same key.
    const ours = spec.exportKey!('pkcs8', m, true) as Uint8Array;
    expect(createPrivateKey({ key: Buffer.from(ours), format: 'der', type: 'pkcs8' }).equals(privateKey)).toBe(true);
    expect(spec.importKey!('pkcs8', ours)).toEqual(m);
    const jwk = spec.exportKey!('jwk', m, true) as Jwk;
    expect(jwk).toMatchObject({ kty: 'EC', crv: curve.jwkCrv });
    if (id !== 'p224') expect(jwk).toEqual(privateKey.export({ format: 'jwk' })); // node has no P-224 JWK
    expect(spec.importKey!('jwk', jwk)).toEqual(m);
    expect(spec.exportKey!('jwk', m, false)).toEqual(spec.publicJwk!(m.publicRaw!));
    expect(spec.exportKey!('raw', m, false)).toEqual(m.publicRaw);
    const compressed = curve.noble.Point.fromBytes(m.publicRaw!).toBytes(true);
    expect(spec.importKey!('raw', compressed)).toEqual({ publicRaw: m.publicRaw });
  });

  if (id === 'p256') {
    it('imports an SPKI holding a compressed point', () => {
      const m = spec.generate();
      const compressed = curve.noble.Point.fromBytes(m.publicRaw!).toBytes(true);
      // RFC 5480 SPKI of a compressed P-256 point (test-only header; OpenSSL keeps this form on re-export).
      const header = hex('3039301306072a8648ce3d020106082a8648ce3d030107032200');
      const der = new Uint8Array([...header, ...compressed]);
      const reexported = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
      expect(new Uint8Array(reexported)).toEqual(der);
      expect(spec.importKey!('spki', der)).toEqual({ publicRaw: m.publicRaw });
    });
  }

  it('refuses private exports without includePrivate', () => {
    const m = spec.generate();
    expectKmsError(() => spec.exportKey!('pkcs8', m, false), 'INVALID_REQUEST');
    expect(spec.exportKey!('jwk', m, false)).not.toHaveProperty('d');
    expectKmsError(() => spec.exportKey!('pkcs8', { publicRaw: m.publicRaw! }, true), 'INVALID_REQUEST');
  });

  it('rejects invalid keys and points with INVALID_REQUEST', () => {
    const m = spec.generate();
    const offCurve = new Uint8Array(m.publicRaw!);
    offCurve[offCurve.length - 1]! ^= 1;
    expectKmsError(() => spec.importKey!('raw', offCurve), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPublic!(offCurve), 'CORRUPT');
    expectKmsError(() => spec.importKey!('raw', new Uint8Array(m.publicRaw!.length)), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('raw', m.publicRaw!.subarray(1)), 'INVALID_REQUEST');
    const jwk = spec.exportKey!('jwk', m, true) as Jwk;
    const other = spec.exportKey!('jwk', spec.generate(), true) as Jwk;
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, d: other['d']! }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, crv: 'secp256k1' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, d: Buffer.alloc(n, 0xff).toString('base64url') }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { ...jwk, d: Buffer.alloc(n).toString('base64url') }), 'INVALID_REQUEST');
    const otherCurve = id === 'p256' ? 'secp384r1' : 'prime256v1';
    const foreign = generateKeyPairSync('ec', { namedCurve: otherCurve });
    expectKmsError(() => spec.importKey!('spki', new Uint8Array(foreign.publicKey.export({ format: 'der', type: 'spki' }))), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('pkcs8', new Uint8Array(foreign.privateKey.export({ format: 'der', type: 'pkcs8' }))), 'INVALID_REQUEST');
    const ed = generateKeyPairSync('ed25519');
    expectKmsError(() => spec.importKey!('spki', new Uint8Array(ed.publicKey.export({ format: 'der', type: 'spki' }))), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('pkcs8', new Uint8Array(10)), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(n) }), 'CORRUPT');
  });

  it('options it cannot do are UNSUPPORTED; malformed signatures are false', () => {
    const m = spec.generate();
    const key = spec.loadPrivate(m);
    expectKmsError(() => spec.sign!(key, { data: msg, scheme: 'bip340' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(key, { data: msg, hash: 'keccak256' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(key, { data: msg, format: 'recoverable' }), 'UNSUPPORTED');
    const pub = spec.loadPublic!(m.publicRaw!);
    const sig = spec.sign!(key, { data: msg });
    for (const bad of [new Uint8Array(0), sig.subarray(1), new Uint8Array(2 * n), new Uint8Array(2 * n).fill(0xff)]) {
      expect(spec.verify!(pub, { data: msg, signature: bad })).toBe(false);
      expect(spec.verify!(pub, { data: msg, signature: bad, format: 'der' })).toBe(false);
    }
  });
});

interface EcdsaGroup {
  publicKey: { uncompressed: string; wx: string; wy: string };
  publicKeyDer: string;
  sha: string;
  tests: (WycheproofTest & { msg: string; sig: string })[];
}

/** Wycheproof writes wx/wy as ASN.1 integers (a leading 00 when the top bit is set); JWK wants fixed length. */
function coordinate(hexInt: string, bytes: number): string {
  return Buffer.from(hexInt.padStart(2 * bytes, '0').slice(-2 * bytes), 'hex').toString('base64url');
}

describe('Wycheproof ecdsa_secp256r1_sha256_test.json', () => {
  const spec = createEcdsaNistSpec('p256');
  const file = loadWycheproof<EcdsaGroup>('ecdsa_secp256r1_sha256_test.json');
  const formats: ImportFormat[] = ['spki', 'raw', 'jwk'];
  const cases = file.testGroups.flatMap((group, g) => {
    const format = formats[g % formats.length]!;
    const data =
      format === 'spki'
        ? hex(group.publicKeyDer)
        : format === 'raw'
          ? hex(group.publicKey.uncompressed)
          : { kty: 'EC', crv: 'P-256', x: coordinate(group.publicKey.wx, 32), y: coordinate(group.publicKey.wy, 32) };
    return group.tests.flatMap((t) => [
      { t, format, data, prehashed: false },
      { t, format, data, prehashed: true },
    ]);
  });
  let key: NistPublicKey | undefined;
  let lastData: unknown;
  it.each(cases)('Wycheproof ecdsa_secp256r1_sha256 tcId $t.tcId ($t.result, $format, prehashed $prehashed)', ({ t, format, data, prehashed }) => {
    if (data !== lastData) {
      key = spec.loadPublic!(spec.importKey!(format, data).publicRaw!);
      lastData = data;
    }
    const m = hex(t.msg);
    const data2 = prehashed ? new Uint8Array(createHash('sha256').update(m).digest()) : m;
    const input = { data: data2, prehashed, signature: hex(t.sig), format: 'der' };
    expect(t.result).not.toBe('acceptable'); // none in this file; pin any that a new version adds
    if (t.result === 'valid') expect(spec.verify!(key!, input)).toBe(true);
    else expectRejected(() => spec.verify!(key!, input));
  });
  it('covers every vector of the file', () => {
    expect(cases).toHaveLength(2 * file.numberOfTests);
  });
});

describe('p256 spec: RFC 6979 appendix A.2.5 (P-256, SHA-256)', () => {
  // node:crypto signs with random nonces, so the RFC's deterministic signatures are checked against @noble/curves
  // (which implements RFC 6979) and our spec's signatures are checked to verify.
  const x = hex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
  const U = hex(
    '0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  );
  const vectors = [
    ['sample', 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8'],
    ['test', 'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083'],
  ] as const;

  it.each(vectors)("message '%s'", (text, rs) => {
    const data = new TextEncoder().encode(text);
    expect(nobleP256.sign(data, x, { lowS: false })).toEqual(hex(rs)); // RFC 6979 output, deterministic
    const m = { secret: x, publicRaw: U };
    const key = p256Spec.loadPrivate(m); // the RFC's public key U matches the private key x
    const pub = p256Spec.loadPublic!(U);
    expect(p256Spec.verify!(pub, { data, signature: hex(rs) })).toBe(true);
    const ours = p256Spec.sign!(key, { data });
    expect(nobleP256.verify(ours, data, U, { lowS: false })).toBe(true);
    expect(p256Spec.verify!(pub, { data, signature: ours })).toBe(true);
  });
});
