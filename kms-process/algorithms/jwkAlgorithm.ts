// Which algorithm a JWK is for: from kty/crv (RFC 7517, 7518, 8037), an AKP key's alg, an RSA key's modulus length;
// a symmetric (oct) JWK needs an explicit id.
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

/** AKP keys (ML-DSA, ML-KEM) name their parameter set in `alg`. */
const BY_AKP_ALG: Record<string, AlgorithmId> = {
  'ML-DSA-44': 'ml-dsa-44',
  'ML-DSA-65': 'ml-dsa-65',
  'ML-DSA-87': 'ml-dsa-87',
  'ML-KEM-768': 'ml-kem-768',
};
const RSA_BITS: Record<number, AlgorithmId> = { 2048: 'rsa-2048', 3072: 'rsa-3072', 4096: 'rsa-4096' };

export function algorithmForJwk(jwk: Jwk): AlgorithmId | undefined {
  if (typeof jwk.kty !== 'string') throw new KmsError('INVALID_REQUEST', 'the JWK has no kty', { data: { path: 'data.kty' } });
  if (typeof jwk.crv === 'string') return BY_CURVE[`${jwk.kty}/${jwk.crv}`];
  if (jwk.kty === 'AKP' && typeof jwk.alg === 'string') return BY_AKP_ALG[jwk.alg];
  // An RSA key's size is its modulus length (base64url of n without leading zero bytes).
  if (jwk.kty === 'RSA' && typeof jwk.n === 'string') return RSA_BITS[Buffer.from(jwk.n, 'base64url').length * 8];
  return undefined;
}
