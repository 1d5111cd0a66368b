// Bad cryptographic input THROUGH a KMS child process: wrong key type for an operation, wrong IV and tag lengths,
// malformed JWKs, invalid curve points, bad derivation paths, bad mnemonics, bad base64url, wrong key sizes. Each is
// a typed KmsError of a stated kind (never INTERNAL, never a crash), alone and inside crypto.batch, and the KMS
// serves normally afterwards.
import { createPublicKey, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../../kms-process/api/index.js';
import { b64u, kindOf, removeDir, startInitializedKms, type TestKms, unb64u } from '../../helpers/kms.js';

let kms: TestKms;
const keys: Record<string, KeyInfo> = {};
const call = <T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T> =>
  kms.client.callUnchecked(method, params) as Promise<T>;

beforeAll(async () => {
  kms = await startInitializedKms();
  const make: Array<[string, Record<string, unknown>]> = [
    ['ed25519', { algorithm: 'ed25519' }],
    ['x25519', { algorithm: 'x25519', allowRawAgreement: true }],
    ['p256', { algorithm: 'p256', allowRawAgreement: true }],
    ['secp256k1', { algorithm: 'secp256k1', allowRawAgreement: true }],
    ['rsa', { algorithm: 'rsa-2048' }],
    ['aes', { algorithm: 'aes-256' }],
    ['aesKek', { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] }], // a key that wraps does nothing else
    ['rsaKek', { algorithm: 'rsa-2048', purposes: ['wrap', 'unwrap'] }],
    ['aes128', { algorithm: 'aes-128' }],
    ['hmac', { algorithm: 'hmac-sha256' }],
    ['chacha', { algorithm: 'chacha20-poly1305' }],
    ['xchacha', { algorithm: 'xchacha20-poly1305' }],
    ['mldsa', { algorithm: 'ml-dsa-44' }],
    ['mlkem', { algorithm: 'ml-kem-768' }],
    ['seed', { algorithm: 'hd-seed', words: 12 }],
  ];
  for (const [name, params] of make) keys[name] = await call<KeyInfo>('keys.generate', params);
  const pub = await call<{ data: string }>('keys.export', { id: keys.ed25519!.id, format: 'raw' });
  keys.edPublic = await call<KeyInfo>('keys.import', { format: 'raw', algorithm: 'ed25519', data: pub.data });
});
afterAll(async () => {
  await kms?.stop();
  if (kms) removeDir(kms.dir);
});

interface Case {
  name: string;
  method: string;
  params: () => Record<string, unknown>;
  kind: string;
}

const id = (name: string) => keys[name]!.id;
const data = b64u('bad input');
const iv = (n: number) => b64u(randomBytes(n));

/** Run each case alone: the stated kind, and never INTERNAL. */
async function runCases(cases: Case[]): Promise<void> {
  const got: string[] = [];
  const want: string[] = [];
  for (const c of cases) {
    got.push(`${c.name}: ${await kindOf(call(c.method, c.params()))}`);
    want.push(`${c.name}: ${c.kind}`);
  }
  expect(got).toEqual(want);
}

describe('wrong key type for an operation', () => {
  it('an operation outside the key\'s purposes is POLICY_DENIED; an option its algorithm lacks is UNSUPPORTED', async () => {
    await runCases([
      { name: 'sign with x25519', method: 'crypto.sign', params: () => ({ id: id('x25519'), data }), kind: 'POLICY_DENIED' },
      { name: 'sign with aes', method: 'crypto.sign', params: () => ({ id: id('aes'), data }), kind: 'POLICY_DENIED' },
      { name: 'sign with ml-kem', method: 'crypto.sign', params: () => ({ id: id('mlkem'), data }), kind: 'POLICY_DENIED' },
      { name: 'sign with hd-seed', method: 'crypto.sign', params: () => ({ id: id('seed'), data }), kind: 'POLICY_DENIED' },
      { name: 'sign with a public-only key', method: 'crypto.sign', params: () => ({ id: id('edPublic'), data }), kind: 'POLICY_DENIED' },
      { name: 'verify with hmac', method: 'crypto.verify', params: () => ({ id: id('hmac'), data, signature: data }), kind: 'POLICY_DENIED' },
      { name: 'encrypt with ed25519', method: 'crypto.encrypt', params: () => ({ id: id('ed25519'), data }), kind: 'POLICY_DENIED' },
      { name: 'encrypt with p256', method: 'crypto.encrypt', params: () => ({ id: id('p256'), data }), kind: 'POLICY_DENIED' },
      { name: 'decrypt with hmac', method: 'crypto.decrypt', params: () => ({ id: id('hmac'), data, iv: iv(12) }), kind: 'POLICY_DENIED' },
      { name: 'mac with aes', method: 'crypto.mac', params: () => ({ id: id('aes'), data }), kind: 'POLICY_DENIED' },
      { name: 'macVerify with ed25519', method: 'crypto.macVerify', params: () => ({ id: id('ed25519'), data, mac: data }), kind: 'POLICY_DENIED' },
      { name: 'agree with ed25519', method: 'crypto.agree', params: () => ({ id: id('ed25519'), peerPublicKey: keys.x25519!.publicKey!.raw }), kind: 'POLICY_DENIED' },
      { name: 'agree with rsa', method: 'crypto.agree', params: () => ({ id: id('rsa'), peerPublicKey: keys.x25519!.publicKey!.raw }), kind: 'POLICY_DENIED' },
      { name: 'encapsulate with x25519', method: 'crypto.encapsulate', params: () => ({ id: id('x25519') }), kind: 'POLICY_DENIED' },
      { name: 'decapsulate with aes', method: 'crypto.decapsulate', params: () => ({ id: id('aes'), ciphertext: data }), kind: 'POLICY_DENIED' },
      { name: 'derive from ed25519', method: 'keys.derive', params: () => ({ id: id('ed25519'), path: "m/0'" }), kind: 'POLICY_DENIED' },
      { name: 'wrap with hmac', method: 'crypto.wrapKey', params: () => ({ id: id('hmac'), keyId: id('aes128') }), kind: 'POLICY_DENIED' },
      { name: 'wrap with ed25519', method: 'crypto.wrapKey', params: () => ({ id: id('ed25519'), keyId: id('aes128') }), kind: 'POLICY_DENIED' },
      { name: 'unwrap with chacha', method: 'crypto.unwrapKey', params: () => ({ id: id('chacha'), wrapped: b64u(randomBytes(40)), algorithm: 'aes-256' }), kind: 'POLICY_DENIED' },
      // A key with no JOSE algorithm is told so by name (issue 9), before its policy is asked to sign.
      { name: 'signJws with x25519', method: 'crypto.signJws', params: () => ({ id: id('x25519'), payload: data }), kind: 'UNSUPPORTED' },
      { name: 'rotate an ed25519 key', method: 'keys.rotate', params: () => ({ id: id('ed25519') }), kind: 'UNSUPPORTED' },
      { name: 'ed25519 scheme ecdsa', method: 'crypto.sign', params: () => ({ id: id('ed25519'), data, scheme: 'ecdsa' }), kind: 'UNSUPPORTED' },
      { name: 'ed25519 with a context', method: 'crypto.sign', params: () => ({ id: id('ed25519'), data, context: b64u('ctx') }), kind: 'UNSUPPORTED' },
      { name: 'p256 recoverable', method: 'crypto.sign', params: () => ({ id: id('p256'), data, format: 'recoverable' }), kind: 'UNSUPPORTED' },
      { name: 'p256 bip340', method: 'crypto.sign', params: () => ({ id: id('p256'), data, scheme: 'bip340' }), kind: 'UNSUPPORTED' },
      { name: 'rsa ecdsa', method: 'crypto.sign', params: () => ({ id: id('rsa'), data, scheme: 'ecdsa' }), kind: 'UNSUPPORTED' },
      { name: 'rsa prehashed', method: 'crypto.sign', params: () => ({ id: id('rsa'), data: b64u(randomBytes(32)), prehashed: true }), kind: 'UNSUPPORTED' },
      { name: 'ml-dsa with sha512', method: 'crypto.sign', params: () => ({ id: id('mldsa'), data, hash: 'sha512' }), kind: 'UNSUPPORTED' },
      { name: 'secp256k1 eip191 with sha256', method: 'crypto.sign', params: () => ({ id: id('secp256k1'), data, scheme: 'eip191', hash: 'sha256' }), kind: 'UNSUPPORTED' },
      { name: 'aes mode oaep', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, mode: 'oaep' }), kind: 'UNSUPPORTED' },
      { name: 'aes mode chacha20-poly1305', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, mode: 'chacha20-poly1305' }), kind: 'UNSUPPORTED' },
      { name: 'rsa mode gcm', method: 'crypto.encrypt', params: () => ({ id: id('rsa'), data, mode: 'gcm' }), kind: 'UNSUPPORTED' },
      { name: 'chacha mode gcm', method: 'crypto.encrypt', params: () => ({ id: id('chacha'), data, mode: 'gcm' }), kind: 'UNSUPPORTED' },
      { name: 'xchacha mode chacha20-poly1305', method: 'crypto.encrypt', params: () => ({ id: id('xchacha'), data, mode: 'chacha20-poly1305' }), kind: 'UNSUPPORTED' },
      { name: 'aes wrap mode oaep', method: 'crypto.wrapKey', params: () => ({ id: id('aesKek'), keyId: id('aes128'), mode: 'oaep' }), kind: 'UNSUPPORTED' },
      { name: 'rsa wrap mode kw', method: 'crypto.wrapKey', params: () => ({ id: id('rsaKek'), keyId: id('aes128'), mode: 'kw' }), kind: 'UNSUPPORTED' },
      { name: 'wrap a public-only key', method: 'crypto.wrapKey', params: () => ({ id: id('aesKek'), keyId: id('edPublic') }), kind: 'UNSUPPORTED' },
      { name: 'words on an ed25519 key', method: 'keys.generate', params: () => ({ algorithm: 'ed25519', words: 12 }), kind: 'INVALID_REQUEST' },
      { name: 'purposes the algorithm lacks', method: 'keys.generate', params: () => ({ algorithm: 'hmac-sha256', purposes: ['sign'] }), kind: 'UNSUPPORTED' },
      { name: 'raw import of an hd-seed', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'hd-seed', data: b64u(randomBytes(64)) }), kind: 'UNSUPPORTED' },
      { name: 'pkcs8 import of aes', method: 'keys.import', params: () => ({ format: 'pkcs8', algorithm: 'aes-256', data: b64u(randomBytes(32)) }), kind: 'UNSUPPORTED' },
      { name: 'a JWS alg for another key type', method: 'crypto.signJws', params: () => ({ id: id('p256'), payload: data, header: { alg: 'ES256K' } }), kind: 'INVALID_REQUEST' },
    ]);
  });
});

describe('IVs, nonces and tags', () => {
  it('wrong IV / nonce lengths and short or missing tags are INVALID_REQUEST; options a mode has no use for are UNSUPPORTED', async () => {
    const g = await call<{ ciphertext: string; iv: string; tag: string }>('crypto.encrypt', { id: id('aes'), data });
    const c = await call<{ ciphertext: string; iv: string; tag: string }>('crypto.encrypt', { id: id('chacha'), data });
    const x = await call<{ ciphertext: string; iv: string; tag: string }>('crypto.encrypt', { id: id('xchacha'), data });
    const shortTag = (t: string, n: number) => b64u(unb64u(t).subarray(0, n));
    await runCases([
      { name: 'gcm encrypt iv 11', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, iv: iv(11) }), kind: 'INVALID_REQUEST' },
      { name: 'gcm encrypt iv 16', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, iv: iv(16) }), kind: 'INVALID_REQUEST' },
      { name: 'gcm encrypt iv 0', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, iv: '' }), kind: 'INVALID_REQUEST' },
      { name: 'gcm decrypt iv 13', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: iv(13), tag: g.tag }), kind: 'INVALID_REQUEST' },
      { name: 'gcm decrypt no iv', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, tag: g.tag }), kind: 'INVALID_REQUEST' },
      { name: 'gcm tag 12 bytes', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: g.iv, tag: shortTag(g.tag, 12) }), kind: 'INVALID_REQUEST' },
      { name: 'gcm tag 4 bytes', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: g.iv, tag: shortTag(g.tag, 4) }), kind: 'INVALID_REQUEST' },
      { name: 'gcm tag 0 bytes', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: g.iv, tag: '' }), kind: 'INVALID_REQUEST' },
      { name: 'gcm no tag', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: g.iv }), kind: 'INVALID_REQUEST' },
      { name: 'gcm wrong aad', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: g.iv, tag: g.tag, aad: b64u('x') }), kind: 'INVALID_REQUEST' },
      { name: 'gcm with another key', method: 'crypto.decrypt', params: () => ({ id: id('aes128'), data: g.ciphertext, iv: g.iv, tag: g.tag }), kind: 'INVALID_REQUEST' },
      { name: 'gcm unknown version', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: g.ciphertext, iv: g.iv, tag: g.tag, version: 9 }), kind: 'NOT_FOUND' },
      { name: 'cbc iv 12', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, mode: 'cbc', iv: iv(12) }), kind: 'INVALID_REQUEST' },
      { name: 'cbc decrypt no iv', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: b64u(randomBytes(32)), mode: 'cbc' }), kind: 'INVALID_REQUEST' },
      { name: 'cbc ragged ciphertext', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: b64u(randomBytes(31)), mode: 'cbc', iv: iv(16) }), kind: 'INVALID_REQUEST' },
      { name: 'cbc with a tag', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data: b64u(randomBytes(32)), mode: 'cbc', iv: iv(16), tag: iv(16) }), kind: 'UNSUPPORTED' },
      { name: 'cbc with aad', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, mode: 'cbc', aad: b64u('a') }), kind: 'UNSUPPORTED' },
      { name: 'ctr iv 8', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, mode: 'ctr', iv: iv(8) }), kind: 'INVALID_REQUEST' },
      { name: 'ecb with an iv', method: 'crypto.encrypt', params: () => ({ id: id('aes'), data, mode: 'ecb', iv: iv(16) }), kind: 'UNSUPPORTED' },
      { name: 'chacha nonce 24', method: 'crypto.encrypt', params: () => ({ id: id('chacha'), data, iv: iv(24) }), kind: 'INVALID_REQUEST' },
      { name: 'chacha decrypt nonce 8', method: 'crypto.decrypt', params: () => ({ id: id('chacha'), data: c.ciphertext, iv: iv(8), tag: c.tag }), kind: 'INVALID_REQUEST' },
      { name: 'chacha tag 15', method: 'crypto.decrypt', params: () => ({ id: id('chacha'), data: c.ciphertext, iv: c.iv, tag: shortTag(c.tag, 15) }), kind: 'INVALID_REQUEST' },
      { name: 'chacha no tag', method: 'crypto.decrypt', params: () => ({ id: id('chacha'), data: c.ciphertext, iv: c.iv }), kind: 'INVALID_REQUEST' },
      { name: 'xchacha nonce 12', method: 'crypto.encrypt', params: () => ({ id: id('xchacha'), data, iv: iv(12) }), kind: 'INVALID_REQUEST' },
      { name: 'xchacha tag 8', method: 'crypto.decrypt', params: () => ({ id: id('xchacha'), data: x.ciphertext, iv: x.iv, tag: shortTag(x.tag, 8) }), kind: 'INVALID_REQUEST' },
      { name: 'xchacha no nonce', method: 'crypto.decrypt', params: () => ({ id: id('xchacha'), data: x.ciphertext, tag: x.tag }), kind: 'INVALID_REQUEST' },
      { name: 'rsa with an iv', method: 'crypto.encrypt', params: () => ({ id: id('rsa'), data, iv: iv(12) }), kind: 'UNSUPPORTED' },
      { name: 'rsa ciphertext of the wrong length', method: 'crypto.decrypt', params: () => ({ id: id('rsa'), data: b64u(randomBytes(255)) }), kind: 'INVALID_REQUEST' },
      { name: 'ml-kem ciphertext of the wrong length', method: 'crypto.decrypt', params: () => ({ id: id('mlkem'), data }), kind: 'POLICY_DENIED' },
      { name: 'ml-kem decapsulate short ciphertext', method: 'crypto.decapsulate', params: () => ({ id: id('mlkem'), ciphertext: b64u(randomBytes(1087)) }), kind: 'INVALID_REQUEST' },
      { name: 'iv longer than the schema allows', method: 'crypto.decrypt', params: () => ({ id: id('aes'), data, iv: iv(65), tag: iv(16) }), kind: 'INVALID_REQUEST' },
    ]);
  });

  it('inside crypto.batch each bad item gets its own typed error and the good ones still work', async () => {
    const good = await call<{ ciphertext: string; iv: string; tag: string }>('crypto.encrypt', { id: id('aes'), data });
    const { results } = await call<{ results: Array<{ result?: Record<string, string>; error?: { kind: string } }> }>('crypto.batch', {
      items: [
        { method: 'crypto.decrypt', params: { id: id('aes'), data: good.ciphertext, iv: good.iv, tag: good.tag } },
        { method: 'crypto.decrypt', params: { id: id('aes'), data: good.ciphertext, iv: iv(11), tag: good.tag } },
        { method: 'crypto.decrypt', params: { id: id('aes'), data: good.ciphertext, iv: good.iv, tag: b64u(unb64u(good.tag).subarray(0, 12)) } },
        { method: 'crypto.encrypt', params: { id: id('ed25519'), data } },
        { method: 'crypto.sign', params: { id: id('rsa'), data, scheme: 'bip340' } },
        { method: 'crypto.verify', params: { id: id('p256'), data, signature: b64u(randomBytes(7)) } },
        { method: 'crypto.mac', params: { id: id('hmac'), data } },
      ],
    });
    expect(results.map((r) => (r.error ? r.error.kind : 'ok'))).toEqual(['ok', 'INVALID_REQUEST', 'INVALID_REQUEST', 'POLICY_DENIED', 'UNSUPPORTED', 'ok', 'ok']);
    expect(unb64u(results[0]!.result!.plaintext!).toString()).toBe('bad input');
    expect(results[5]!.result!.valid).toBe(false);
  });
});

describe('malformed keys', () => {
  it('malformed JWKs are INVALID_REQUEST', async () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const imp = (jwk: unknown, extra: Record<string, unknown> = {}) => () => ({ format: 'jwk', data: jwk, ...extra });
    const cases: Array<[string, () => Record<string, unknown>]> = [
      ['no kty', imp({ crv: 'Ed25519', x: ed.x })],
      ['kty not a string', imp({ kty: true, crv: 'Ed25519', x: ed.x })],
      ['unknown crv and no algorithm', imp({ kty: 'OKP', crv: 'Ed448', x: ed.x })],
      ['x not base64url', imp({ kty: 'OKP', crv: 'Ed25519', x: 'not base64!' })],
      ['x padded', imp({ kty: 'OKP', crv: 'Ed25519', x: ed.x + '=' })],
      ['x of 31 bytes', imp({ kty: 'OKP', crv: 'Ed25519', x: b64u(randomBytes(31)) })],
      ['x missing', imp({ kty: 'OKP', crv: 'Ed25519', d: ed.d })],
      ['d does not match x', imp({ ...ed, d: b64u(randomBytes(32)) })],
      ['ed25519 JWK as p256', imp({ kty: 'OKP', crv: 'Ed25519', x: ed.x }, { algorithm: 'p256' })],
      ['EC point not on the curve', imp({ ...ec, d: undefined, y: otherEc.y })],
      ['EC y missing', imp({ kty: 'EC', crv: 'P-256', x: ec.x })],
      ['EC d of the other key', imp({ ...ec, d: otherEc.d })],
      ['EC d = 0', imp({ ...ec, d: b64u(Buffer.alloc(32)) })],
      ['EC d >= n', imp({ ...ec, d: b64u(Buffer.alloc(32, 0xff)) })],
      ['EC crv secp256k1 for a p256 key', imp({ ...ec, crv: 'secp256k1' }, { algorithm: 'p256' })],
      ['RSA without n', imp({ kty: 'RSA', e: 'AQAB' }, { algorithm: 'rsa-2048' })],
      ['RSA n of 1024 bits', imp(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }), { algorithm: 'rsa-2048' })],
      ['oct for ed25519', imp({ kty: 'oct', k: b64u(randomBytes(32)) }, { algorithm: 'ed25519' })],
      ['oct without an algorithm', imp({ kty: 'oct', k: b64u(randomBytes(32)) })],
      ['oct k of 31 bytes for aes-256', imp({ kty: 'oct', k: b64u(randomBytes(31)) }, { algorithm: 'aes-256' })],
      ['oct alg A128GCM for aes-256', imp({ kty: 'oct', k: b64u(randomBytes(32)), alg: 'A128GCM' }, { algorithm: 'aes-256' })],
      ['hmac key of 8 bytes', imp({ kty: 'oct', k: b64u(randomBytes(8)) }, { algorithm: 'hmac-sha256' })],
      ['AKP of another parameter set', imp({ kty: 'AKP', alg: 'ML-DSA-65', pub: keys.mldsa!.publicKey!.raw }, { algorithm: 'ml-dsa-44' })],
      ['a nested object', imp({ kty: 'OKP', crv: 'Ed25519', x: { nested: ed.x } })],
      ['an array', imp([ed.x])],
      ['too many members', imp(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, 'x'])))],
      ['a string', imp(JSON.stringify(ed), { algorithm: 'ed25519' })],
    ];
    await runCases(cases.map(([name, params]) => ({ name, method: 'keys.import', params, kind: 'INVALID_REQUEST' })));
  });

  it('invalid curve points are INVALID_REQUEST, at import and as agreement peers', async () => {
    const P = unb64u(keys.p256!.publicKey!.raw); // uncompressed 04||x||y
    const off = Buffer.from(P);
    off[off.length - 1]! ^= 1;
    const badX = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(32, 0xff)]); // x >= p
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const k1off = Buffer.from(secp256k1.Point.fromBytes(unb64u(keys.secp256k1!.publicKey!.raw)).toBytes(false));
    k1off[64]! ^= 1; // y no longer fits x
    // A compressed x with no y on the curve (x^3 + 7 not a square mod p): the first such x from 1.
    let x = 1n;
    const compressedOf = (v: bigint) => Buffer.concat([Buffer.from([2]), Buffer.from(v.toString(16).padStart(64, '0'), 'hex')]);
    for (;; x++) {
      try {
        secp256k1.Point.fromBytes(compressedOf(x));
      } catch {
        break;
      }
    }
    const k1NoY = compressedOf(x);
    const cases: Case[] = [
      { name: 'p256 raw off the curve', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'p256', data: b64u(off) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 raw x >= p', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'p256', data: b64u(badX) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 raw infinity', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'p256', data: b64u(Buffer.from([0])) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 raw all zero', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'p256', data: b64u(Buffer.alloc(65)) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 raw truncated', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'p256', data: b64u(P.subarray(0, 64)) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 spki of a P-384 key', method: 'keys.import', params: () => ({ format: 'spki', algorithm: 'p256', data: b64u(createPublicKey({ key: p384, format: 'jwk' }).export({ format: 'der', type: 'spki' })) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 spki garbage', method: 'keys.import', params: () => ({ format: 'spki', algorithm: 'p256', data: b64u(randomBytes(91)) }), kind: 'INVALID_REQUEST' },
      { name: 'ed25519 raw not a point', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'ed25519', data: b64u(Buffer.alloc(32, 0xff).fill(0x7f, 31)) }), kind: 'INVALID_REQUEST' },
      { name: 'secp256k1 raw off the curve', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'secp256k1', data: b64u(k1off) }), kind: 'INVALID_REQUEST' },
      { name: 'secp256k1 compressed x without a y', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'secp256k1', data: b64u(k1NoY) }), kind: 'INVALID_REQUEST' },
      { name: 'p256 peer off the curve', method: 'crypto.agree', params: () => ({ id: id('p256'), peerPublicKey: b64u(off), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'p256 peer infinity', method: 'crypto.agree', params: () => ({ id: id('p256'), peerPublicKey: b64u(Buffer.from([0])), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'p256 peer P-384 JWK', method: 'crypto.agree', params: () => ({ id: id('p256'), peerPublicKey: p384, raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'p256 peer private JWK', method: 'crypto.agree', params: () => ({ id: id('p256'), peerPublicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), raw: true }), kind: 'INVALID_REQUEST' },
      // SPKI peers are read (issue 9); one of another curve is not a P-256 key.
      { name: 'p256 peer is a P-384 SPKI', method: 'crypto.agree', params: () => ({ id: id('p256'), peerPublicKey: b64u(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' })), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'p256 peer is a truncated SPKI', method: 'crypto.agree', params: () => ({ id: id('p256'), peerPublicKey: b64u(createPublicKey({ key: keys.p256!.publicKey!.jwk as never, format: 'jwk' }).export({ format: 'der', type: 'spki' }).subarray(0, 60)), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'secp256k1 peer off the curve', method: 'crypto.agree', params: () => ({ id: id('secp256k1'), peerPublicKey: b64u(k1off), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'secp256k1 peer compressed x without a y', method: 'crypto.agree', params: () => ({ id: id('secp256k1'), peerPublicKey: b64u(k1NoY), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'secp256k1 peer is a p256 point', method: 'crypto.agree', params: () => ({ id: id('secp256k1'), peerPublicKey: b64u(p256.getPublicKey(p256.utils.randomSecretKey(), false)), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'x25519 peer all zero (low order)', method: 'crypto.agree', params: () => ({ id: id('x25519'), peerPublicKey: b64u(Buffer.alloc(32)), raw: true }), kind: 'INVALID_REQUEST' },
      { name: 'x25519 peer u = 1 (low order)', method: 'crypto.agree', params: () => ({ id: id('x25519'), peerPublicKey: b64u(Buffer.concat([Buffer.from([1]), Buffer.alloc(31)])) }), kind: 'INVALID_REQUEST' },
      { name: 'x25519 peer of 31 bytes', method: 'crypto.agree', params: () => ({ id: id('x25519'), peerPublicKey: b64u(randomBytes(31)) }), kind: 'INVALID_REQUEST' },
      { name: 'x25519 peer Ed25519 JWK', method: 'crypto.agree', params: () => ({ id: id('x25519'), peerPublicKey: keys.ed25519!.publicKey!.jwk! }), kind: 'INVALID_REQUEST' },
      { name: 'ml-kem encapsulation key with coefficients >= q', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'ml-kem-768', data: b64u(Buffer.alloc(1184, 0xff)) }), kind: 'INVALID_REQUEST' },
      { name: 'ml-dsa-44 raw of ml-dsa-65 size', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'ml-dsa-44', data: b64u(randomBytes(1952)) }), kind: 'INVALID_REQUEST' },
      { name: 'rsa-2048 spki of a 1024-bit key', method: 'keys.import', params: () => ({ format: 'spki', algorithm: 'rsa-2048', data: b64u(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' })) }), kind: 'INVALID_REQUEST' },
      { name: 'aes-256 raw of 24 bytes', method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'aes-256', data: b64u(randomBytes(24)) }), kind: 'INVALID_REQUEST' },
      { name: 'x25519 pkcs8 of an ed25519 key', method: 'keys.import', params: () => ({ format: 'pkcs8', algorithm: 'x25519', data: b64u(generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' })) }), kind: 'INVALID_REQUEST' },
    ];
    await runCases(cases);
  });

  it('wrapped bytes that are not a key of the named algorithm, and mismatched wrap modes, are INVALID_REQUEST', async () => {
    const w = await call<{ wrapped: string }>('crypto.wrapKey', { id: id('aesKek'), keyId: id('aes128'), mode: 'kwp' });
    // A secret whose length is not a multiple of 8 (AES-KW needs one): a 20-byte HMAC key. (An RSA PKCS#8 secret
    // would do only by chance: its DER length varies with the key.)
    const odd = await call<{ id: string }>('keys.import', { format: 'raw', algorithm: 'hmac-sha256', data: b64u(randomBytes(20)) });
    await runCases([
      { name: 'kwp unwrapped as kw', method: 'crypto.unwrapKey', params: () => ({ id: id('aesKek'), wrapped: w.wrapped, algorithm: 'aes-128', mode: 'kw' }), kind: 'INVALID_REQUEST' },
      { name: '16 bytes as an aes-256 key', method: 'crypto.unwrapKey', params: () => ({ id: id('aesKek'), wrapped: w.wrapped, algorithm: 'aes-256', mode: 'kwp' }), kind: 'INVALID_REQUEST' },
      { name: '16 bytes as an hd-seed', method: 'crypto.unwrapKey', params: () => ({ id: id('aesKek'), wrapped: w.wrapped, algorithm: 'hd-seed', mode: 'kwp' }), kind: 'INVALID_REQUEST' },
      { name: 'kw of a short blob', method: 'crypto.unwrapKey', params: () => ({ id: id('aesKek'), wrapped: b64u(randomBytes(16)), algorithm: 'aes-128' }), kind: 'INVALID_REQUEST' },
      { name: 'oaep of garbage', method: 'crypto.unwrapKey', params: () => ({ id: id('rsaKek'), wrapped: b64u(randomBytes(256)), algorithm: 'aes-128' }), kind: 'INVALID_REQUEST' },
      { name: 'kw of a 20-byte key (not a multiple of 8)', method: 'crypto.wrapKey', params: () => ({ id: id('aesKek'), keyId: odd.id, mode: 'kw' }), kind: 'INVALID_REQUEST' },
      { name: 'oaep of an RSA key (too long)', method: 'crypto.wrapKey', params: () => ({ id: id('rsaKek'), keyId: id('rsa') }), kind: 'INVALID_REQUEST' },
    ]);
  });
});

describe('HD paths and mnemonics', () => {
  it('bad derivation paths, non-hardened ed25519 paths and bad mnemonics are INVALID_REQUEST', async () => {
    const derive = (path: string, child?: string) => () => ({ id: id('seed'), path, ...(child ? { child } : {}) });
    const paths: Array<[string, () => Record<string, unknown>]> = [
      ['index 2^31', derive('m/2147483648')],
      ['hardened index 2^31', derive("m/2147483648'")],
      ['index 2^32', derive('m/4294967296')],
      ['negative index', derive('m/-1')],
      ['leading zero', derive('m/01')],
      ['double quote mark', derive("m/0''")],
      ['no m', derive("44'/60'/0'/0/0")],
      ['M', derive('M/0')],
      ['empty segment', derive('m//0')],
      ['trailing slash', derive('m/0/')],
      ['spaces', derive('m/ 0')],
      ['hex index', derive('m/0x10')],
      ['deeper than 255', derive('m' + '/0'.repeat(256))],
      ['ed25519 non-hardened leaf', derive("m/44'/501'/0'/0", 'ed25519')],
      ['ed25519 non-hardened first', derive('m/0', 'ed25519')],
    ];
    const cases: Case[] = paths.map(([name, params]) => ({ name, method: 'keys.derive', params, kind: 'INVALID_REQUEST' }));
    const valid = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    const mnemonics: Array<[string, string]> = [
      ['bad checksum', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon'],
      ['unknown word', valid.replace('about', 'aboutt')],
      ['11 words', valid.split(' ').slice(1).join(' ')],
      ['13 words', `${valid} about`],
      ['swapped words', 'about abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon'],
      ['another language', 'ábaco ábaco ábaco ábaco ábaco ábaco ábaco ábaco ábaco ábaco ábaco abierto'],
      ['digits', '1 2 3 4 5 6 7 8 9 10 11 12'],
    ];
    for (const [name, data] of mnemonics) cases.push({ name: `mnemonic: ${name}`, method: 'keys.import', params: () => ({ format: 'mnemonic', data }), kind: 'INVALID_REQUEST' });
    cases.push({ name: 'child x25519 (schema)', method: 'keys.derive', params: derive("m/0'", 'x25519'), kind: 'INVALID_REQUEST' });
    cases.push({ name: 'mnemonic for another algorithm', method: 'keys.import', params: () => ({ format: 'mnemonic', data: valid, algorithm: 'ed25519' }), kind: 'INVALID_REQUEST' });
    cases.push({ name: 'words 18', method: 'keys.generate', params: () => ({ algorithm: 'hd-seed', words: 18 }), kind: 'INVALID_REQUEST' });
    await runCases(cases);
    // The largest valid indices work.
    const edge = await call<KeyInfo>('keys.derive', { id: id('seed'), path: "m/2147483647'/2147483647" });
    expect(edge.derivation!.path).toBe("m/2147483647'/2147483647");
    const hOk = await call<KeyInfo>('keys.derive', { id: id('seed'), path: 'm/0H/1h', child: 'ed25519' });
    expect(hOk.derivation!.path).toBe("m/0'/1'");
  });
});

describe('bad base64url', () => {
  it('every bytes field refuses padding, other alphabets and impossible lengths with INVALID_REQUEST', async () => {
    const bad = ['YWJj=', 'ab+c', 'ab/c', 'abcde', 'ab c', 'YQ==', '\u00e9'];
    const cases: Case[] = [];
    for (const b of bad) {
      cases.push({ name: `sign data ${b}`, method: 'crypto.sign', params: () => ({ id: id('ed25519'), data: b }), kind: 'INVALID_REQUEST' });
      cases.push({ name: `verify signature ${b}`, method: 'crypto.verify', params: () => ({ id: id('ed25519'), data, signature: b }), kind: 'INVALID_REQUEST' });
      cases.push({ name: `decrypt iv ${b}`, method: 'crypto.decrypt', params: () => ({ id: id('aes'), data, iv: b, tag: iv(16) }), kind: 'INVALID_REQUEST' });
      cases.push({ name: `import raw ${b}`, method: 'keys.import', params: () => ({ format: 'raw', algorithm: 'ed25519', data: b }), kind: 'INVALID_REQUEST' });
      cases.push({ name: `agree peer ${b}`, method: 'crypto.agree', params: () => ({ id: id('x25519'), peerPublicKey: b }), kind: 'INVALID_REQUEST' });
      cases.push({ name: `mac ${b}`, method: 'crypto.macVerify', params: () => ({ id: id('hmac'), data, mac: b }), kind: 'INVALID_REQUEST' });
      cases.push({ name: `decapsulate ${b}`, method: 'crypto.decapsulate', params: () => ({ id: id('mlkem'), ciphertext: b }), kind: 'INVALID_REQUEST' });
    }
    cases.push({ name: 'JWK member padded', method: 'crypto.agree', params: () => ({ id: id('x25519'), peerPublicKey: { kty: 'OKP', crv: 'X25519', x: keys.x25519!.publicKey!.raw + '=' } }), kind: 'INVALID_REQUEST' });
    cases.push({ name: 'key id with padding', method: 'crypto.sign', params: () => ({ id: id('ed25519') + '==', data }), kind: 'INVALID_REQUEST' });
    cases.push({ name: 'unknown key id', method: 'crypto.sign', params: () => ({ id: 'AAAAAAAAAAAAAAAAAAAAAA', data }), kind: 'NOT_FOUND' });
    await runCases(cases);
  });
});

describe('after all that', () => {
  it('the KMS still serves: status, a signature node:crypto verifies, and an intact audit chain', async () => {
    expect((await call<{ state: string }>('kms.status', {})).state).toBe('unlocked');
    const sig = await call<{ signature: string }>('crypto.sign', { id: id('ed25519'), data });
    const pub = createPublicKey({ key: keys.ed25519!.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify(null, unb64u(data), pub, unb64u(sig.signature))).toBe(true);
    expect((await call<{ ok: boolean }>('audit.verify', {})).ok).toBe(true);
    expect(kms.host.child?.exitCode).toBeNull();
  });
});
