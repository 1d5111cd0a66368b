// The backup file on disk, for the callers of kms.backup / kms.restore (owkms and the desktop app's main): the
// sandboxed KMS makes and opens the encrypted backup but writes only in its store, so the caller writes and reads
// the file. A write leaves the file whole or absent, never a part; every failure is a typed error naming the path.
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { KmsError } from '../api/errors.js';
import { MAX_BACKUP_BYTES } from '../api/limits.js';

function ioError(what: string, e: unknown): KmsError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  // Lack of space or an I/O error is the machine's state, not a bad request: the same kind the keystore uses.
  const kind = code === 'EEXIST' || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR' ? 'INVALID_REQUEST' : 'UNAVAILABLE';
  return new KmsError(kind, `${what} (${code})`, { cause: e });
}

/**
 * Write the backup so that FILE either holds the whole backup or is as it was: a temporary file (owner-only) in the
 * same folder, synced, then linked to FILE (which refuses an existing FILE), or, with `replace` (the user already
 * agreed to replace it in the OS's save dialog), renamed over it; then read back and compared.
 */
export function writeBackupFile(path: string, bytes: Buffer, o: { replace?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (o.replace) renameSync(tmp, path);
    else linkSync(tmp, path);
  } catch (e) {
    throw ioError(`cannot write the backup to ${path}`, e);
  } finally {
    rmSync(tmp, { force: true });
  }
  let back: Buffer;
  try {
    back = readFileSync(path);
  } catch (e) {
    throw ioError(`cannot read the backup back from ${path}`, e);
  }
  if (!back.equals(bytes)) throw new KmsError('UNAVAILABLE', `the backup read back from ${path} differs from what was written; do not rely on it`);
}

/** A backup file's bytes; one larger than any backup is refused before it is read. */
export function readBackupFile(path: string): Buffer {
  try {
    if (statSync(path).size > MAX_BACKUP_BYTES) throw new KmsError('INVALID_REQUEST', `${path} is larger than any backup (${MAX_BACKUP_BYTES} bytes)`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof KmsError) throw e;
    throw ioError(`cannot read the backup ${path}`, e);
  }
}
