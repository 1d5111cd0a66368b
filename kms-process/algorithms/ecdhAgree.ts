// ECDH (SEC 1 section 3.3.1) on the short-Weierstrass curves for `agree`: the peer point is validated on the
// curve first (noble), then OpenSSL computes the shared x-coordinate. All these curves have cofactor 1.
import { createECDH } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { EcCurve } from './ecCurves.js';
import { normalizePoint } from './ecKeyEncoding.js';
import { expectJwkType, importJwk, invalid, isBytes, jwkBytes, parseSecret } from './specChecks.js';

/** The peer's public key as an uncompressed point: SEC1 bytes (either form) or a public EC JWK of this curve. */
export function peerPoint(curve: EcCurve, peer: Uint8Array | Jwk): Uint8Array {
  if (isBytes(peer)) return normalizePoint(curve, peer);
  const jwk = importJwk(peer);
  expectJwkType(jwk, 'EC', curve.jwkCrv);
  if (jwk['d'] !== undefined) throw invalid('the peer key must be a public JWK');
  const x = jwkBytes(jwk, 'x', curve.fieldBytes);
  const y = jwkBytes(jwk, 'y', curve.fieldBytes);
  return normalizePoint(curve, Uint8Array.from([0x04, ...x, ...y]));
}

/** The shared secret Z: the x-coordinate of d * Q, fixed length (field size). */
export function ecdhAgree(curve: EcCurve, secret: Uint8Array, peer: Uint8Array | Jwk): Uint8Array {
  const point = peerPoint(curve, peer);
  return parseSecret(`${curve.jwkCrv} key agreement`, () => {
    const ecdh = createECDH(curve.nodeCurve);
    ecdh.setPrivateKey(secret);
    return new Uint8Array(ecdh.computeSecret(point));
  });
}
