// Telling a damaged keystore file from a bug (issue 9). A flipped byte does not always reach the KMS as
// SQLITE_CORRUPT: a damaged record header reads as a wrong type, a damaged page as SQLITE_ERROR, a damaged value as a
// TypeError in the code that reads it. Whatever would otherwise be INTERNAL is checked against SQLite's own
// structural check of the file (PRAGMA quick_check): a file that fails it is CORRUPT; a sound file leaves the error
// INTERNAL, so a real programming error (a typo in SQL) is never hidden as damage.
import { KmsError } from '../api/errors.js';
import type { Db } from './database.js';

/** Whether SQLite finds the file's structure sound (b-trees, pages, records); a check that throws is a no. */
export function fileIsSound(db: Db): boolean {
  try {
    const rows = db.pragma('quick_check(1)') as Array<Record<string, unknown>>;
    return rows.length === 1 && Object.values(rows[0]!)[0] === 'ok';
  } catch {
    return false;
  }
}

/** `e` itself, unless it is INTERNAL (or not a KmsError) and the file is not sound: then CORRUPT. */
export function damageOr(e: unknown, db: Db | undefined): unknown {
  const unexplained = !(e instanceof KmsError) || e.kind === 'INTERNAL';
  if (!unexplained || !db || !db.open || fileIsSound(db)) return e;
  return new KmsError('CORRUPT', "the keystore file is damaged (SQLite's check of it fails)", { cause: e });
}
