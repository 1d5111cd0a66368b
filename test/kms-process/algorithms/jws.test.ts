// JWS helpers: a compact JWS made with each spec over jwsSigningInput, for every JOSE alg the registry has a key for,
// verified by someone else's code: `jose` (RFC 7515 / 7518 / 8037 / 9864), node:crypto for ES256K (jose has no
// ES256K), and @noble/post-quantum over RFC 9964's signing input for ML-DSA (jose on Node 20 has no ML-DSA).
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlgorithmId } from '../../../kms-process/api/index.js';
import { createAlgorithmRegistry } from '../../../kms-process/algorithms/all.js';
import { defaultJwsAlg, JWS_ALGS, jwsAlgsFor, jwsCompact, jwsPlan, jwsSigningInput, type JwsAlg } from '../../../kms-process/algorithms/jws.js';
import { ALGORITHM_IDS } from '../../../kms-process/api/index.js';
import { expectKmsError } from './expectKmsError.js';

const registry = createAlgorithmRegistry();
const payload = JSON.stringify({ iss: 'did:example:123', iat: 1700000000 });
const ML_DSA = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;

/** Sign `alg` with a fresh key of `algorithm` through its spec, and verify it outside the KMS's code. */
async function signAndVerifyElsewhere(alg: JwsAlg, algorithm: AlgorithmId): Promise<void> {
  const spec = registry.get(algorithm);
  const m = spec.generate();
  const input = jwsSigningInput({ alg, typ: 'JWT' }, payload);
  const plan = jwsPlan(alg, algorithm);
  const jws = jwsCompact(input, spec.sign!(spec.loadPrivate(m), { data: input, ...plan.options }));
  expect(decodeProtectedHeader(jws)).toEqual({ alg, typ: 'JWT' });
  const [h, p, s] = jws.split('.') as [string, string, string];
  if (alg.startsWith('ML-DSA')) {
    // RFC 9964: pure ML-DSA over the JWS signing input with the empty context.
    expect(ML_DSA[alg as keyof typeof ML_DSA].verify(Buffer.from(s, 'base64url'), Buffer.from(`${h}.${p}`), m.publicRaw!)).toBe(true);
    return;
  }
  const key = createPublicKey({ key: Buffer.from(spec.exportKey!('spki', m, false) as Uint8Array), format: 'der', type: 'spki' });
  if (alg === 'ES256K') {
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))).toBe(true);
    return;
  }
  const { payload: got, protectedHeader } = await compactVerify(jws, key, { algorithms: [alg] });
  expect(protectedHeader.alg).toBe(alg);
  expect(new TextDecoder().decode(got)).toBe(payload);
}

describe('jws', () => {
  const cases = (Object.keys(JWS_ALGS) as JwsAlg[]).flatMap((alg) => JWS_ALGS[alg].algorithms.map((a) => [alg, a] as const));

  it('covers ES512 for p521, RS/PS 256-512 for every RSA size, EdDSA and Ed25519, ES256K, and ML-DSA', () => {
    expect(cases).toHaveLength(15 + 12); // 15 algs; the six RSA ones fit three key sizes each
    expect(jwsAlgsFor('p521')).toEqual(['ES512']);
    expect(jwsAlgsFor('rsa-3072')).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  });

  it.each(cases)('%s with a %s key verifies outside the KMS', async (alg, algorithm) => {
    await signAndVerifyElsewhere(alg, algorithm);
  }, 30_000);

  it('has a default alg for every key algorithm that signs, and names the algorithm where JOSE has none', () => {
    for (const id of ALGORITHM_IDS) {
      const signs = registry.get(id).operations.includes('sign');
      if (signs && id !== 'p224') expect(jwsAlgsFor(id)).toContain(defaultJwsAlg(id));
      else expectKmsError(() => defaultJwsAlg(id), 'UNSUPPORTED', new RegExp(`^${id} keys have no JOSE signature algorithm`));
    }
  });

  it('builds the RFC 7515 signing input (BASE64URL(header) . BASE64URL(payload))', () => {
    const input = new TextDecoder().decode(jwsSigningInput({ alg: 'ES256' }, new Uint8Array([0xff, 0x00])));
    expect(input).toBe(`${Buffer.from('{"alg":"ES256"}').toString('base64url')}._wA`);
  });

  it('refuses unknown algs, a key that does not fit (saying which algs fit it), and a header without alg', () => {
    expectKmsError(() => jwsPlan('HS256', 'hmac-sha256'), 'UNSUPPORTED');
    expectKmsError(() => jwsPlan('none', 'ed25519'), 'UNSUPPORTED');
    expectKmsError(() => jwsPlan('toString', 'ed25519'), 'UNSUPPORTED');
    expectKmsError(() => jwsPlan('ES256', 'secp256k1'), 'INVALID_REQUEST', /it makes ES256K/);
    expectKmsError(() => jwsPlan('PS256', 'p256'), 'INVALID_REQUEST', /it makes ES256/);
    expectKmsError(() => jwsPlan('ES512', 'x25519'), 'INVALID_REQUEST', /it makes no JWS/);
    expectKmsError(() => jwsSigningInput({ typ: 'JWT' }, payload), 'UNSUPPORTED');
    expectKmsError(() => jwsSigningInput([] as never, payload), 'INVALID_REQUEST');
  });
});
