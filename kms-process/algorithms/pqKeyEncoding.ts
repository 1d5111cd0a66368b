// SubjectPublicKeyInfo for the post-quantum keys (RFC 9881 ML-DSA, RFC 9935 ML-KEM drafts' fixed form): the
// AlgorithmIdentifier is a bare OID (no parameters), so the DER is a fixed header followed by the raw public key.
import type { Jwk } from '../api/common.js';
import type { KeyMaterial } from './algorithm.js';
import { b64u, importJwk, invalid, jwkBytes, privateForExport, sameBytes } from './specChecks.js';

/** NIST CSOR OIDs 2.16.840.1.101.3.4.3.{17,18,19} (ML-DSA) and 2.16.840.1.101.3.4.4.2 (ML-KEM-768), DER-encoded. */
export const PQ_OIDS = {
  'ml-dsa-44': '0609608648016503040311',
  'ml-dsa-65': '0609608648016503040312',
  'ml-dsa-87': '0609608648016503040313',
  'ml-kem-768': '0609608648016503040402',
} as const;

function derLength(n: number): string {
  if (n < 0x80) return n.toString(16).padStart(2, '0');
  const hex = n.toString(16).padStart(n > 0xff ? 4 : 2, '0');
  return (0x80 + hex.length / 2).toString(16) + hex;
}

/** The DER header that precedes a public key of `keyBytes` bytes. */
export function spkiPrefix(oid: string, keyBytes: number): Buffer {
  const algId = `30${derLength(oid.length / 2)}${oid}`;
  const bitString = `03${derLength(keyBytes + 1)}00`;
  const inner = algId.length / 2 + bitString.length / 2 + keyBytes;
  return Buffer.from(`30${derLength(inner)}${algId}${bitString}`, 'hex');
}

export function spkiEncode(prefix: Buffer, key: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([prefix, key]));
}

export function spkiDecode(prefix: Buffer, keyBytes: number, der: Uint8Array, alg: string): Uint8Array {
  if (der.length !== prefix.length + keyBytes || !prefix.equals(der.subarray(0, prefix.length))) {
    throw invalid(`SPKI is not an ${alg} public key`);
  }
  return new Uint8Array(der.subarray(prefix.length));
}

/** What the AKP JWK form (draft-ietf-cose-dilithium / ML-KEM JOSE drafts) needs to know about one PQ key type. */
export interface AkpKeyType {
  id: string;
  /** JOSE `alg`, e.g. ML-DSA-65. */
  joseAlg: string;
  pkBytes: number;
  seedBytes: number;
  /** The key type's own check of a public key (length at least); returns it. */
  checkPublic(pk: Uint8Array): Uint8Array;
  publicFromSeed(seed: Uint8Array): Uint8Array;
}

/** `{kty: 'AKP', alg, pub, priv?}`: `priv` is the seed, and must give `pub`. */
export function akpJwkImport(t: AkpKeyType, data: Uint8Array | Jwk): KeyMaterial {
  const jwk = importJwk(data);
  if (jwk['kty'] !== 'AKP' || jwk['alg'] !== t.joseAlg) throw invalid(`JWK must be kty 'AKP', alg '${t.joseAlg}'`);
  const publicRaw = t.checkPublic(jwkBytes(jwk, 'pub', t.pkBytes));
  if (jwk['priv'] === undefined) return { publicRaw };
  const secret = jwkBytes(jwk, 'priv', t.seedBytes);
  if (!sameBytes(t.publicFromSeed(secret), publicRaw)) throw invalid(`JWK 'priv' does not match 'pub'`);
  return { secret, publicRaw };
}

export function akpJwkExport(t: AkpKeyType, publicRaw: Uint8Array, material: KeyMaterial, includePrivate: boolean): Jwk {
  const jwk: Jwk = { kty: 'AKP', alg: t.joseAlg, pub: b64u(publicRaw) };
  if (includePrivate) jwk['priv'] = b64u(privateForExport('jwk', material, includePrivate, t.id));
  return jwk;
}
