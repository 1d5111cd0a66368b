// Finding token objects by CKA_ID (handles cached per pool generation) and reading what the KMS may read of them:
// public keys, and the attributes that prove a key is non-extractable.
import pkcs11js from 'pkcs11js';
import { KmsError } from '../../api/index.js';
import { CKR } from './pkcs11Constants.js';
import type { SessionPool } from './sessionPool.js';
import { algorithmFromAttributes, rsaSpki, unwrapEcPoint, type TokenAlgorithm } from './tokenAlgorithms.js';

export type KeyClass = 'private' | 'public' | 'secret';
const CLASS: Record<KeyClass, number> = {
  private: pkcs11js.CKO_PRIVATE_KEY,
  public: pkcs11js.CKO_PUBLIC_KEY,
  secret: pkcs11js.CKO_SECRET_KEY,
};

export function findObjects(lib: pkcs11js.PKCS11, session: Buffer, template: pkcs11js.Template, max = 16): Buffer[] {
  lib.C_FindObjectsInit(session, template);
  try {
    return lib.C_FindObjects(session, max);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** The handle of the `cls` object with CKA_ID `ckaId` (hex), or undefined. */
export function findKey(pool: SessionPool, session: Buffer, cls: KeyClass, ckaId: string): Buffer | undefined {
  const cacheKey = `${cls}:${ckaId}`;
  const cached = pool.handles.get(cacheKey);
  if (cached) return cached;
  const found = findObjects(pool.lib, session, [
    { type: pkcs11js.CKA_CLASS, value: CLASS[cls] },
    { type: pkcs11js.CKA_ID, value: Buffer.from(ckaId, 'hex') },
  ]);
  if (found.length > 1) throw new KmsError('TOKEN_ERROR', `token ${pool.serial}: several ${cls} keys share CKA_ID ${ckaId}`);
  const handle = found[0];
  if (handle) pool.handles.set(cacheKey, handle);
  return handle;
}

/** CKA_KEY_TYPE of each family (CKK_EC_EDWARDS is 0x40, PKCS#11 3.0). */
const KEY_TYPE: Record<TokenAlgorithm['family'], number> = { ec: pkcs11js.CKK_EC, ed25519: 0x40, rsa: pkcs11js.CKK_RSA, aes: pkcs11js.CKK_AES };

/** Whether the pool's token is still in its slot (the same serial). */
function tokenPresent(pool: SessionPool): boolean {
  try {
    if (!pool.lib.C_GetSlotList(true).some((s) => s.equals(pool.slot))) return false;
    return pool.lib.C_GetTokenInfo(pool.slot).serialNumber.trim() === pool.serial;
  } catch {
    return false;
  }
}

/**
 * Like findKey, but NOT_FOUND when absent (TOKEN_ERROR when the token itself is gone), and with `alg` the key type is checked once per handle: a mechanism of
 * another family on a key crashes some modules (SoftHSM2 2.6.1 segfaults on RSA-PSS with an EC key).
 */
export function requireKey(pool: SessionPool, session: Buffer, cls: KeyClass, ckaId: string, alg?: TokenAlgorithm): Buffer {
  const handle = findKey(pool, session, cls, ckaId);
  if (!handle) {
    // A token pulled out shows no objects to a session opened before (SoftHSM2 among others): that is not a deleted
    // key. It is reported as a module reports a removed token, so the token service drops the pool as for any lost
    // token (TOKEN_ERROR, and a returning token is found again on the next call).
    if (!tokenPresent(pool)) throw Object.assign(new Error('CKR_TOKEN_NOT_PRESENT (no objects: the token is not in its slot)'), { code: CKR.TOKEN_NOT_PRESENT });
    throw new KmsError('NOT_FOUND', `token ${pool.serial} has no ${cls} key with CKA_ID ${ckaId}`);
  }
  if (alg) {
    const checked = `checked:${cls}:${ckaId}:${alg.family}`;
    if (!pool.handles.has(checked)) {
      const keyType = attr(pool.lib, session, handle, pkcs11js.CKA_KEY_TYPE).readUIntLE(0, 4);
      if (keyType !== KEY_TYPE[alg.family]) {
        throw new KmsError('TOKEN_ERROR', `token ${pool.serial}: the key with CKA_ID ${ckaId} is not a ${alg.id} key`);
      }
      pool.handles.set(checked, handle);
    }
  }
  return handle;
}

function attr(lib: pkcs11js.PKCS11, session: Buffer, handle: Buffer, type: number): Buffer {
  const [result] = lib.C_GetAttributeValue(session, handle, [{ type }]);
  if (!result) throw new KmsError('TOKEN_ERROR', 'token returned no attribute');
  return result.value;
}

/** Public key in the keystore's raw form: SEC1 uncompressed (EC), 32 bytes (Ed25519), SPKI DER (RSA). */
export function readPublicRaw(lib: pkcs11js.PKCS11, session: Buffer, handle: Buffer, alg: TokenAlgorithm): Uint8Array | undefined {
  if (alg.family === 'aes') return undefined;
  if (alg.family === 'rsa') {
    return rsaSpki(attr(lib, session, handle, pkcs11js.CKA_MODULUS), attr(lib, session, handle, pkcs11js.CKA_PUBLIC_EXPONENT));
  }
  return new Uint8Array(unwrapEcPoint(attr(lib, session, handle, pkcs11js.CKA_EC_POINT), alg.pointBytes as number));
}

/** Identify the algorithm of an existing key from its type and size attributes. */
export function identifyKey(lib: pkcs11js.PKCS11, session: Buffer, handle: Buffer): TokenAlgorithm {
  const keyType = attr(lib, session, handle, pkcs11js.CKA_KEY_TYPE).readUIntLE(0, 4);
  if (keyType === pkcs11js.CKK_RSA) {
    return algorithmFromAttributes(keyType, undefined, attr(lib, session, handle, pkcs11js.CKA_MODULUS).length * 8);
  }
  if (keyType === pkcs11js.CKK_AES) {
    return algorithmFromAttributes(keyType, undefined, undefined, attr(lib, session, handle, pkcs11js.CKA_VALUE_LEN).readUIntLE(0, 4));
  }
  return algorithmFromAttributes(keyType, attr(lib, session, handle, pkcs11js.CKA_EC_PARAMS));
}

export interface KeyProtection {
  sensitive: boolean;
  extractable: boolean;
  alwaysSensitive: boolean;
  neverExtractable: boolean;
}

/** The attributes that say whether key material can ever leave the token. */
export function readProtection(lib: pkcs11js.PKCS11, session: Buffer, handle: Buffer): KeyProtection {
  const [s, e, as, ne] = lib.C_GetAttributeValue(session, handle, [
    { type: pkcs11js.CKA_SENSITIVE },
    { type: pkcs11js.CKA_EXTRACTABLE },
    { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
    { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
  ]);
  const bool = (r: pkcs11js.AttributeResult | undefined) => r !== undefined && r.value.length > 0 && r.value[0] !== 0;
  return { sensitive: bool(s), extractable: bool(e), alwaysSensitive: bool(as), neverExtractable: bool(ne) };
}
