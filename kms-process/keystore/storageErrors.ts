// File-system failures outside SQLite (the lock file, sandbox.json) as the protocol's error kinds: lack of space and
// I/O errors are UNAVAILABLE with the reason (issue 13), like SQLite's own (database.ts), never INTERNAL.
import { KmsError } from '../api/errors.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'a file-size limit was reached',
  EIO: 'an I/O error',
  EROFS: 'the file system is read-only',
};

export function storageError(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(code in REASONS)) return e;
  return new KmsError('UNAVAILABLE', `${REASONS[code]} (${code}) where the keystore writes`, { cause: e });
}
