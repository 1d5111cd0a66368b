// JWS compact serialisation helpers (RFC 7515) for the crypto service: the signing input, and which key algorithm
// and sign options each JOSE `alg` means here: RFC 7518 (ES*, RS*, PS*), RFC 8037 (EdDSA), RFC 8812 (ES256K),
// RFC 9864 (Ed25519, the fully specified name), RFC 9964 (ML-DSA-44/65/87, pure ML-DSA with an empty context).
import type { AlgorithmId } from '../api/common.js';
import type { SignInput } from './algorithm.js';
import { b64u, invalid, unsupported } from './specChecks.js';

export interface JwsPlan {
  /** Key algorithms that can make this `alg`. */
  algorithms: readonly AlgorithmId[];
  /** What to pass to the spec's `sign` with the signing input as data. */
  options: Pick<SignInput, 'scheme' | 'hash' | 'format'>;
}

const RSA: readonly AlgorithmId[] = ['rsa-2048', 'rsa-3072', 'rsa-4096'];
/** ECDSA JWS signatures are r||s (RFC 7518 section 3.4), which is the specs' default 'p1363' format. */
const ecdsa = (algorithm: AlgorithmId, hash: string): JwsPlan => ({ algorithms: [algorithm], options: { scheme: 'ecdsa', hash, format: 'p1363' } });
/** RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash (RFC 7518 section 3.5): the spec's PSS. */
const rsa = (scheme: 'pkcs1' | 'pss', hash: string): JwsPlan => ({ algorithms: RSA, options: { scheme, hash } });

export const JWS_ALGS = {
  EdDSA: { algorithms: ['ed25519'], options: {} },
  Ed25519: { algorithms: ['ed25519'], options: {} },
  ES256: ecdsa('p256', 'sha256'),
  ES384: ecdsa('p384', 'sha384'),
  ES512: ecdsa('p521', 'sha512'),
  ES256K: ecdsa('secp256k1', 'sha256'),
  RS256: rsa('pkcs1', 'sha256'),
  RS384: rsa('pkcs1', 'sha384'),
  RS512: rsa('pkcs1', 'sha512'),
  PS256: rsa('pss', 'sha256'),
  PS384: rsa('pss', 'sha384'),
  PS512: rsa('pss', 'sha512'),
  'ML-DSA-44': { algorithms: ['ml-dsa-44'], options: {} },
  'ML-DSA-65': { algorithms: ['ml-dsa-65'], options: {} },
  'ML-DSA-87': { algorithms: ['ml-dsa-87'], options: {} },
} as const satisfies Record<string, JwsPlan>;
export type JwsAlg = keyof typeof JWS_ALGS;

/** The JOSE alg a key signs with when the header names none (EdDSA rather than Ed25519: more verifiers know it). */
export const JWS_DEFAULT_ALG: Partial<Record<AlgorithmId, JwsAlg>> = {
  ed25519: 'EdDSA',
  p256: 'ES256',
  p384: 'ES384',
  p521: 'ES512',
  secp256k1: 'ES256K',
  'rsa-2048': 'PS256',
  'rsa-3072': 'PS256',
  'rsa-4096': 'PS256',
  'ml-dsa-44': 'ML-DSA-44',
  'ml-dsa-65': 'ML-DSA-65',
  'ml-dsa-87': 'ML-DSA-87',
};

const isJwsAlg = (alg: unknown): alg is JwsAlg => typeof alg === 'string' && Object.hasOwn(JWS_ALGS, alg);

/** The JOSE algs a key of `algorithm` can make. */
export function jwsAlgsFor(algorithm: AlgorithmId): JwsAlg[] {
  return (Object.keys(JWS_ALGS) as JwsAlg[]).filter((a) => (JWS_ALGS[a].algorithms as readonly AlgorithmId[]).includes(algorithm));
}

/** The alg a key of `algorithm` signs with by default; UNSUPPORTED, naming the algorithm, when JOSE has none. */
export function defaultJwsAlg(algorithm: AlgorithmId): JwsAlg {
  const alg = JWS_DEFAULT_ALG[algorithm];
  if (!alg) {
    const keys = [...new Set(Object.values(JWS_ALGS).flatMap((p) => p.algorithms))].join(', ');
    throw unsupported(`${algorithm} keys have no JOSE signature algorithm, so no JWS; JWS is made with ${keys} keys`);
  }
  return alg;
}

/** The plan for `alg` with a key of `algorithm`; UNSUPPORTED for an unknown alg, INVALID_REQUEST for a mismatch. */
export function jwsPlan(alg: string, algorithm: AlgorithmId): JwsPlan {
  if (!isJwsAlg(alg)) throw unsupported(`JWS alg '${alg.slice(0, 32)}' is not supported (supported: ${Object.keys(JWS_ALGS).join(', ')})`);
  const plan: JwsPlan = JWS_ALGS[alg];
  if (!plan.algorithms.includes(algorithm)) {
    const fits = jwsAlgsFor(algorithm);
    throw invalid(`JWS alg '${alg}' does not fit a ${algorithm} key (${fits.length ? `it makes ${fits.join(', ')}` : 'it makes no JWS'})`);
  }
  return plan;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * ASCII(BASE64URL(UTF8(JSON(header))) || '.' || BASE64URL(payload)) (RFC 7515 section 5.1). The header must name
 * a supported `alg`; a string payload is taken as UTF-8.
 */
export function jwsSigningInput(header: Record<string, unknown>, payload: Uint8Array | string): Uint8Array {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('JWS header must be an object');
  const alg = header['alg'];
  if (!isJwsAlg(alg)) throw unsupported(`JWS alg '${String(alg).slice(0, 32)}' is not supported`);
  const body = typeof payload === 'string' ? utf8(payload) : payload;
  return utf8(`${b64u(utf8(JSON.stringify(header)))}.${b64u(body)}`);
}

/** The compact serialisation: signing input '.' BASE64URL(signature). */
export function jwsCompact(signingInput: Uint8Array, signature: Uint8Array): string {
  return `${new TextDecoder().decode(signingInput)}.${b64u(signature)}`;
}
