// Wallet keys as PKCS#11 objects: each key the `pkcs11` caller may see becomes a private-key object (sensitive, never
// extractable) and a public-key object, or one secret-key object (AES), sharing a CKA_ID (the key id's 16 bytes).
// The KMS's public formats (JWK, SPKI) become what PKCS#11 wants (CKA_EC_POINT, CKA_MODULUS, ...).
import { createPublicKey } from 'node:crypto';
import type { AlgorithmId, KeyInfo, Operation } from '../../kms-process/api/index.js';
import { AttrCodec, type Attributes } from './p11Attributes.js';
import { CKA, CKK, CKO } from './p11Constants.js';
import { CURVE_OID_DER, octetString } from './p11Der.js';
import { mechanismsFor } from './p11Mechanisms.js';

export type KeyFamily = 'ec' | 'edwards' | 'montgomery' | 'rsa' | 'aes';

export interface P11Key {
  id: string;
  ckaId: Uint8Array;
  label: string;
  algorithm: AlgorithmId;
  family: KeyFamily;
  /** EC field size, RSA modulus size or AES key size, in bits. */
  bits: number;
  purposes: readonly Operation[];
  requiresApproval: boolean;
  /** EC: the uncompressed point; Edwards/Montgomery: the 32-byte public key. */
  point?: Uint8Array;
  modulus?: Uint8Array;
  exponent?: Uint8Array;
  spki?: Uint8Array;
}

const FAMILY: Partial<Record<AlgorithmId, { family: KeyFamily; bits: number }>> = {
  p224: { family: 'ec', bits: 224 },
  p256: { family: 'ec', bits: 256 },
  p384: { family: 'ec', bits: 384 },
  p521: { family: 'ec', bits: 521 },
  secp256k1: { family: 'ec', bits: 256 },
  ed25519: { family: 'edwards', bits: 255 },
  x25519: { family: 'montgomery', bits: 255 },
  'rsa-2048': { family: 'rsa', bits: 2048 },
  'rsa-3072': { family: 'rsa', bits: 3072 },
  'rsa-4096': { family: 'rsa', bits: 4096 },
  'aes-128': { family: 'aes', bits: 128 },
  'aes-256': { family: 'aes', bits: 256 },
};

const KEY_TYPE: Record<KeyFamily, number> = { ec: CKK.EC, edwards: CKK.EC_EDWARDS, montgomery: CKK.EC_MONTGOMERY, rsa: CKK.RSA, aes: CKK.AES };

/** RSA and EC private parts: listed as sensitive, never read. */
const PRIVATE_PARTS = [0x11 /* CKA_VALUE */, 0x123, 0x124, 0x125, 0x126, 0x127, 0x128];

const b64 = (s: unknown): Buffer | undefined => (typeof s === 'string' ? Buffer.from(s, 'base64url') : undefined);

/** The PKCS#11 view of a key, or undefined for algorithms PKCS#11 has no mechanism for here (HMAC, ML-DSA, ...). */
export function p11KeyOf(info: KeyInfo): P11Key | undefined {
  const f = FAMILY[info.algorithm];
  if (!f) return undefined;
  const key: P11Key = {
    id: info.id,
    ckaId: Buffer.from(info.id, 'base64url'),
    label: info.label || info.id,
    algorithm: info.algorithm,
    family: f.family,
    bits: f.bits,
    purposes: info.purposes,
    requiresApproval: info.requiresApproval,
  };
  const jwk = info.publicKey?.jwk;
  if (f.family === 'aes') return key;
  if (!jwk) return undefined; // a key without its public part cannot be described
  if (f.family === 'ec') key.point = Buffer.concat([Uint8Array.of(4), b64(jwk.x)!, b64(jwk.y)!]);
  else if (f.family === 'rsa') {
    key.modulus = b64(jwk.n);
    key.exponent = b64(jwk.e);
  } else key.point = b64(jwk.x);
  try {
    key.spki = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch {
    // node:crypto cannot import every curve's JWK (P-224); CKA_PUBLIC_KEY_INFO is then left out
  }
  return key;
}

export type ObjectClass = 'public' | 'private' | 'secret';

export function classesOf(key: P11Key): ObjectClass[] {
  return key.family === 'aes' ? ['secret'] : ['public', 'private'];
}

/** Every attribute of one object of `key`. */
export function objectAttributes(key: P11Key, cls: ObjectClass, c: AttrCodec): Attributes {
  const a: Attributes = new Map();
  const has = (op: Operation) => key.purposes.includes(op);
  const set = (t: number, v: Uint8Array | 'sensitive') => a.set(t, v);
  set(CKA.CLASS, c.ulong(cls === 'public' ? CKO.PUBLIC_KEY : cls === 'private' ? CKO.PRIVATE_KEY : CKO.SECRET_KEY));
  set(CKA.TOKEN, c.bool(true));
  set(CKA.PRIVATE, c.bool(cls !== 'public'));
  set(CKA.MODIFIABLE, c.bool(false));
  set(CKA.COPYABLE, c.bool(false));
  set(CKA.DESTROYABLE, c.bool(false));
  set(CKA.LABEL, Buffer.from(key.label, 'utf8'));
  set(CKA.ID, key.ckaId);
  set(CKA.KEY_TYPE, c.ulong(KEY_TYPE[key.family]));
  set(CKA.START_DATE, new Uint8Array(0));
  set(CKA.END_DATE, new Uint8Array(0));
  set(CKA.LOCAL, c.bool(false));
  set(CKA.KEY_GEN_MECHANISM, c.unavailable());
  set(CKA.DERIVE, c.bool(cls !== 'public' && has('agree')));
  set(CKA.ALLOWED_MECHANISMS, c.ulongs(mechanismsFor(key, cls)));
  if (cls !== 'public') {
    set(CKA.SENSITIVE, c.bool(true));
    set(CKA.EXTRACTABLE, c.bool(false));
    set(CKA.ALWAYS_SENSITIVE, c.bool(true));
    set(CKA.NEVER_EXTRACTABLE, c.bool(true));
    set(CKA.WRAP_WITH_TRUSTED, c.bool(false));
    set(CKA.ALWAYS_AUTHENTICATE, c.bool(false));
    set(CKA.DECRYPT, c.bool(has('decrypt')));
    set(CKA.SIGN, c.bool(has('sign')));
    set(CKA.SIGN_RECOVER, c.bool(false));
    set(CKA.UNWRAP, c.bool(false));
    for (const t of PRIVATE_PARTS) set(t, 'sensitive');
  }
  if (cls !== 'private') {
    set(CKA.ENCRYPT, c.bool(has('encrypt')));
    set(CKA.VERIFY, c.bool(has('verify') && key.family !== 'aes'));
    set(CKA.VERIFY_RECOVER, c.bool(false));
    set(CKA.WRAP, c.bool(false));
    set(CKA.TRUSTED, c.bool(false));
  }
  if (cls === 'secret') {
    set(CKA.VALUE_LEN, c.ulong(key.bits / 8));
    set(CKA.SIGN, c.bool(false));
    return a;
  }
  set(CKA.SUBJECT, new Uint8Array(0));
  if (key.spki) set(CKA.PUBLIC_KEY_INFO, key.spki);
  if (key.family === 'rsa') {
    set(CKA.MODULUS, key.modulus!);
    set(CKA.PUBLIC_EXPONENT, key.exponent!);
    set(CKA.MODULUS_BITS, c.ulong(key.bits));
  } else {
    set(CKA.EC_PARAMS, Buffer.from(CURVE_OID_DER[key.algorithm]!, 'hex'));
    // On the private object too: consumers (libp11, OpenSSH) read the public point from either object.
    set(CKA.EC_POINT, octetString(key.point!));
  }
  return a;
}
