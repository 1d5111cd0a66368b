// Which algorithm a JWK is for, from its kty/crv (RFC 7517, 7518, 8037); symmetric and RSA JWKs need an explicit id.
import { KmsError, type AlgorithmId, type Jwk } from '../api/index.js';

const BY_CURVE: Record<string, AlgorithmId> = {
  'OKP/Ed25519': 'ed25519',
  'OKP/X25519': 'x25519',
  'EC/P-224': 'p224',
  'EC/P-256': 'p256',
  'EC/P-384': 'p384',
  'EC/P-521': 'p521',
  'EC/secp256k1': 'secp256k1',
};

export function algorithmForJwk(jwk: Jwk): AlgorithmId | undefined {
  if (typeof jwk.kty !== 'string') throw new KmsError('INVALID_REQUEST', 'the JWK has no kty', { data: { path: 'data.kty' } });
  if (typeof jwk.crv === 'string') return BY_CURVE[`${jwk.kty}/${jwk.crv}`];
  return undefined;
}
