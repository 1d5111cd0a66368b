// SubjectPublicKeyInfo for the post-quantum keys (RFC 9881 ML-DSA, RFC 9935 ML-KEM drafts' fixed form): the
// AlgorithmIdentifier is a bare OID (no parameters), so the DER is a fixed header followed by the raw public key.
import { invalid } from './specChecks.js';

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
