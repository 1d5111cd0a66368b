// The short-Weierstrass curves the KMS signs with: names, sizes, fixed DER templates and a @noble/curves instance.
// node:crypto does the fast path; noble validates points and signs already-hashed digests (node cannot).
import { ecdsa, weierstrass, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha224 } from '@noble/hashes/sha2.js';

// P-224 is not in @noble/curves 2.x; these are its domain parameters from SEC 2 v2 section 2.4.2 (= FIPS 186-4
// D.1.2.2). Tests check this instance against OpenSSL's secp224r1 (same public keys, cross-verified signatures).
const p224 = ecdsa(
  weierstrass({
    p: BigInt('0xffffffffffffffffffffffffffffffff000000000000000000000001'),
    n: BigInt('0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d'),
    h: BigInt(1),
    a: BigInt('0xfffffffffffffffffffffffffffffffefffffffffffffffffffffffe'),
    b: BigInt('0xb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4'),
    Gx: BigInt('0xb70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21'),
    Gy: BigInt('0xbd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34'),
  }),
  sha224,
);

export interface EcCurve {
  /** JWK `crv` (RFC 7518 / 8812); 'P-224' has no JOSE registration and is used by analogy. */
  readonly jwkCrv: string;
  /** OpenSSL's name, as node:crypto reports it in `asymmetricKeyDetails.namedCurve`. */
  readonly nodeCurve: string;
  /** Bytes of a scalar (private key, r, s) and of a field element (x, y). */
  readonly scalarBytes: number;
  readonly fieldBytes: number;
  /**
   * PKCS#8 (RFC 5208) holding an ECPrivateKey (RFC 5915) with the curve OID and no public key: with a fixed scalar
   * length the DER is this fixed header followed by the scalar, as RFC 8410 does for Ed25519.
   */
  readonly pkcs8Prefix: Buffer;
  /** SubjectPublicKeyInfo (RFC 5480) of an uncompressed point: this header followed by the 04||x||y point. */
  readonly spkiPrefix: Buffer;
  readonly noble: ECDSA;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// id-ecPublicKey 1.2.840.10045.2.1 as an AlgorithmIdentifier's first element.
const EC_PUBLIC_KEY_OID = '06072a8648ce3d0201';

export const EC_CURVES = {
  p224: {
    jwkCrv: 'P-224',
    nodeCurve: 'secp224r1',
    scalarBytes: 28,
    fieldBytes: 28,
    // secp224r1 1.3.132.0.33
    pkcs8Prefix: hex(`303a 020100 3010 ${EC_PUBLIC_KEY_OID} 06052b81040021 0423 3021 020101 041c`),
    spkiPrefix: hex(`304e 3010 ${EC_PUBLIC_KEY_OID} 06052b81040021 033a00`),
    noble: p224,
  },
  p256: {
    jwkCrv: 'P-256',
    nodeCurve: 'prime256v1',
    scalarBytes: 32,
    fieldBytes: 32,
    // prime256v1 1.2.840.10045.3.1.7
    pkcs8Prefix: hex(`3041 020100 3013 ${EC_PUBLIC_KEY_OID} 06082a8648ce3d030107 0427 3025 020101 0420`),
    spkiPrefix: hex(`3059 3013 ${EC_PUBLIC_KEY_OID} 06082a8648ce3d030107 034200`),
    noble: p256,
  },
  p384: {
    jwkCrv: 'P-384',
    nodeCurve: 'secp384r1',
    scalarBytes: 48,
    fieldBytes: 48,
    // secp384r1 1.3.132.0.34
    pkcs8Prefix: hex(`304e 020100 3010 ${EC_PUBLIC_KEY_OID} 06052b81040022 0437 3035 020101 0430`),
    spkiPrefix: hex(`3076 3010 ${EC_PUBLIC_KEY_OID} 06052b81040022 036200`),
    noble: p384,
  },
  p521: {
    jwkCrv: 'P-521',
    nodeCurve: 'secp521r1',
    scalarBytes: 66,
    fieldBytes: 66,
    // secp521r1 1.3.132.0.35
    pkcs8Prefix: hex(`3060 020100 3010 ${EC_PUBLIC_KEY_OID} 06052b81040023 0449 3047 020101 0442`),
    spkiPrefix: hex(`30819b 3010 ${EC_PUBLIC_KEY_OID} 06052b81040023 03818600`),
    noble: p521,
  },
  secp256k1: {
    jwkCrv: 'secp256k1',
    nodeCurve: 'secp256k1',
    scalarBytes: 32,
    fieldBytes: 32,
    // secp256k1 1.3.132.0.10
    pkcs8Prefix: hex(`303e 020100 3010 ${EC_PUBLIC_KEY_OID} 06052b8104000a 0427 3025 020101 0420`),
    spkiPrefix: hex(`3056 3010 ${EC_PUBLIC_KEY_OID} 06052b8104000a 034200`),
    noble: secp256k1,
  },
} as const satisfies Record<string, EcCurve>;

export type EcCurveName = keyof typeof EC_CURVES;
