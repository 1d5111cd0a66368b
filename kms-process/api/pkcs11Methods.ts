// pkcs11.* : the PIN of the wallet's own PKCS#11 module (agent/pkcs11). Set by the user (CLI or a trusted prompt),
// checked for the module's C_Login; the module never sees the hash or the counter.
import { z } from 'zod';
import { empty } from './common.js';
import { MAX_SECRET_STRING } from './limits.js';

/** PKCS#11 PINs: printable, 4 to 64 characters (CK_TOKEN_INFO ulMinPinLen / ulMaxPinLen). */
export const PKCS11_PIN_MIN = 4;
export const PKCS11_PIN_MAX = Math.min(64, MAX_SECRET_STRING);
const pkcs11Pin = z.string().min(PKCS11_PIN_MIN).max(PKCS11_PIN_MAX);

const pinStatus = z.object({
  /** Whether a PIN was set (`owkms pkcs11 set-pin`). */
  set: z.boolean(),
  failures: z.number().int(),
  retriesLeft: z.number().int(),
  maxRetries: z.number().int(),
  locked: z.boolean(),
});

export const pkcs11Methods = {
  'pkcs11.setPin': {
    /** Set or replace the module's PIN; clears a lockout. */
    params: z.strictObject({ pin: pkcs11Pin }),
    result: pinStatus,
  },
  'pkcs11.login': {
    /** Check the module's PIN: WRONG_SECRET (with retriesLeft), PIN_LOCKED after the retry limit. */
    params: z.strictObject({ pin: z.string().min(1).max(MAX_SECRET_STRING) }),
    result: z.object({ ok: z.literal(true) }),
  },
  'pkcs11.pinStatus': {
    params: empty,
    result: pinStatus,
  },
} as const;
