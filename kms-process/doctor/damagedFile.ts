// Reading a keystore file that may be damaged (owkms doctor): every table row by row where a whole-table read
// fails, so rows on readable pages are found even when others are not. Nothing here trusts what it reads: the rows
// come back as SQLite returned them (types unchecked) and are authenticated later with the master key
// (doctorCheck.ts). The connection only reads (query_only).
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE } from '../keystore/database.js';
import { checkFileHeader } from '../keystore/openChecks.js';

export type RawRow = Record<string, unknown>;

export interface FileFindings {
  bytes: number;
  walBytes: number;
  /** 'ok', or what is wrong with the SQLite header. */
  header: string;
  /** SQLite's own quick_check: ['ok'] or the problems it lists (at most 20). */
  integrity: string[];
  /** Tables or rows SQLite could not read. */
  unreadable: string[];
}

export interface RawKeystore {
  findings: FileFindings;
  meta: RawRow[];
  sealers: RawRow[];
  keys: RawRow[];
  versions: RawRow[];
  remotes: RawRow[];
  /** The audit log through the same connection (verified later), or undefined when the file did not open. */
  db: Database.Database | undefined;
}

const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 160);

/** All rows of `table`, or as many as can be read one rowid at a time. */
function readTable(db: Database.Database, table: string, unreadable: string[]): RawRow[] {
  try {
    return db.prepare(`SELECT rowid AS _rowid, * FROM ${table}`).all() as RawRow[];
  } catch (e) {
    unreadable.push(`${table}: ${message(e)}`);
  }
  let last = 0;
  try {
    last = Number(db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() ?? 0);
  } catch {
    // the rightmost path is damaged too: bound the scan by the file's size
    last = Number(db.pragma('page_count', { simple: true })) * 64;
  }
  const one = db.prepare(`SELECT rowid AS _rowid, * FROM ${table} WHERE rowid = ?`);
  const rows: RawRow[] = [];
  let failed = 0;
  for (let r = 1; r <= last && r <= 10_000_000; r++) {
    try {
      const row = one.get(r) as RawRow | undefined;
      if (row) rows.push(row);
    } catch {
      failed++;
    }
  }
  if (failed > 0) unreadable.push(`${table}: ${failed} row(s) on damaged pages`);
  return rows;
}

export function readDamagedKeystore(dir: string): RawKeystore {
  const path = join(dir, DB_FILE);
  const findings: FileFindings = { bytes: size(path), walBytes: size(`${path}-wal`), header: 'ok', integrity: [], unreadable: [] };
  const empty: RawKeystore = { findings, meta: [], sealers: [], keys: [], versions: [], remotes: [], db: undefined };
  try {
    checkFileHeader(dir);
  } catch (e) {
    findings.header = message(e);
  }
  if (!existsSync(path)) {
    findings.header = 'there is no keystore file';
    return empty;
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('trusted_schema = OFF');
    db.pragma('temp_store = MEMORY');
    db.pragma('query_only = ON');
  } catch (e) {
    findings.unreadable.push(`the file: ${message(e)}`);
    return empty;
  }
  try {
    findings.integrity = (db.pragma('quick_check(20)') as Array<Record<string, string>>).map((r) => Object.values(r)[0] ?? '');
  } catch (e) {
    findings.integrity = [message(e)];
  }
  const out: RawKeystore = { ...empty, db };
  for (const [field, table] of [['meta', 'meta'], ['sealers', 'sealers'], ['keys', 'keys'], ['versions', 'key_versions'], ['remotes', 'remotes']] as const) {
    try {
      out[field] = readTable(db, table, findings.unreadable);
    } catch (e) {
      findings.unreadable.push(`${table}: ${message(e)}`);
    }
  }
  return out;
}
