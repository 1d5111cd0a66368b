// Input checks shared by the algorithm files: every bad input becomes a KmsError with a stable kind.
// Messages name the problem, never a value: no key bytes, no scalars, and no library cause for secret inputs.
import { timingSafeEqual } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import { KmsError } from '../api/errors.js';
import type { ExportFormat, ImportFormat, KeyMaterial } from './algorithm.js';

/** Malformed input: wrong length, bad encoding, a key that is not a key of this algorithm. */
export function invalid(message: string, cause?: unknown): KmsError {
  return new KmsError('INVALID_REQUEST', message, cause === undefined ? undefined : { cause });
}

/** A well-formed option value (scheme, hash, format, mode) that this algorithm does not offer. */
export function unsupported(message: string): KmsError {
  return new KmsError('UNSUPPORTED', message);
}

/**
 * The one answer for an AEAD ciphertext that fails authentication (wrong key, tag, IV, AAD or ciphertext):
 * INVALID_REQUEST with this fixed message. `TAMPERED` is reserved for the keystore's own records.
 */
export const AUTHENTICATION_FAILED = 'ciphertext failed authentication';
export function authenticationFailed(): KmsError {
  return new KmsError('INVALID_REQUEST', AUTHENTICATION_FAILED);
}

/** Rejects an option the caller set that this algorithm has no use for. */
export function rejectOption(alg: string, name: string, value: unknown): void {
  if (value !== undefined) throw unsupported(`${alg} does not support '${name}' = ${JSON.stringify(value)}`);
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** The import data as bytes (raw, pkcs8, spki); a JWK object there is a request error. */
export function importBytes(format: ImportFormat, data: Uint8Array | Jwk): Uint8Array {
  if (!isBytes(data)) throw invalid(`${format} import expects bytes`);
  return data;
}

/** The import data as a JWK object. */
export function importJwk(data: Uint8Array | Jwk): Jwk {
  if (isBytes(data) || typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid('jwk import expects a JSON Web Key object');
  }
  return data;
}

/** Checks `kty` (and `crv` when given) of an arriving JWK. */
export function expectJwkType(jwk: Jwk, kty: string, crv?: string): void {
  if (jwk['kty'] !== kty) throw invalid(`JWK 'kty' must be '${kty}'`);
  if (crv !== undefined && jwk['crv'] !== crv) throw invalid(`JWK 'crv' must be '${crv}'`);
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** A base64url JWK member, strictly decoded; `length` is exact or [min, max]. */
export function jwkBytes(jwk: Jwk, member: string, length: number | readonly [number, number]): Uint8Array {
  const text = jwk[member];
  if (typeof text !== 'string') throw invalid(`JWK '${member}' must be a base64url string`);
  if (!B64URL.test(text) || text.length % 4 === 1) throw invalid(`JWK '${member}' is not base64url without padding`);
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  const [min, max] = typeof length === 'number' ? [length, length] : length;
  if (bytes.length < min || bytes.length > max) throw invalid(`JWK '${member}' has the wrong length`);
  return bytes;
}

export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Exactly `length` bytes; the message names the expected and the actual length (lengths are not secret). */
export function requireLength(bytes: Uint8Array | undefined, length: number, what: string, hint = ''): Uint8Array {
  if (!bytes || bytes.length !== length) throw invalid(`${what} must be ${length} bytes, not ${bytes?.length ?? 0}${hint}`);
  return bytes;
}

/** The secret part of stored or imported material. */
export function requireSecret(material: KeyMaterial, alg: string): Uint8Array {
  if (!material.secret) throw invalid(`${alg} key has no private part`);
  return material.secret;
}

/** Private exports (pkcs8, JWK `d`, a symmetric key's bytes) need `includePrivate` and a private part. */
export function privateForExport(
  format: ExportFormat,
  material: KeyMaterial,
  includePrivate: boolean,
  alg: string,
): Uint8Array {
  if (!includePrivate) throw invalid(`${format} export of a ${alg} key is a private export`);
  return requireSecret(material, alg);
}

/** Constant-time equality; a length difference is not secret and answers false at once. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Runs a library call on public, caller-supplied bytes (a key, a signature) and maps a throw to INVALID_REQUEST. */
export function parsePublic<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KmsError) throw e;
    throw invalid(`${what} is malformed`, e);
  }
}

/**
 * Runs a library call on secret bytes; a throw becomes INVALID_REQUEST without the library's error as cause,
 * because some libraries quote the offending value (a scalar) in their messages.
 */
export function parseSecret<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KmsError) throw e;
    throw invalid(`${what} is malformed`);
  }
}

/**
 * `loadPrivate` / `loadPublic` read what the keystore stored (already authenticated there), so material that does
 * not load is CORRUPT, not a caller's mistake; no cause, as the material may be secret.
 */
export function loadStored<T>(alg: string, fn: () => T): T {
  try {
    return fn();
  } catch {
    throw new KmsError('CORRUPT', `stored ${alg} key material is malformed`);
  }
}

/** Verification over attacker-controlled signature bytes: a library throw means "not a valid signature". */
export function verifyOrFalse(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
