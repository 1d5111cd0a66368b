// Damage or bug (issue 9): an error that would be INTERNAL becomes CORRUPT only when SQLite's own check finds the file
// damaged, so a programming error on a sound file stays INTERNAL; a schema whose table or column names were damaged
// is CORRUPT at open, and the file is left as it was (nothing is created beside the damaged table).
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsError } from '../../../kms-process/api/errors.js';
import { damageOr, fileIsSound } from '../../../kms-process/keystore/damage.js';
import { sqliteError } from '../../../kms-process/keystore/database.js';
import { Keystore } from '../../../kms-process/keystore/keystore.js';
import { removeDir, startInitializedKms, tempDir } from '../../helpers/kms.js';

let pristine: string;
beforeAll(async () => {
  const k = await startInitializedKms();
  for (const algorithm of ['ed25519', 'aes-256'] as const) await k.client.call('keys.generate', { algorithm });
  await k.stop();
  pristine = k.dir;
}, 60_000);
afterAll(() => removeDir(pristine));

/** A copy of the pristine keystore file, changed by `edit` (bytes, or SQL with the schema writable). */
function copyWith(edit: { bytes?: (b: Buffer) => void; sql?: string }): string {
  const dir = tempDir('owkms-damage-');
  const bytes = readFileSync(join(pristine, 'keystore.sqlite'));
  edit.bytes?.(bytes);
  writeFileSync(join(dir, 'keystore.sqlite'), bytes);
  if (edit.sql) {
    const db = new Database(join(dir, 'keystore.sqlite'));
    db.unsafeMode(true); // lets writable_schema edit the stored schema, as a damaged byte would
    db.pragma('writable_schema = ON');
    db.exec(edit.sql);
    db.close();
  }
  return dir;
}

function openKind(dir: string): string {
  try {
    Keystore.open(dir, 'test').close();
    return 'opened';
  } catch (e) {
    return e instanceof KmsError ? e.kind : `not a KmsError: ${String(e)}`;
  }
}

describe('telling damage from a bug', () => {
  it('a SQL mistake on a sound file stays INTERNAL; an unexplained error on a damaged file is CORRUPT', () => {
    const sound = new Database(join(copyWith({}), 'keystore.sqlite'));
    expect(fileIsSound(sound)).toBe(true);
    let typo: unknown;
    try {
      sound.prepare('SELEC id FROM keys').all();
    } catch (e) {
      typo = e;
    }
    expect((typo as { code?: string }).code).toBe('SQLITE_ERROR');
    expect(damageOr(sqliteError(typo), sound)).toMatchObject({ kind: 'INTERNAL' });
    expect(damageOr(new TypeError('a bug'), sound)).toBeInstanceOf(TypeError);
    sound.close();

    // A b-tree page of the keys table with its cell count zeroed and content left: quick_check finds it.
    const dir = copyWith({});
    const probe = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
    const rootPage = probe.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'keys'").pluck().get() as number;
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    const file = readFileSync(join(dir, 'keystore.sqlite'));
    file.writeUInt16BE(0xffff, (rootPage - 1) * pageSize + 3); // 65535 cells on a 4 KiB page
    writeFileSync(join(dir, 'keystore.sqlite'), file);
    const damaged = new Database(join(dir, 'keystore.sqlite'));
    expect(fileIsSound(damaged)).toBe(false);
    expect(damageOr(new KmsError('INTERNAL', 'keystore storage failed (SQLITE_ERROR)'), damaged)).toMatchObject({ kind: 'CORRUPT' });
    expect(damageOr(new KmsError('WRONG_SECRET', 'kept'), damaged)).toMatchObject({ kind: 'WRONG_SECRET' });
    damaged.close();
  });

  it('a renamed table or column in the stored schema is CORRUPT at open, and the file is not written', () => {
    const edits = [
      "UPDATE sqlite_schema SET name = 'kexs', tbl_name = 'kexs', sql = replace(sql, 'TABLE keys', 'TABLE kexs') WHERE name = 'keys'",
      "UPDATE sqlite_schema SET sql = replace(sql, 'label TEXT', 'lafel TEXT') WHERE name = 'keys'",
      "UPDATE sqlite_schema SET sql = replace(sql, 'v TEXT', 'w TEXT') WHERE name = 'meta'",
    ];
    for (const sql of edits) {
      const dir = copyWith({ sql });
      const before = readFileSync(join(dir, 'keystore.sqlite'));
      expect({ sql, kind: openKind(dir) }).toEqual({ sql, kind: 'CORRUPT' });
      expect(readFileSync(join(dir, 'keystore.sqlite')).equals(before)).toBe(true);
      removeDir(dir);
    }
    expect(openKind(copyWith({}))).toBe('opened');
  });

  it('a key row the id index cannot find, or metadata without its keystore id, is CORRUPT, not NOT_FOUND or uninitialized', () => {
    const dir = copyWith({ sql: "UPDATE meta SET k = 'keystore_ie' WHERE k = 'keystore_id'" });
    // Found at open already (openChecks.ts: tables that hold rows without a keystore id are not a new keystore).
    expect(openKind(dir)).toBe('CORRUPT');
    removeDir(dir);
  });
});
