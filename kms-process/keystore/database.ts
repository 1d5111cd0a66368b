// Opens the keystore's SQLite file: WAL, synchronous=FULL, exclusive locking (one KMS process at a time),
// and turns SQLite's failures into the protocol's error kinds.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KmsError } from '../api/errors.js';
import { describeHolder, readHolder, writeHolder } from './lockFile.js';
import { damageOr } from './damage.js';
import { applySchema } from './schema.js';
import { assertPrivateStore } from './storePermissions.js';

export type Db = Database.Database;

export const DB_FILE = 'keystore.sqlite';

/** Map an error thrown by better-sqlite3 to a KmsError; anything else passes through. */
export function sqliteError(e: unknown, dir?: string): unknown {
  // A request still running when the keystore was closed under it (owkms doctor takes the file): better-sqlite3 says so
  // with a TypeError. The request did not happen; asked again, it gets the KMS's current answer.
  if (e instanceof TypeError && /database connection is not open/.test(e.message)) {
    return new KmsError('BUSY', 'the keystore was closed while this request ran (owkms doctor reads the file): ask again', { cause: e });
  }
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new KmsError('CORRUPT', 'the keystore file is damaged or is not a keystore', { cause: e });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new KmsError('BUSY', `the keystore is open in ${describeHolder(dir ? readHolder(dir) : undefined)}`, { cause: e });
  }
  // The machine's state, not the keystore's (issue 13): the change did not happen, and what is stored still reads.
  if (code === 'SQLITE_FULL') return new KmsError('UNAVAILABLE', 'the disk is full (SQLITE_FULL): nothing was changed; free some space and try again', { cause: e });
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code.startsWith('SQLITE_AUTH')) {
    // Permissions, or a store folder made after this KMS started: its sandbox reaches only what existed then.
    return new KmsError('UNAVAILABLE', `the keystore file cannot be opened for writing here (${code}): its permissions, or a store folder made after this KMS started (its sandbox does not reach it: restart it)`, { cause: e });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new KmsError('UNAVAILABLE', `the keystore's storage failed (${code}${errnoOf(e)}): nothing was changed`, { cause: e });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new KmsError('INVALID_REQUEST', 'an entry with that id exists already', { cause: e });
  }
  return new KmsError('INTERNAL', `keystore storage failed (${code})`, { cause: e });
}

/** What the operating system said, when SQLite passes it on (EFBIG for a file-size limit, EIO, ENOSPC). */
function errnoOf(e: unknown): string {
  const m = /\b(E[A-Z]{2,10})\b/.exec(String((e as Error)?.message ?? ''));
  return m ? `, ${m[1]}` : '';
}

/** Run `fn`, translating SQLite failures. */
export function guarded<T>(fn: () => T, dir?: string): T {
  try {
    return fn();
  } catch (e) {
    throw sqliteError(e, dir);
  }
}

/**
 * Whether `dir` holds a keystore file. Opening creates the folder and the file, so only kms.init may open a store
 * for which this is false: any other request on a mistyped store creates nothing (issue 9).
 */
export function databaseExists(dir: string): boolean {
  return existsSync(join(dir, DB_FILE));
}

export function openDatabase(dir: string, caller: string): Db {
  assertPrivateStore(dir); // before anything is created or opened in it (storePermissions.ts)
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, DB_FILE);
  let db: Db | undefined;
  try {
    db = new Database(path, { timeout: 0 });
    chmodSync(path, 0o600);
    // Exclusive locking before the first access: no shared-memory index, and a second opener fails fast.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('trusted_schema = OFF');
    // Sorts and temporary tables stay in memory: never in /tmp (the sandbox allows no file outside the store).
    db.pragma('temp_store = MEMORY');
    db.pragma('secure_delete = ON'); // deleted keys' ciphertexts are overwritten, not left in free pages
    db.exec('BEGIN EXCLUSIVE; COMMIT;'); // take the lock now, not at the first write
    applySchema(db); // checks an existing file's tables before creating what it lacks
  } catch (e) {
    const err = damageOr(sqliteError(e, dir), db); // asked before closing: the check reads the file
    db?.close();
    throw err;
  }
  writeHolder(dir, caller);
  return db;
}
