// The error contract of the KMS protocol: stable kinds (DESIGN.md section 2) carried in `error.data.kind`.

export const ERROR_KINDS = [
  'INVALID_REQUEST',
  'UNKNOWN_METHOD',
  'NOT_INITIALIZED',
  'ALREADY_INITIALIZED',
  'LOCKED',
  'WRONG_SECRET',
  'LOCKED_OUT',
  'NOT_FOUND',
  'UNSUPPORTED',
  'POLICY_DENIED',
  'APPROVAL_DENIED',
  'TAMPERED',
  'ROLLBACK',
  'CORRUPT',
  'TOKEN_ERROR',
  'PIN_LOCKED',
  'REMOTE_ERROR',
  'BUSY',
  'TIMEOUT',
  'UNAVAILABLE',
  /** The keystore folder or file is owned by another user or writable by group or others (like ssh StrictModes). */
  'INSECURE_STORE',
  'INTERNAL',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** JSON-RPC 2.0 codes: the standard ones where they fit, -32000 for every application error. */
export const RPC_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  APPLICATION: -32000,
} as const;

export interface ErrorData {
  kind: ErrorKind;
  /** LOCKED_OUT: how long until the next attempt is allowed. */
  retryAfterMs?: number;
  /** INVALID_REQUEST: where in the params the problem is (a path, never the value). */
  path?: string;
  /** PIN / passphrase: attempts left where the backend reports them. */
  attemptsLeft?: number;
  /** TAMPERED by the app integrity check: the application file (relative to the app) that differs. */
  file?: string;
}

/** The one error type thrown inside the KMS and rebuilt on the client side of a channel. */
export class KmsError extends Error {
  override readonly name = 'KmsError';
  readonly kind: ErrorKind;
  readonly data: ErrorData;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; data?: Omit<ErrorData, 'kind'> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.data = { ...(options?.data ?? {}), kind };
  }
}

export function isKmsError(e: unknown, kind?: ErrorKind): e is KmsError {
  return e instanceof KmsError && (kind === undefined || e.kind === kind);
}

export function isErrorKind(v: unknown): v is ErrorKind {
  return typeof v === 'string' && (ERROR_KINDS as readonly string[]).includes(v);
}

export function rpcCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'INVALID_REQUEST':
      return RPC_CODES.INVALID_PARAMS;
    case 'UNKNOWN_METHOD':
      return RPC_CODES.METHOD_NOT_FOUND;
    case 'INTERNAL':
      return RPC_CODES.INTERNAL_ERROR;
    default:
      return RPC_CODES.APPLICATION;
  }
}
