// Turns pkcs11js failures (Pkcs11Error with a CKR_* code) into KmsError kinds. Messages name the token, the
// operation and the CKR code only: never a PIN, key bytes or data.
import { KmsError, type ErrorKind } from '../../api/index.js';
import { CKR, ckrName } from './pkcs11Constants.js';

/** Codes after which sessions or object handles of the token can no longer be trusted: reset the pool. */
const LOST = new Set<number>([
  CKR.DEVICE_REMOVED,
  CKR.TOKEN_NOT_PRESENT,
  CKR.TOKEN_NOT_RECOGNIZED,
  CKR.SESSION_CLOSED,
  CKR.SESSION_HANDLE_INVALID,
  CKR.CRYPTOKI_NOT_INITIALIZED,
  0x3, // CKR_SLOT_ID_INVALID
]);
/**
 * Codes that mean a lost token only if the token no longer answers: SoftHSM2 answers a bad GCM tag with
 * CKR_GENERAL_ERROR, and a vanished token folder with CKR_OBJECT_HANDLE_INVALID. The token service probes.
 */
const MAYBE_LOST = new Set<number>([CKR.GENERAL_ERROR, CKR.DEVICE_ERROR, CKR.OBJECT_HANDLE_INVALID, CKR.KEY_HANDLE_INVALID]);

const KIND_BY_CODE = new Map<number, ErrorKind>([
  [CKR.PIN_INCORRECT, 'WRONG_SECRET'],
  [CKR.PIN_INVALID, 'WRONG_SECRET'],
  [CKR.PIN_LEN_RANGE, 'WRONG_SECRET'],
  [CKR.PIN_LOCKED, 'PIN_LOCKED'],
  [CKR.PIN_EXPIRED, 'PIN_LOCKED'],
  [CKR.MECHANISM_INVALID, 'UNSUPPORTED'],
  [CKR.MECHANISM_PARAM_INVALID, 'UNSUPPORTED'],
  [CKR.FUNCTION_NOT_SUPPORTED, 'UNSUPPORTED'],
  [CKR.KEY_TYPE_INCONSISTENT, 'UNSUPPORTED'],
  [CKR.KEY_FUNCTION_NOT_PERMITTED, 'UNSUPPORTED'],
  [CKR.KEY_SIZE_RANGE, 'UNSUPPORTED'],
  [CKR.CURVE_NOT_SUPPORTED, 'UNSUPPORTED'],
  [CKR.DOMAIN_PARAMS_INVALID, 'UNSUPPORTED'],
  [CKR.TEMPLATE_INCONSISTENT, 'UNSUPPORTED'],
  [CKR.DATA_INVALID, 'INVALID_REQUEST'],
  [CKR.DATA_LEN_RANGE, 'INVALID_REQUEST'],
  [CKR.ARGUMENTS_BAD, 'INVALID_REQUEST'],
  [CKR.ENCRYPTED_DATA_INVALID, 'INVALID_REQUEST'],
  [CKR.ENCRYPTED_DATA_LEN_RANGE, 'INVALID_REQUEST'],
  [CKR.WRAPPED_KEY_INVALID, 'INVALID_REQUEST'],
  [CKR.USER_NOT_LOGGED_IN, 'LOCKED'],
  [CKR.FUNCTION_CANCELED, 'TIMEOUT'],
]);

/** The CKR code of a pkcs11js error, or undefined for anything else. */
export function ckrOf(e: unknown): number | undefined {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number' && /^CKR_/.test(e.message)) {
    return (e as unknown as { code: number }).code;
  }
  return undefined;
}

/** 'yes': the token is gone; 'maybe': probe the token; 'no': an ordinary failure. */
export function lostTokenSign(e: unknown): 'yes' | 'maybe' | 'no' {
  const code = ckrOf(e);
  if (code === undefined) return 'no';
  return LOST.has(code) ? 'yes' : MAYBE_LOST.has(code) ? 'maybe' : 'no';
}

export interface ErrorContext {
  serial: string;
  op: string;
  /** Profile hint: the token may wait for a touch (YubiKey); with `elapsedMs`, tells a missed touch apart. */
  touchCapable?: boolean;
  elapsedMs?: number;
  /** The token service found the token gone (a lost-token code, or a probe that failed). */
  lost?: boolean;
}

/** A YubiKey waits about 15 s for a touch; a failure after this long on a touch-capable token was most likely one. */
const TOUCH_WAIT_MS = 5000;

/** Map any failure of a PKCS#11 call to a KmsError; KmsErrors pass through unchanged. */
export function toKmsError(e: unknown, ctx: ErrorContext): KmsError {
  if (e instanceof KmsError) return e;
  const code = ckrOf(e);
  if (code === undefined) {
    return new KmsError('TOKEN_ERROR', `token ${ctx.serial}: ${ctx.op} failed`, { cause: e });
  }
  const name = ckrName(code);
  const slowFailure =
    ctx.touchCapable === true &&
    (ctx.elapsedMs ?? 0) >= TOUCH_WAIT_MS &&
    (code === CKR.DEVICE_ERROR || code === 0x6 /* CKR_FUNCTION_FAILED */);
  if (code === CKR.FUNCTION_CANCELED || slowFailure) {
    // A missed touch is not a broken token: say what the user has to do.
    return new KmsError('TIMEOUT', `token ${ctx.serial}: touch your key to approve ${ctx.op}, then retry (${name})`, {
      cause: e,
    });
  }
  if (ctx.lost) {
    return new KmsError('TOKEN_ERROR', `token ${ctx.serial}: ${ctx.op} failed, token removed or session lost (${name})`, {
      cause: e,
    });
  }
  const kind = KIND_BY_CODE.get(code) ?? 'TOKEN_ERROR';
  const what =
    kind === 'LOCKED' ? 'the token needs a login (tokens.login)' : kind === 'UNSUPPORTED' ? 'not supported by the token' : 'failed';
  return new KmsError(kind, `token ${ctx.serial}: ${ctx.op} ${what} (${name})`, { cause: e });
}
