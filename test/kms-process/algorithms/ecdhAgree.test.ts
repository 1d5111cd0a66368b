// ECDH `agree` of the NIST specs and secp256k1: Wycheproof ecdh_secp256r1 / ecdh_secp256k1 (public keys as SPKI,
// imported through the spec), OpenSSL vs @noble/curves on random keys, and invalid peer points.
import { createECDH } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlgorithmSpec } from '../../../kms-process/algorithms/algorithm.js';
import { p224Spec, p256Spec, p384Spec, p521Spec } from '../../../kms-process/algorithms/ecdsaNist.js';
import { secp256k1Spec } from '../../../kms-process/algorithms/secp256k1.js';
import { KmsError } from '../../../kms-process/api/errors.js';
import { expectKmsError } from './expectKmsError.js';
import { hex, loadWycheproof, type WycheproofTest } from './wycheproof.js';

interface EcdhTest extends WycheproofTest {
  public: string;
  private: string;
  shared: string;
}

/** Wycheproof private keys are ASN.1 INTEGER contents (a leading 00, or fewer bytes); we store fixed 32 bytes. */
function scalar32(h: string): Uint8Array {
  const v = BigInt('0x' + (h || '0'));
  return hex(v.toString(16).padStart(64, '0'));
}

/** How an `acceptable` vector is pinned, by flag (the reason is the comment). */
function acceptableOutcome(flags: string[]): 'shared' | 'rejected' {
  // CompressedPublic / CompressedPoint: SEC1 allows compressed points; OpenSSL parses them and so do we.
  if (flags.includes('CompressedPublic') || flags.includes('CompressedPoint')) return 'shared';
  // InvalidAsn (BER, long lengths, trailing data), UnusedParam, UnnamedCurve (explicit parameters), WrongOrder,
  // ModifiedGenerator/Cofactor, ModifiedCurveParameter, NoCofactor: we import only DER SPKI with a named curve
  // that re-encodes to the same point, so these are refused with INVALID_REQUEST.
  return 'rejected';
}

function runWycheproof(file: string, spec: AlgorithmSpec) {
  const tests = loadWycheproof<{ tests: EcdhTest[] }>(file).testGroups.flatMap((g) => g.tests);
  it.each(tests.map((t) => [t.tcId, t.result, t.flags.join(','), t] as const))('tcId %i (%s %s)', (_id, _r, _f, t) => {
    const run = () => {
      const { publicRaw } = spec.importKey!('spki', hex(t.public));
      return spec.agree!(spec.loadPrivate({ secret: scalar32(t.private) }), publicRaw!);
    };
    const expected = t.result === 'acceptable' ? acceptableOutcome(t.flags) : t.result === 'valid' ? 'shared' : 'rejected';
    if (expected === 'shared') {
      expect(run()).toEqual(hex(t.shared));
      return;
    }
    let out: unknown;
    try {
      out = run();
    } catch (e) {
      expect(e).toBeInstanceOf(KmsError);
      expect((e as KmsError).kind).toBe('INVALID_REQUEST');
      return;
    }
    expect.fail(`tcId ${t.tcId} should have been refused, got ${String(out)}`);
  });
}

describe('ECDH: Wycheproof ecdh_secp256r1_test.json through p256', () => runWycheproof('ecdh_secp256r1_test.json', p256Spec));
describe('ECDH: Wycheproof ecdh_secp256k1_test.json through secp256k1', () =>
  runWycheproof('ecdh_secp256k1_test.json', secp256k1Spec));

describe('ECDH: cross-checks and bad input', () => {
  const nobles = { p256Spec: p256, p384Spec: p384, p521Spec: p521, secp256k1Spec: secp256k1 } as const;
  const specs = { p256Spec, p384Spec, p521Spec, secp256k1Spec } as const;

  it.each(Object.keys(specs) as (keyof typeof specs)[])('%s: generate -> agree both ways = OpenSSL = @noble/curves', (name) => {
    const spec = specs[name] as AlgorithmSpec;
    const a = spec.generate();
    const b = spec.generate();
    const ab = spec.agree!(spec.loadPrivate(a), b.publicRaw!);
    expect(spec.agree!(spec.loadPrivate(b), a.publicRaw!)).toEqual(ab);
    expect(nobles[name].getSharedSecret(a.secret!, b.publicRaw!).subarray(1)).toEqual(ab);
    expect(spec.agree!(spec.loadPrivate(a), spec.publicJwk!(b.publicRaw!))).toEqual(ab); // peer as JWK
  });

  it('p224: generate -> agree equals OpenSSL', () => {
    const a = p224Spec.generate();
    const b = createECDH('secp224r1');
    b.generateKeys();
    const ours = p224Spec.agree!(p224Spec.loadPrivate(a), new Uint8Array(b.getPublicKey()));
    expect(ours).toEqual(new Uint8Array(b.computeSecret(a.publicRaw!)));
  });

  it('OpenSSL (our path) and @noble/curves agree on random P-256 and secp256k1 keys', () => {
    for (const [spec, noble, curveName] of [
      [p256Spec, p256, 'prime256v1'],
      [secp256k1Spec, secp256k1, 'secp256k1'],
    ] as const) {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (d1, d2) => {
          fc.pre(noble.utils.isValidSecretKey(d1) && noble.utils.isValidSecretKey(d2));
          const peer = noble.getPublicKey(d2, true);
          const ours = (spec as AlgorithmSpec).agree!((spec as AlgorithmSpec).loadPrivate({ secret: d1 }), peer);
          expect(ours).toEqual(noble.getSharedSecret(d1, peer).subarray(1));
          void curveName;
        }),
        { numRuns: 50 },
      );
    }
  });

  it('rejects invalid curve points, wrong curves and malformed JWKs', () => {
    const key = p256Spec.loadPrivate(p256Spec.generate());
    const good = p256Spec.generate().publicRaw!;
    const offCurve = new Uint8Array(good);
    offCurve[64]! ^= 1; // y changed: not on the curve (invalid-curve attack input)
    expectKmsError(() => p256Spec.agree!(key, offCurve), 'INVALID_REQUEST');
    expectKmsError(() => p256Spec.agree!(key, good.subarray(0, 64)), 'INVALID_REQUEST');
    expectKmsError(() => p256Spec.agree!(key, new Uint8Array([0])), 'INVALID_REQUEST'); // point at infinity
    const k1Point = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false); // a secp256k1 point
    expectKmsError(() => p256Spec.agree!(key, k1Point), 'INVALID_REQUEST');
    const jwk = p256Spec.publicJwk!(good);
    expectKmsError(() => p256Spec.agree!(key, { ...jwk, crv: 'P-384' }), 'INVALID_REQUEST');
    expectKmsError(() => p256Spec.agree!(key, { ...jwk, y: undefined } as never), 'INVALID_REQUEST');
    expectKmsError(() => p256Spec.agree!(key, { ...jwk, d: 'AAAA' }), 'INVALID_REQUEST');
    expectKmsError(() => p256Spec.agree!(key, { ...jwk, x: jwk['x'] + '=' }), 'INVALID_REQUEST');
  });
});
