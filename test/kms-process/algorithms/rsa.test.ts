// RSA specs: PSS / PKCS#1 v1.5 signatures and OAEP encryption / key wrap cross-checked with node:crypto directly,
// Wycheproof rsa_signature_2048_sha256 (PKCS#1 v1.5) and rsa_oaep_2048_sha256_mgf1sha256, formats, bad input.
import { constants, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Jwk } from '../../../kms-process/api/common.js';
import { rsa2048Spec as spec, rsa3072Spec, rsa4096Spec } from '../../../kms-process/algorithms/rsa.js';
import { expectKmsError, expectRejected } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

const material = spec.generate();
const priv = spec.loadPrivate(material);
const pub = spec.loadPublic!(material.publicRaw!);
const nodePriv = createPrivateKey({ key: Buffer.from(material.secret!), format: 'der', type: 'pkcs8' });
const nodePub = createPublicKey({ key: Buffer.from(material.publicRaw!), format: 'der', type: 'spki' });
const msg = new TextEncoder().encode('openwallet rsa');

describe('rsa-2048 spec: signatures', () => {
  it('PSS (default: SHA-256, 32-byte salt) verifies with node:crypto, and node PSS verifies with the spec', () => {
    const sig = spec.sign!(priv, { data: msg });
    expect(sig).toHaveLength(256);
    const opts = { key: nodePub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify('sha256', msg, opts, sig)).toBe(true);
    const theirs = sign('sha256', msg, { key: nodePriv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    expect(spec.verify!(pub, { data: msg, signature: theirs })).toBe(true);
    // A different salt length is not PS256.
    const salt0 = sign('sha256', msg, { key: nodePriv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
    expect(spec.verify!(pub, { data: msg, signature: salt0 })).toBe(false);
    const s384 = spec.sign!(priv, { data: msg, hash: 'sha384' });
    expect(verify('sha384', msg, { key: nodePub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }, s384)).toBe(true);
  });

  it("PKCS#1 v1.5 ('pkcs1') is deterministic and equals node:crypto", () => {
    const sig = spec.sign!(priv, { data: msg, scheme: 'pkcs1' });
    expect(sig).toEqual(new Uint8Array(sign('sha256', msg, nodePriv)));
    expect(spec.verify!(pub, { data: msg, signature: sig, scheme: 'pkcs1' })).toBe(true);
    expect(spec.verify!(pub, { data: msg, signature: sig })).toBe(false); // not a PSS signature
    expect(spec.verify!(pub, { data: msg, signature: sig.subarray(1), scheme: 'pkcs1' })).toBe(false);
  });

  it("PKCS#1 v1.5 over a prehashed digest (PKCS#11 CKM_RSA_PKCS) equals node:crypto's signature over the message", () => {
    for (const [hash, n] of [['sha256', 32], ['sha384', 48], ['sha512', 64]] as const) {
      const digest = createHash(hash).update(msg).digest();
      const sig = spec.sign!(priv, { data: digest, scheme: 'pkcs1', hash, prehashed: true });
      expect(sig).toEqual(new Uint8Array(sign(hash, msg, nodePriv)));
      expect(spec.verify!(pub, { data: digest, signature: sig, scheme: 'pkcs1', hash, prehashed: true })).toBe(true);
      expect(spec.verify!(pub, { data: createHash(hash).update('other').digest(), signature: sig, scheme: 'pkcs1', hash, prehashed: true })).toBe(false);
      expectKmsError(() => spec.sign!(priv, { data: digest.subarray(1), scheme: 'pkcs1', hash, prehashed: true }), 'INVALID_REQUEST');
      expect(n).toBe(digest.length);
    }
    // No hash named: the data is the whole encoded input (PKCS#11 CKM_RSA_PKCS), at most k - 11 bytes.
    const info = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(msg).digest()]);
    expect(spec.sign!(priv, { data: info, scheme: 'pkcs1', prehashed: true })).toEqual(new Uint8Array(sign('sha256', msg, nodePriv)));
    expect(spec.verify!(pub, { data: info, signature: spec.sign!(priv, { data: info, scheme: 'pkcs1', prehashed: true }), scheme: 'pkcs1', prehashed: true })).toBe(true);
    expectKmsError(() => spec.sign!(priv, { data: new Uint8Array(256 - 10), scheme: 'pkcs1', prehashed: true }), 'INVALID_REQUEST');
    // PSS over a digest is not offered (node:crypto always hashes the input itself).
    expectKmsError(() => spec.sign!(priv, { data: createHash('sha256').update(msg).digest(), scheme: 'pss', prehashed: true }), 'UNSUPPORTED');
  });

  it('rejects options it does not offer', () => {
    expectKmsError(() => spec.sign!(priv, { data: msg, scheme: 'x931' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(priv, { data: msg, hash: 'sha1' }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(priv, { data: msg, prehashed: true }), 'UNSUPPORTED');
    expectKmsError(() => spec.sign!(priv, { data: msg, format: 'der' }), 'UNSUPPORTED');
  });
});

describe('rsa-2048 spec: OAEP encryption and key wrap', () => {
  it('encrypt with the public handle -> node decrypts; node encrypts -> spec decrypts; aad is the OAEP label', () => {
    const out = spec.encrypt!(pub as never, { data: msg });
    expect(out.mode).toBe('oaep');
    const opts = { key: nodePriv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
    expect(new Uint8Array(privateDecrypt(opts, out.ciphertext))).toEqual(msg);
    const label = new Uint8Array([1, 2, 3]);
    const theirs = publicEncrypt({ key: nodePub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, msg);
    expect(spec.decrypt!(priv, { data: theirs, aad: label })).toEqual(msg);
    expectKmsError(() => spec.decrypt!(priv, { data: theirs }), 'INVALID_REQUEST'); // wrong label
    expect(spec.decrypt!(priv, { data: spec.encrypt!(priv, { data: msg }).ciphertext })).toEqual(msg); // private handle too
  });

  it('wraps and unwraps key bytes with OAEP', () => {
    const k = new Uint8Array(32).fill(7);
    const wrapped = spec.wrap!(pub, k);
    expect(spec.unwrap!(priv, wrapped)).toEqual(k);
    expect(spec.unwrap!(priv, wrapped, 'oaep')).toEqual(k);
    expectKmsError(() => spec.wrap!(pub, k, 'kw'), 'UNSUPPORTED');
    expectKmsError(() => spec.wrap!(pub, new Uint8Array(300)), 'INVALID_REQUEST'); // longer than OAEP allows
    const bad = new Uint8Array(wrapped);
    bad[10]! ^= 1;
    expectKmsError(() => spec.unwrap!(priv, bad), 'INVALID_REQUEST');
    expectKmsError(() => spec.unwrap!(priv, wrapped.subarray(1)), 'INVALID_REQUEST');
  });

  it('rejects an IV, a tag or another mode', () => {
    expectKmsError(() => spec.encrypt!(pub as never, { data: msg, iv: new Uint8Array(12) }), 'UNSUPPORTED');
    expectKmsError(() => spec.encrypt!(pub as never, { data: msg, mode: 'pkcs1' }), 'UNSUPPORTED');
    expectKmsError(() => spec.decrypt!(priv, { data: new Uint8Array(256), tag: new Uint8Array(16) }), 'UNSUPPORTED');
  });
});

describe('rsa-2048 spec: keys', () => {
  it('JWK, SPKI (= raw) and PKCS#8 agree with node:crypto', () => {
    expect(spec.publicJwk!(material.publicRaw!)).toEqual(nodePub.export({ format: 'jwk' }));
    expect(spec.exportKey!('raw', material, false)).toEqual(material.publicRaw);
    expect(spec.exportKey!('spki', { publicRaw: material.publicRaw! }, false)).toEqual(material.publicRaw);
    expect(spec.exportKey!('pkcs8', material, true)).toEqual(material.secret);
    const privJwk = spec.exportKey!('jwk', material, true) as Jwk;
    expect(privJwk).toEqual(nodePriv.export({ format: 'jwk' }));
    expect(spec.importKey!('jwk', privJwk)).toEqual(material);
    expect(spec.importKey!('jwk', spec.publicJwk!(material.publicRaw!))).toEqual({ publicRaw: material.publicRaw });
    expect(spec.importKey!('pkcs8', material.secret!)).toEqual(material);
    expectKmsError(() => spec.exportKey!('pkcs8', material, false), 'INVALID_REQUEST');
  });

  it('refuses keys of another size or type, malformed JWKs and corrupt material', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectKmsError(() => spec.importKey!('spki', new Uint8Array(small.publicKey.export({ format: 'der', type: 'spki' }))), 'INVALID_REQUEST');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectKmsError(() => spec.importKey!('spki', new Uint8Array(ec.publicKey.export({ format: 'der', type: 'spki' }))), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'RSA', n: 'AQAB' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', { kty: 'EC', n: 'AQAB', e: 'AQAB' }), 'INVALID_REQUEST');
    expectKmsError(() => spec.importKey!('jwk', new Uint8Array(3)), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(10) }), 'CORRUPT');
    expectKmsError(() => spec.loadPublic!(new Uint8Array(10)), 'CORRUPT');
    expectKmsError(() => rsa3072Spec.importKey!('pkcs8', material.secret!), 'INVALID_REQUEST');
  });
});

describe('rsa-3072 and rsa-4096 specs', () => {
  it.each([rsa3072Spec, rsa4096Spec])('$id: generate -> sign / encrypt -> node:crypto checks', (s) => {
    const m = s.generate();
    const bits = Number(s.id.slice(4));
    const np = createPublicKey({ key: Buffer.from(m.publicRaw!), format: 'der', type: 'spki' });
    expect(np.asymmetricKeyDetails?.modulusLength).toBe(bits);
    const sig = s.sign!(s.loadPrivate(m), { data: msg });
    expect(verify('sha256', msg, { key: np, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)).toBe(true);
    const ct = s.encrypt!(s.loadPublic!(m.publicRaw!) as never, { data: msg }).ciphertext;
    const nk = createPrivateKey({ key: Buffer.from(m.secret!), format: 'der', type: 'pkcs8' });
    expect(new Uint8Array(privateDecrypt({ key: nk, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ct))).toEqual(msg);
  }, 120_000);
});

interface RsaSigGroup {
  publicKeyDer: string;
  tests: (WycheproofTest & { msg: string; sig: string })[];
}

describe('rsa-2048 spec: Wycheproof rsa_signature_2048_sha256_test.json (PKCS#1 v1.5)', () => {
  const file = loadWycheproof<RsaSigGroup>('rsa_signature_2048_sha256_test.json');
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => [t.tcId, t.result, t, g.publicKeyDer] as const));
  it.each(cases)('tcId %i (%s)', (_id, result, t, der) => {
    const key = spec.loadPublic!(spec.importKey!('spki', hex(der)).publicRaw!);
    const run = () => spec.verify!(key, { data: hex(t.msg), signature: hex(t.sig), scheme: 'pkcs1' });
    if (result === 'valid') expect(run()).toBe(true);
    // acceptable 'MissingNull' (DigestInfo without the NULL parameter): OpenSSL refuses it, and so do we.
    else expectRejected(run);
  });
});

interface OaepGroup {
  privateKeyPkcs8: string;
  tests: (WycheproofTest & { msg: string; ct: string; label: string })[];
}

describe('rsa-2048 spec: Wycheproof rsa_oaep_2048_sha256_mgf1sha256_test.json', () => {
  const file = loadWycheproof<OaepGroup>('rsa_oaep_2048_sha256_mgf1sha256_test.json');
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => [t.tcId, t.result, t, g.privateKeyPkcs8] as const));
  it.each(cases)('tcId %i (%s)', (_id, result, t, pkcs8) => {
    const key = spec.loadPrivate(spec.importKey!('pkcs8', hex(pkcs8)));
    const label = t.label ? hex(t.label) : undefined;
    const run = () => spec.decrypt!(key, { data: hex(t.ct), aad: label });
    if (result === 'valid') expect(run()).toEqual(hex(t.msg));
    else expectKmsError(run, 'INVALID_REQUEST');
  });
});
