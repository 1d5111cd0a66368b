// The pieces of the kmip provider no PyKMIP server exercises (it makes RSA pairs only): ECDSA signatures from DER
// (what KMIP servers answer) to P1363 and back, checked by node:crypto; public keys in the forms servers hand out;
// the same defaults and refusals as the software keys' sign options.
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cipherParams, derToP1363, p1363ToDer, publicRawFrom, signParams } from '../../../../kms-process/providers/kmip/kmipAlgorithms.js';
import { BLOCK_CIPHER_MODE, HASHING_ALGORITHM, KEY_FORMAT_TYPE, PADDING_METHOD } from '../../../../kms-process/providers/kmip/kmipTags.js';

describe('ECDSA signature forms', () => {
  for (const [id, curve, hash] of [['p256', 'prime256v1', 'sha256'], ['p384', 'secp384r1', 'sha384'], ['p521', 'secp521r1', 'sha512']] as const) {
    it(`${id}: DER from node:crypto -> P1363 verifies with node:crypto, and back to the same DER`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
          const der = nodeSign(hash, data, { key: privateKey, dsaEncoding: 'der' });
          const p1363 = derToP1363(id, der);
          expect(nodeVerify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
          expect(Buffer.from(p1363ToDer(id, p1363)!)).toEqual(der);
        }),
        { numRuns: 30 },
      );
      expect(p1363ToDer(id, new Uint8Array(7))).toBeUndefined();
    });
  }
});

describe('public keys as servers send them', () => {
  it('RSA in PKCS#1 (PyKMIP) and X.509 SPKI both become SPKI; a key of the wrong size is refused', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const pkcs1 = publicKey.export({ format: 'der', type: 'pkcs1' });
    expect(Buffer.from(publicRawFrom('rsa-2048', { objectType: 3, keyFormatType: KEY_FORMAT_TYPE.PKCS1, material: pkcs1 }))).toEqual(spki);
    expect(Buffer.from(publicRawFrom('rsa-2048', { objectType: 3, keyFormatType: KEY_FORMAT_TYPE.X509, material: spki }))).toEqual(spki);
    expect(() => publicRawFrom('rsa-3072', { objectType: 3, keyFormatType: KEY_FORMAT_TYPE.X509, material: spki })).toThrow(/not a rsa-3072 key/);
    expect(() => publicRawFrom('rsa-2048', { objectType: 3, keyFormatType: KEY_FORMAT_TYPE.Raw, material: spki })).toThrow(/Key Format Type/);
  });

  it('EC in X.509 SPKI becomes the uncompressed point', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const raw = publicRawFrom('p256', { objectType: 3, keyFormatType: KEY_FORMAT_TYPE.X509, material: publicKey.export({ format: 'der', type: 'spki' }) });
    const jwk = publicKey.export({ format: 'jwk' });
    expect(Buffer.from(raw)).toEqual(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]));
  });
});

describe('operation parameters', () => {
  it('RSA: PSS SHA-256 by default, PKCS#1 v1.5 on request; the software keys\' refusals', () => {
    expect(signParams('rsa-2048', { data: new Uint8Array() }).params).toMatchObject({ paddingMethod: PADDING_METHOD.PSS, hashingAlgorithm: HASHING_ALGORITHM.SHA256 });
    expect(signParams('rsa-2048', { data: new Uint8Array(), scheme: 'pkcs1', hash: 'sha512' }).params).toMatchObject({ paddingMethod: PADDING_METHOD.PKCS1v15, hashingAlgorithm: HASHING_ALGORITHM.SHA512 });
    for (const bad of [{ prehashed: true }, { format: 'der' }, { scheme: 'ecdsa' }, { hash: 'keccak256' }]) {
      expect(() => signParams('rsa-2048', { data: new Uint8Array(), ...bad })).toThrow();
    }
  });

  it('ECDSA: the curve\'s hash and P1363 by default; AES: GCM with 96-bit IV and 128-bit tag by default', () => {
    expect(signParams('p384', { data: new Uint8Array() })).toMatchObject({ params: { hashingAlgorithm: HASHING_ALGORITHM.SHA384 }, p1363: true });
    expect(signParams('p256', { data: new Uint8Array(), format: 'der' }).p1363).toBe(false);
    expect(cipherParams('aes-256', undefined)).toMatchObject({ mode: 'gcm', ivBytes: 12, params: { blockCipherMode: BLOCK_CIPHER_MODE.GCM, tagLength: 16 } });
    expect(cipherParams('aes-128', 'cbc')).toMatchObject({ ivBytes: 16, params: { paddingMethod: PADDING_METHOD.PKCS5 } });
    expect(() => cipherParams('aes-256', 'ecb')).toThrow(/gcm/);
  });
});
