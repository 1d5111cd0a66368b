// ML-DSA specs: Wycheproof mldsa_65_verify_test.json (with context strings), SPKI against the file's DER, seed
// keygen, generate -> sign -> verify for 44/65/87 and bad input. (No second ML-DSA implementation is installed.)
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { describe, expect, it } from 'vitest';
import { mlDsa44Spec, mlDsa65Spec, mlDsa87Spec } from '../../../kms-process/algorithms/mlDsa.js';
import { expectKmsError, expectRejected } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

interface Group {
  publicKey: string;
  publicKeyDer: string;
  tests: (WycheproofTest & { msg: string; sig: string; ctx?: string })[];
}

describe('ml-dsa-65: Wycheproof mldsa_65_verify_test.json', () => {
  const file = loadWycheproof<Group>('mldsa_65_verify_test.json');
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => [t.tcId, t.result, t.comment, t, g] as const));
  it.each(cases)('tcId %i (%s: %s)', (_id, result, _c, t, g) => {
    const run = () => {
      const pub = mlDsa65Spec.loadPublic!(mlDsa65Spec.importKey!('raw', hex(g.publicKey)).publicRaw!);
      return mlDsa65Spec.verify!(pub, { data: hex(t.msg), signature: hex(t.sig), context: t.ctx === undefined ? undefined : hex(t.ctx) });
    };
    if (result === 'valid') expect(run()).toBe(true);
    else expectRejected(run); // wrong key/signature length, >255-byte context: typed errors; the rest false
  });

  it('our SPKI encoding equals the file\'s publicKeyDer', () => {
    for (const g of file.testGroups.filter((x) => x.publicKey.length === 2 * 1952)) {
      expect(mlDsa65Spec.exportKey!('spki', { publicRaw: hex(g.publicKey) }, false)).toEqual(hex(g.publicKeyDer));
      expect(mlDsa65Spec.importKey!('spki', hex(g.publicKeyDer))).toEqual({ publicRaw: hex(g.publicKey) });
    }
  });
});

describe('ml-dsa specs', () => {
  const nobles = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const;
  it.each([mlDsa44Spec, mlDsa65Spec, mlDsa87Spec])('$id: generate (32-byte seed) -> sign -> verify', (spec) => {
    const m = spec.generate();
    expect(m.secret).toHaveLength(32);
    const noble = nobles[spec.id as keyof typeof nobles];
    expect(noble.keygen(m.secret!).publicKey).toEqual(m.publicRaw); // FIPS 204 keygen from the stored seed
    const key = spec.loadPrivate(m);
    const data = new Uint8Array([1, 2, 3]);
    const context = new TextEncoder().encode('openwallet');
    const sig = spec.sign!(key, { data, context });
    expect(sig).toHaveLength(noble.lengths.signature!);
    expect(noble.verify(sig, data, m.publicRaw!, { context })).toBe(true);
    const pub = spec.loadPublic!(m.publicRaw!);
    expect(spec.verify!(pub, { data, signature: sig, context })).toBe(true);
    expect(spec.verify!(pub, { data, signature: sig })).toBe(false); // context is part of the message
    expect(spec.verify!(pub, { data: new Uint8Array([1]), signature: sig, context })).toBe(false);
    expect(spec.verify!(pub, { data, signature: sig.subarray(1), context })).toBe(false);
    const jwk = spec.exportKey!('jwk', m, true);
    expect(spec.importKey!('jwk', jwk as never)).toEqual(m);
    expect(spec.publicJwk!(m.publicRaw!)).toMatchObject({ kty: 'AKP', alg: spec.id.toUpperCase() });
  });

  it('rejects options and inputs it cannot take', () => {
    const m = mlDsa44Spec.generate();
    const key = mlDsa44Spec.loadPrivate(m);
    const data = new Uint8Array(1);
    expectKmsError(() => mlDsa44Spec.sign!(key, { data, prehashed: true }), 'UNSUPPORTED');
    expectKmsError(() => mlDsa44Spec.sign!(key, { data, hash: 'sha512' }), 'UNSUPPORTED');
    expectKmsError(() => mlDsa44Spec.sign!(key, { data, scheme: 'slh-dsa' }), 'UNSUPPORTED');
    expectKmsError(() => mlDsa44Spec.sign!(key, { data, context: new Uint8Array(256) }), 'INVALID_REQUEST');
    expectKmsError(() => mlDsa44Spec.importKey!('raw', new Uint8Array(1311)), 'INVALID_REQUEST');
    expectKmsError(() => mlDsa44Spec.importKey!('spki', mlDsa65Spec.exportKey!('spki', mlDsa65Spec.generate(), false) as Uint8Array), 'INVALID_REQUEST');
    expectKmsError(() => mlDsa44Spec.importKey!('jwk', { ...(mlDsa44Spec.publicJwk!(m.publicRaw!)), alg: 'ML-DSA-65' }), 'INVALID_REQUEST');
    expectKmsError(() => mlDsa44Spec.importKey!('pkcs8', new Uint8Array(50)), 'UNSUPPORTED');
    expectKmsError(() => mlDsa44Spec.loadPrivate({ secret: new Uint8Array(31) }), 'CORRUPT');
    expectKmsError(() => mlDsa44Spec.loadPrivate({ secret: m.secret!, publicRaw: mlDsa44Spec.generate().publicRaw! }), 'CORRUPT');
  });
});
