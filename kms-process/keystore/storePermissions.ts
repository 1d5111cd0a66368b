// The keystore folder must be the user's own (like ssh's StrictModes): a folder or file owned by someone else, or
// writable by group or others, lets another account swap the database, the WAL or the lock file under the KMS. Such
// a store is refused with INSECURE_STORE, naming the path and the fix, before SQLite opens anything. POSIX only:
// Windows has no mode bits here (its ACLs are the user profile's).
import { lstatSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { KmsError } from '../api/errors.js';

/** Files SQLite and the lock keep beside the database. */
const STORE_FILES = ['keystore.sqlite', 'keystore.sqlite-wal', 'keystore.sqlite-shm', 'keystore.sqlite-journal', 'keystore.lock'];

function statIfExists(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function check(path: string, st: Stats, uid: number, what: 'folder' | 'file'): void {
  const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
  if (st.uid !== uid) {
    throw new KmsError('INSECURE_STORE', `the keystore ${what} ${path} belongs to user ${st.uid}, not to this user (${uid}); use a ${what} of your own`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new KmsError('INSECURE_STORE', `the keystore ${what} ${path} is writable by group or others (mode ${mode}); run: chmod go-w '${path}'`);
  }
}

/** Throws INSECURE_STORE for an existing folder or store file that is not this user's alone to write. */
export function assertPrivateStore(dir: string): void {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  const st = statIfExists(dir, true);
  if (st) check(dir, st, uid, 'folder');
  for (const name of STORE_FILES) {
    const path = join(dir, name);
    const f = statIfExists(path, false);
    if (!f) continue;
    // A symlink in place of a store file would send writes elsewhere.
    if (f.isSymbolicLink()) throw new KmsError('INSECURE_STORE', `the keystore file ${path} is a symbolic link; the store keeps real files only`);
    check(path, f, uid, 'file');
  }
}
