// KMS error kinds as PKCS#11 return values, per operation (a failed decryption is the data's fault, a failed
// signature request the caller's).
import { KmsError } from '../../kms-process/api/index.js';
import { CKR } from './p11Constants.js';

export function ckrOf(e: unknown, op?: string): number {
  if (!(e instanceof KmsError)) return CKR.GENERAL_ERROR;
  switch (e.kind) {
    case 'LOCKED':
      return CKR.USER_NOT_LOGGED_IN; // the wallet locked: the login is void
    case 'APPROVAL_DENIED':
      return CKR.FUNCTION_REJECTED;
    case 'POLICY_DENIED':
      return CKR.KEY_FUNCTION_NOT_PERMITTED;
    case 'NOT_FOUND':
      return CKR.KEY_HANDLE_INVALID;
    case 'UNSUPPORTED':
      return CKR.MECHANISM_INVALID;
    case 'INVALID_REQUEST':
      return op === 'decrypt' ? CKR.ENCRYPTED_DATA_INVALID : op === 'derive' ? CKR.MECHANISM_PARAM_INVALID : CKR.DATA_INVALID;
    case 'UNAVAILABLE':
    case 'TIMEOUT':
    case 'BUSY':
    case 'TOKEN_ERROR':
      return CKR.DEVICE_ERROR;
    default:
      return CKR.FUNCTION_FAILED;
  }
}

/** A p11.* request that is malformed (the module sent what it should not): answered as a protocol error. */
export function badRequest(what: string): KmsError {
  return new KmsError('INVALID_REQUEST', `p11: ${what}`);
}
