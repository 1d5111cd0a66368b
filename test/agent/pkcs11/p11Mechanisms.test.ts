// The PKCS#11 engine's pure parts: mechanism checks and what each becomes for the KMS, attribute matching, and the
// DER the objects carry, with fast-check over inputs a consumer may send.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttrCodec, matches } from '../../../agent/pkcs11/p11Attributes.js';
import { CKA, CKG, CKM, CKR } from '../../../agent/pkcs11/p11Constants.js';
import { octetString, peerKeyBytes } from '../../../agent/pkcs11/p11Der.js';
import { outputLength, planOperation, signRequest, type OpPlan } from '../../../agent/pkcs11/p11Mechanisms.js';
import type { P11Key } from '../../../agent/pkcs11/p11Objects.js';

const ec: P11Key = { id: 'k', ckaId: new Uint8Array(16), label: 'k', algorithm: 'p256', family: 'ec', bits: 256, purposes: ['sign', 'verify', 'agree'], requiresApproval: false };
const rsa: P11Key = { ...ec, algorithm: 'rsa-2048', family: 'rsa', bits: 2048, purposes: ['sign', 'verify', 'decrypt', 'encrypt'] };

describe('planOperation', () => {
  it('refuses mechanisms the key family, its purposes or the operation do not have', () => {
    expect(planOperation('sign', { type: CKM.EDDSA }, ec)).toBe(CKR.KEY_TYPE_INCONSISTENT);
    expect(planOperation('decrypt', { type: CKM.ECDSA }, ec)).toBe(CKR.MECHANISM_INVALID);
    expect(planOperation('sign', { type: 0x12345 }, ec)).toBe(CKR.MECHANISM_INVALID);
    expect(planOperation('sign', { type: CKM.ECDSA }, { ...ec, purposes: ['verify'] })).toBe(CKR.KEY_FUNCTION_NOT_PERMITTED);
    expect(planOperation('sign', { type: CKM.ECDSA, params: { raw: '00' } }, ec)).toBe(CKR.MECHANISM_PARAM_INVALID);
  });

  it('PSS parameters must be the hash of the mechanism, MGF1 of the same hash, and a salt of the digest length', () => {
    const ok = { hashAlg: CKM.SHA384, mgf: CKG.MGF1_SHA384, sLen: 48 };
    expect(typeof planOperation('sign', { type: CKM.SHA384_RSA_PKCS_PSS, params: ok }, rsa)).toBe('object');
    fc.assert(
      fc.property(fc.record({ hashAlg: fc.constantFrom(CKM.SHA256, CKM.SHA384, CKM.SHA512, CKM.SHA_1), mgf: fc.constantFrom(CKG.MGF1_SHA1, CKG.MGF1_SHA256, CKG.MGF1_SHA384), sLen: fc.integer({ min: 0, max: 100 }) }), (p) => {
        const plan = planOperation('sign', { type: CKM.SHA384_RSA_PKCS_PSS, params: p }, rsa);
        const valid = p.hashAlg === CKM.SHA384 && p.mgf === CKG.MGF1_SHA384 && p.sLen === 48;
        expect(typeof plan === 'object').toBe(valid);
      }),
    );
  });

  it('GCM takes a 96-bit IV and a 128-bit tag only; OAEP SHA-256 only', () => {
    const aes: P11Key = { ...ec, algorithm: 'aes-256', family: 'aes', bits: 256, purposes: ['encrypt', 'decrypt'] };
    expect(typeof planOperation('encrypt', { type: CKM.AES_GCM, params: { iv: '00'.repeat(12), tagBits: 128, aad: '' } }, aes)).toBe('object');
    expect(planOperation('encrypt', { type: CKM.AES_GCM, params: { iv: '00'.repeat(16), tagBits: 128 } }, aes)).toBe(CKR.MECHANISM_PARAM_INVALID);
    expect(planOperation('encrypt', { type: CKM.AES_GCM, params: { iv: '00'.repeat(12), tagBits: 96 } }, aes)).toBe(CKR.MECHANISM_PARAM_INVALID);
    expect(planOperation('decrypt', { type: CKM.RSA_PKCS_OAEP, params: { hashAlg: CKM.SHA_1, mgf: CKG.MGF1_SHA1, source: 0, sourceData: '' } }, rsa)).toBe(CKR.MECHANISM_PARAM_INVALID);
  });
});

describe('signRequest', () => {
  it('CKM_ECDSA takes SHA-224/256/384/512 digests by length and nothing else', () => {
    const plan = planOperation('sign', { type: CKM.ECDSA }, ec) as OpPlan;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (data) => {
        const r = signRequest(plan, Buffer.from(data));
        const hash = { 28: 'sha224', 32: 'sha256', 48: 'sha384', 64: 'sha512' }[data.length];
        if (hash) expect(r).toMatchObject({ opts: { hash, prehashed: true, format: 'p1363' } });
        else expect(r).toBe(CKR.DATA_LEN_RANGE);
      }),
    );
  });

  it('CKM_RSA_PKCS names the hash of a SHA-2 DigestInfo (the KMS checks the digest length) and passes other input as it is', () => {
    const plan = planOperation('sign', { type: CKM.RSA_PKCS }, rsa) as OpPlan;
    const digest = createHash('sha512').update('x').digest();
    const info = Buffer.concat([Buffer.from('3051300d060960864801650304020305000440', 'hex'), digest]);
    expect(signRequest(plan, info)).toEqual({ data: digest, opts: { scheme: 'pkcs1', hash: 'sha512', prehashed: true } });
    const tls11 = Buffer.alloc(36, 1);
    expect(signRequest(plan, tls11)).toEqual({ data: tls11, opts: { scheme: 'pkcs1', prehashed: true } });
    expect(outputLength(plan, 0)).toBe(256);
  });
});

describe('attributes and DER', () => {
  it('templates match byte for byte, booleans by truth, and never a sensitive value', () => {
    const c = new AttrCodec(8);
    const attrs = new Map<number, Uint8Array | 'sensitive'>([[CKA.CLASS, c.ulong(3)], [CKA.SIGN, c.bool(true)], [CKA.VALUE, 'sensitive']]);
    expect(matches(attrs, [{ t: CKA.CLASS, v: c.ulong(3) }, { t: CKA.SIGN, v: Uint8Array.of(0xff) }])).toBe(true);
    expect(matches(attrs, [{ t: CKA.CLASS, v: new AttrCodec(4).ulong(3) }])).toBe(false);
    expect(matches(attrs, [{ t: CKA.VALUE, v: new Uint8Array(0) }])).toBe(false);
    expect(matches(attrs, [{ t: CKA.LABEL, v: new Uint8Array(0) }])).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(c.readUlong(c.ulong(n))).toBe(n);
      }),
    );
  });

  it('a peer point comes raw or as CKA_EC_POINT does (a DER OCTET STRING), for any point length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (point) => {
        expect(Buffer.from(peerKeyBytes(octetString(point), [point.length])!)).toEqual(Buffer.from(point));
        expect(Buffer.from(peerKeyBytes(point, [point.length])!)).toEqual(Buffer.from(point));
        expect(peerKeyBytes(point, [point.length + 1])).toBeUndefined();
      }),
    );
  });
});
