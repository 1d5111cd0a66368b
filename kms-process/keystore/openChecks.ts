// What the keystore checks when it opens its file, before anything is unsealed (issue 13's byte sweep found each of
// these answering something other than CORRUPT): the SQLite file header's fields, a file cut shorter than one page,
// tables whose shape is not the one this version makes (a flipped byte in the schema text renames a table or a
// column), and a file that holds a keystore but lost the row that says so (it would look empty: a user could make a
// new wallet over it). All are CORRUPT.
import Database from 'better-sqlite3';
import { closeSync, lstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { KmsError } from '../api/errors.js';
import { DB_FILE, type Db } from './database.js';
import { SCHEMA_SQL } from './schema.js';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

const damaged = (what: string) => new KmsError('CORRUPT', `the keystore file is damaged (${what})`);

/** The 100-byte SQLite header, field by field (sqlite.org/fileformat.html, section 1.3), for the values we write. */
export function checkFileHeader(dir: string): void {
  const path = join(dir, DB_FILE);
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // no file yet: a new store
  }
  if (!st.isFile()) return; // a link or anything else: the store-permission check refuses it
  // Until its first checkpoint a keystore lives in its WAL and the database file may still be empty.
  const wal = walSize(dir);
  if (st.size === 0 && wal > 0) return;
  if (st.size < 512) throw damaged(`${st.size} bytes, less than one page: cut short; it is not replaced by a new keystore`);
  const h = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, h, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (!h.subarray(0, 16).equals(MAGIC)) throw damaged('not an SQLite file');
  const pageSize = h.readUInt16BE(16);
  if (!(pageSize === 1 || (pageSize >= 512 && pageSize <= 32768 && (pageSize & (pageSize - 1)) === 0))) throw damaged('page size');
  if (![1, 2].includes(h[18]!) || ![1, 2].includes(h[19]!)) throw damaged('file format version');
  if (h[20] !== 0 || h[21] !== 64 || h[22] !== 32 || h[23] !== 32) throw damaged('page layout');
  // 0 in both until the first table exists (a file whose tables so far live only in its WAL).
  if (h.readUInt32BE(44) > 4) throw damaged('schema format');
  if (h.readUInt32BE(56) > 1) throw damaged('text encoding');
  if (h.subarray(72, 92).some((b) => b !== 0)) throw damaged('reserved header bytes');
}

function walSize(dir: string): number {
  try {
    return lstatSync(join(dir, `${DB_FILE}-wal`)).size;
  } catch {
    return 0;
  }
}

type Shape = Array<{ type: string; name: string; tbl_name: string; columns: string }>;

function shapeOf(db: Db): Shape {
  const rows = db.prepare("SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name").all() as Array<{
    type: string;
    name: string;
    tbl_name: string;
  }>;
  return rows.map((r) => ({
    ...r,
    columns: JSON.stringify(r.type === 'table' ? db.pragma(`table_xinfo(${JSON.stringify(r.name)})`) : r.type === 'index' ? db.pragma(`index_xinfo(${JSON.stringify(r.name)})`) : []),
  }));
}

let expectedShape: string | undefined;

/** The tables, columns and indexes of this version's schema, as SQLite reports them. */
function expected(): string {
  if (!expectedShape) {
    const mem = new Database(':memory:');
    try {
      mem.exec(SCHEMA_SQL);
      expectedShape = JSON.stringify(shapeOf(mem));
    } finally {
      mem.close();
    }
  }
  return expectedShape;
}

/** After the schema and its migrations ran: the file's tables are exactly this version's. */
export function checkSchemaShape(db: Db): void {
  const actual = shapeOf(db);
  if (JSON.stringify(actual) === expected()) return;
  const want = new Map((JSON.parse(expected()) as Shape).map((o) => [o.name, o]));
  const odd = actual.find((o) => JSON.stringify(want.get(o.name)) !== JSON.stringify(o)) ?? [...want.values()].find((o) => !actual.some((a) => a.name === o.name));
  throw damaged(`its tables are not the ones it was made with: ${odd ? `${odd.type} ${odd.name.slice(0, 40)}` : 'order'}`);
}

/** A file with sealed copies, keys or metadata but no keystore id is a damaged keystore, not an empty one. */
export function checkLooksInitialized(db: Db): void {
  const id = db.prepare("SELECT v FROM meta WHERE k = 'keystore_id'").pluck().get();
  if (id !== undefined) return;
  const holds = db.prepare('SELECT (SELECT count(*) FROM meta) + (SELECT count(*) FROM sealers) + (SELECT count(*) FROM keys) + (SELECT count(*) FROM audit)').pluck().get() as number;
  if (holds > 0) throw damaged('it holds a keystore whose id is missing');
}
