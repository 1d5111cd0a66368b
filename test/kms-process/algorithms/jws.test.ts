// JWS helpers: compact JWS made with the specs over jwsSigningInput verify with node:crypto over the signing input.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlgorithmSpec } from '../../../kms-process/algorithms/algorithm.js';
import { p256Spec, p384Spec } from '../../../kms-process/algorithms/ecdsaNist.js';
import { ed25519Spec } from '../../../kms-process/algorithms/ed25519.js';
import { jwsCompact, jwsPlan, jwsSigningInput, type JwsAlg } from '../../../kms-process/algorithms/jws.js';
import { rsa2048Spec } from '../../../kms-process/algorithms/rsa.js';
import { secp256k1Spec } from '../../../kms-process/algorithms/secp256k1.js';
import { expectKmsError } from './expectKmsError.js';

const payload = JSON.stringify({ iss: 'did:example:123', iat: 1700000000 });

/** Checks a compact JWS the way a relying party would, with node:crypto. */
function nodeVerifies(jws: string, alg: JwsAlg, key: KeyObject): boolean {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const input = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  expect(JSON.parse(Buffer.from(h, 'base64url').toString()).alg).toBe(alg);
  switch (alg) {
    case 'EdDSA':
      return verify(null, input, key, sig);
    case 'ES256':
    case 'ES256K':
      return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'ES384':
      return verify('sha384', input, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'PS256':
      return verify('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  }
}

describe('jws', () => {
  const cases: [JwsAlg, AlgorithmSpec][] = [
    ['EdDSA', ed25519Spec as AlgorithmSpec],
    ['ES256', p256Spec as AlgorithmSpec],
    ['ES256K', secp256k1Spec as AlgorithmSpec],
    ['ES384', p384Spec as AlgorithmSpec],
    ['PS256', rsa2048Spec as AlgorithmSpec],
  ];

  it.each(cases)('%s: a compact JWS signed through the spec verifies with node:crypto', (alg, spec) => {
    const m = spec.generate();
    const input = jwsSigningInput({ alg, typ: 'JWT' }, payload);
    const plan = jwsPlan(alg, spec.id);
    const sig = spec.sign!(spec.loadPrivate(m), { data: input, ...plan.options });
    const jws = jwsCompact(input, sig);
    expect(jws.split('.')).toHaveLength(3);
    const spki = spec.exportKey!('spki', m, false) as Uint8Array;
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    expect(nodeVerifies(jws, alg, key)).toBe(true);
    // And the spec itself verifies the same signature over the same input.
    expect(spec.verify!(spec.loadPublic!(m.publicRaw!), { data: input, signature: sig, ...plan.options })).toBe(true);
  });

  it('builds the RFC 7515 signing input (BASE64URL(header) . BASE64URL(payload))', () => {
    const input = new TextDecoder().decode(jwsSigningInput({ alg: 'ES256' }, new Uint8Array([0xff, 0x00])));
    expect(input).toBe(`${Buffer.from('{"alg":"ES256"}').toString('base64url')}._wA`);
  });

  it('refuses unknown algs, a key that does not fit, and a header without alg', () => {
    expectKmsError(() => jwsPlan('HS256', 'hmac-sha256'), 'UNSUPPORTED');
    expectKmsError(() => jwsPlan('none', 'ed25519'), 'UNSUPPORTED');
    expectKmsError(() => jwsPlan('toString', 'ed25519'), 'UNSUPPORTED');
    expectKmsError(() => jwsPlan('ES256', 'secp256k1'), 'INVALID_REQUEST');
    expectKmsError(() => jwsPlan('PS256', 'p256'), 'INVALID_REQUEST');
    expectKmsError(() => jwsSigningInput({ typ: 'JWT' }, payload), 'UNSUPPORTED');
    expectKmsError(() => jwsSigningInput([] as never, payload), 'INVALID_REQUEST');
  });
});
