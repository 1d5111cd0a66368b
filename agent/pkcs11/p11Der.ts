// The DER pieces PKCS#11 wants for EC keys: CKA_EC_PARAMS is the curve's OID (RFC 5480, RFC 8410), CKA_EC_POINT the
// point (or the Edwards/Montgomery public key) as an OCTET STRING. Encoded with noble's TLV helper.
import { DER } from '@noble/curves/abstract/der.js';

/** DER OBJECT IDENTIFIERs: prime256v1, secp224r1, secp384r1, secp521r1, secp256k1 (SEC 2), id-Ed25519, id-X25519. */
export const CURVE_OID_DER: Readonly<Record<string, string>> = {
  p224: '06052b81040021',
  p256: '06082a8648ce3d030107',
  p384: '06052b81040022',
  p521: '06052b81040023',
  secp256k1: '06052b8104000a',
  ed25519: '06032b6570',
  x25519: '06032b656e',
};

export function octetString(bytes: Uint8Array): Buffer {
  return Buffer.from(DER._tlv.encode(0x04, Buffer.from(bytes).toString('hex')), 'hex');
}

/**
 * A peer's public key as consumers pass it in CK_ECDH1_DERIVE_PARAMS: the raw point, or (as some do) the same point
 * wrapped in an OCTET STRING like CKA_EC_POINT. `rawLengths` are the lengths a raw key of the curve can have.
 */
export function peerKeyBytes(bytes: Uint8Array, rawLengths: readonly number[]): Uint8Array | undefined {
  if (rawLengths.includes(bytes.length)) return bytes;
  try {
    const { v, l } = DER._tlv.decode(0x04, bytes);
    if (l.length === 0 && rawLengths.includes(v.length)) return v;
  } catch {
    // not DER either
  }
  return undefined;
}
