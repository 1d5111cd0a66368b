// JWS compact serialisation helpers (RFC 7515) for the crypto service: the signing input, and which key algorithm
// and sign options each JOSE `alg` (RFC 7518, RFC 8037, RFC 8812) means here.
import type { AlgorithmId } from '../api/common.js';
import type { SignInput } from './algorithm.js';
import { b64u, invalid, unsupported } from './specChecks.js';

export type JwsAlg = 'EdDSA' | 'ES256' | 'ES256K' | 'ES384' | 'PS256';

export interface JwsPlan {
  /** Key algorithms that can make this `alg`. */
  algorithms: readonly AlgorithmId[];
  /** What to pass to the spec's `sign` with the signing input as data. */
  options: Pick<SignInput, 'scheme' | 'hash' | 'format'>;
}

/** ECDSA JWS signatures are r||s (RFC 7518 section 3.4), which is the specs' default 'p1363' format. */
export const JWS_ALGS: Readonly<Record<JwsAlg, JwsPlan>> = {
  EdDSA: { algorithms: ['ed25519'], options: {} },
  ES256: { algorithms: ['p256'], options: { scheme: 'ecdsa', hash: 'sha256', format: 'p1363' } },
  ES256K: { algorithms: ['secp256k1'], options: { scheme: 'ecdsa', hash: 'sha256', format: 'p1363' } },
  ES384: { algorithms: ['p384'], options: { scheme: 'ecdsa', hash: 'sha384', format: 'p1363' } },
  PS256: { algorithms: ['rsa-2048', 'rsa-3072', 'rsa-4096'], options: { scheme: 'pss', hash: 'sha256' } },
};

/** The plan for `alg` with a key of `algorithm`; UNSUPPORTED for an unknown alg, INVALID_REQUEST for a mismatch. */
export function jwsPlan(alg: string, algorithm: AlgorithmId): JwsPlan {
  const plan = Object.hasOwn(JWS_ALGS, alg) ? JWS_ALGS[alg as JwsAlg] : undefined;
  if (!plan) throw unsupported(`JWS alg '${alg}' is not supported`);
  if (!plan.algorithms.includes(algorithm)) throw invalid(`JWS alg '${alg}' does not fit a ${algorithm} key`);
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
  if (typeof alg !== 'string' || !Object.hasOwn(JWS_ALGS, alg)) throw unsupported(`JWS alg '${String(alg)}' is not supported`);
  const body = typeof payload === 'string' ? utf8(payload) : payload;
  return utf8(`${b64u(utf8(JSON.stringify(header)))}.${b64u(body)}`);
}

/** The compact serialisation: signing input '.' BASE64URL(signature). */
export function jwsCompact(signingInput: Uint8Array, signature: Uint8Array): string {
  return `${new TextDecoder().decode(signingInput)}.${b64u(signature)}`;
}
