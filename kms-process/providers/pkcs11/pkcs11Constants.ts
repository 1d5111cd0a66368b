// PKCS#11 numbers the KMS uses. pkcs11js names only 2.40 constants, so 3.0 ones (EdDSA) are passed by number.
// Values from the OASIS PKCS#11 3.0 headers (pkcs11t.h); curve OIDs are DER-encoded as CKA_EC_PARAMS expects.
import pkcs11js from 'pkcs11js';

export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;

/** CKF_* token flags (PKCS#11 2.40 section 3.2, CK_TOKEN_INFO). */
export const TOKEN_FLAGS = {
  rng: 0x1,
  writeProtected: 0x2,
  loginRequired: 0x4,
  userPinInitialized: 0x8,
  protectedAuthenticationPath: 0x100,
  tokenInitialized: 0x400,
  userPinCountLow: 0x10000,
  userPinFinalTry: 0x20000,
  userPinLocked: 0x40000,
  userPinToBeChanged: 0x80000,
  soPinLocked: 0x400000,
} as const;

export const CKR = {
  OK: 0x0,
  GENERAL_ERROR: 0x5,
  ARGUMENTS_BAD: 0x7,
  DATA_INVALID: 0x20,
  DATA_LEN_RANGE: 0x21,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  ENCRYPTED_DATA_INVALID: 0x40,
  ENCRYPTED_DATA_LEN_RANGE: 0x41,
  FUNCTION_CANCELED: 0x50,
  FUNCTION_NOT_SUPPORTED: 0x54,
  KEY_HANDLE_INVALID: 0x60,
  KEY_SIZE_RANGE: 0x62,
  KEY_TYPE_INCONSISTENT: 0x63,
  KEY_FUNCTION_NOT_PERMITTED: 0x68,
  MECHANISM_INVALID: 0x70,
  MECHANISM_PARAM_INVALID: 0x71,
  OBJECT_HANDLE_INVALID: 0x82,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_HANDLE_INVALID: 0xb3,
  SIGNATURE_INVALID: 0xc0,
  SIGNATURE_LEN_RANGE: 0xc1,
  TEMPLATE_INCONSISTENT: 0xd1,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  WRAPPED_KEY_INVALID: 0x110,
  DOMAIN_PARAMS_INVALID: 0x130,
  CURVE_NOT_SUPPORTED: 0x140,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

/** DER OIDs for CKA_EC_PARAMS: prime256v1, secp384r1 (SEC 2), secp256k1 (SEC 2), id-Ed25519 (RFC 8410). */
export const CURVE_OIDS = {
  p256: Buffer.from('06082a8648ce3d030107', 'hex'),
  p384: Buffer.from('06052b81040022', 'hex'),
  secp256k1: Buffer.from('06052b8104000a', 'hex'),
  ed25519: Buffer.from('06032b6570', 'hex'),
} as const;
/** SoftHSM and others also accept the PrintableString form "edwards25519" (PKCS#11 3.0 section 2.3.10). */
export const ED25519_PRINTABLE = Buffer.from('130c656477617264733235353139', 'hex');

/** Reverse lookup of mechanism numbers for token listings (names from pkcs11js plus the 3.0 ones above). */
let mechanismNames: Map<number, string> | undefined;
export function mechanismName(id: number): string {
  if (!mechanismNames) {
    mechanismNames = new Map();
    for (const [name, value] of Object.entries(pkcs11js as unknown as Record<string, unknown>)) {
      if (name.startsWith('CKM_') && typeof value === 'number' && !mechanismNames.has(value)) {
        mechanismNames.set(value, name);
      }
    }
    mechanismNames.set(CKM_EC_EDWARDS_KEY_PAIR_GEN, 'CKM_EC_EDWARDS_KEY_PAIR_GEN');
    mechanismNames.set(CKM_EDDSA, 'CKM_EDDSA');
    mechanismNames.set(0x1056, 'CKM_EC_MONTGOMERY_KEY_PAIR_GEN');
  }
  return mechanismNames.get(id) ?? `0x${id.toString(16)}`;
}

/** Name of a CKR_* code for messages (never carries data). */
export function ckrName(code: number): string {
  for (const [name, value] of Object.entries(CKR)) if (value === code) return `CKR_${name}`;
  return `CKR_0x${code.toString(16)}`;
}
