// Every typed error of the protocol in words a person understands, with what to do next. The kind stays visible
// (small) for support and tests. Covered kind by kind in test/renderer/errorWording.test.ts.
import { ERROR_KINDS, type ErrorKind } from '../../kms-process/api/errors.js';
import { formatWait } from './formatting.js';

export interface Wording {
  title: string;
  next: string;
}

export const ERROR_WORDING: Readonly<Record<ErrorKind, Wording>> = {
  INVALID_REQUEST: { title: 'Something in this request is not valid.', next: 'Check the fields and try again.' },
  UNKNOWN_METHOD: { title: 'The key service does not know this operation.', next: 'Update OpenWallet so the app and its key service match.' },
  NOT_INITIALIZED: { title: 'There is no wallet yet.', next: 'Create a wallet or restore one first.' },
  ALREADY_INITIALIZED: { title: 'A wallet already exists here.', next: 'Unlock it instead of creating a new one.' },
  LOCKED: { title: 'The wallet is locked.', next: 'Unlock it, then try again.' },
  WRONG_SECRET: { title: 'The passphrase or PIN was wrong.', next: 'Try again, and check Caps Lock and the keyboard layout.' },
  LOCKED_OUT: { title: 'Too many wrong attempts.', next: 'Wait until the countdown ends, then try again.' },
  NOT_FOUND: { title: 'That key no longer exists.', next: 'Refresh the list: it may have been deleted in another window or from the command line.' },
  UNSUPPORTED: { title: 'This key or where it lives cannot do that.', next: 'Choose another key, algorithm or option.' },
  POLICY_DENIED: { title: "The key's policy does not allow this from the wallet window.", next: 'Use a key made for this, or change the key with owkms on the command line.' },
  APPROVAL_DENIED: { title: 'You declined this in the approval window.', next: 'Nothing was signed or changed. Try again if you meant to approve.' },
  TAMPERED: { title: 'The keystore or the app files were changed outside OpenWallet.', next: 'Stop using this wallet; restore it from your backup or recovery phrase on a machine you trust.' },
  ROLLBACK: { title: 'This keystore is an older copy than the one last used.', next: 'Put back the newest keystore file, or restore from your backup.' },
  CORRUPT: { title: 'The keystore file is damaged.', next: 'Restore from your backup or recovery phrase; "owkms doctor" tells more.' },
  TOKEN_ERROR: { title: 'The security token did not answer.', next: 'Is the token plugged in? Reconnect it and try again.' },
  PIN_LOCKED: { title: "The token's PIN is blocked.", next: "Unblock it with the token's PUK or its vendor's tool, then log in again." },
  REMOTE_ERROR: { title: 'The remote key server did not answer.', next: 'Check the network and the server (owkms remote list), then try again.' },
  BUSY: { title: 'Too many requests at once.', next: 'Wait a moment and try again.' },
  TIMEOUT: { title: 'The key service took too long to answer.', next: 'Try again; if it keeps happening, restart OpenWallet.' },
  UNAVAILABLE: { title: 'The key service is not available right now.', next: 'Wait a few seconds for it to restart, then unlock again.' },
  INSECURE_STORE: { title: 'Other users could change the keystore folder.', next: 'Make the folder and its files writable by you only, then restart OpenWallet.' },
  INTERNAL: { title: 'Something went wrong inside OpenWallet.', next: 'Try again; if it keeps happening, report it with the time it happened.' },
};

export interface ErrorInfo {
  kind: string;
  message: string;
  retryAfterMs?: number | undefined;
  attemptsLeft?: number | undefined;
}

/** Title, what to do next (with the wait or the tries left where the error carries them), and the raw detail. */
export function describeError(e: ErrorInfo, remainingMs?: number): { title: string; next: string; detail: string } {
  const known = (ERROR_KINDS as readonly string[]).includes(e.kind) ? ERROR_WORDING[e.kind as ErrorKind] : ERROR_WORDING.INTERNAL;
  let next = known.next;
  if (e.kind === 'LOCKED_OUT' || e.kind === 'BUSY') {
    const wait = remainingMs ?? e.retryAfterMs;
    if (wait !== undefined && wait > 0) next = `Try again in ${formatWait(wait)}.`;
    else if (e.kind === 'LOCKED_OUT') next = 'You can try again now.';
  }
  if (e.kind === 'WRONG_SECRET' && e.attemptsLeft !== undefined) next = `${e.attemptsLeft} ${e.attemptsLeft === 1 ? 'try' : 'tries'} left. ${known.next}`;
  // The KMS's own message adds the specifics (which field, which policy) for the kinds where it helps.
  const detail = ['INVALID_REQUEST', 'UNSUPPORTED', 'POLICY_DENIED', 'TOKEN_ERROR', 'REMOTE_ERROR', 'BUSY'].includes(e.kind) ? e.message : '';
  return { title: known.title, next, detail };
}
