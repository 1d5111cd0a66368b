// The keystore's SQLite schema (DESIGN.md section 4). Version 2 adds the key-set tree (keySet.ts) and the count
// of aggregated audit entries; a version 1 keystore gets both at its first unlock (keystore.ts, migrateSchema).
import Database from 'better-sqlite3';
import { KmsError } from '../api/errors.js';
import type { Db } from './database.js';

export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS sealers (
  kind TEXT PRIMARY KEY,
  params TEXT NOT NULL,
  blob BLOB NOT NULL,
  mac BLOB
) STRICT;

CREATE TABLE IF NOT EXISTS unlock_attempts (
  subject TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  provider TEXT NOT NULL,
  policy TEXT NOT NULL,
  public_raw BLOB,
  secret_iv BLOB,
  secret_ct BLOB,
  ref TEXT,
  derivation TEXT,
  created_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  mac BLOB NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS key_versions (
  key_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  secret_iv BLOB NOT NULL,
  secret_ct BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  mac BLOB NOT NULL,
  PRIMARY KEY (key_id, version)
) STRICT;

-- KMIP servers (keystore/remoteTable.ts): the client key encrypted like key material, every row MACed.
CREATE TABLE IF NOT EXISTS remotes (
  name TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  ca TEXT NOT NULL,
  cert TEXT NOT NULL,
  options TEXT NOT NULL,
  key_iv BLOB NOT NULL,
  key_ct BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  mac BLOB NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  caller TEXT NOT NULL,
  method TEXT NOT NULL,
  key_id TEXT,
  outcome TEXT NOT NULL,
  mac BLOB,
  count INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE IF NOT EXISTS keyset (
  parent TEXT NOT NULL,
  prefix TEXT NOT NULL,
  digest BLOB NOT NULL,
  PRIMARY KEY (parent, prefix)
) STRICT, WITHOUT ROWID;
`;

/** Columns added after version 1 (CREATE TABLE IF NOT EXISTS leaves an existing table as it was). */
export function migrateSchema(db: Db): void {
  const auditColumns = (db.prepare("SELECT name FROM pragma_table_info('audit')").pluck().all() as string[]);
  if (!auditColumns.includes('count')) db.exec('ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1');
}

/**
 * Triggers and views are never part of a keystore: one added to the file offline would run inside the KMS's own
 * writes (undo a tightened policy, clear the unlock attempt count). Their presence is TAMPERED, before any use.
 */
export function foreignSchemaObjects(db: Db): string[] {
  return db.prepare("SELECT type || ' ' || name FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY name").pluck().all() as string[];
}

/** Table -> column -> declared type, as SQLite itself reads SCHEMA_SQL (in memory, once). */
let declared: Map<string, Map<string, string>> | undefined;
function declaredTables(): Map<string, Map<string, string>> {
  if (declared) return declared;
  const mem = new Database(':memory:');
  try {
    mem.exec(SCHEMA_SQL);
    declared = columnsOf(mem);
  } finally {
    mem.close();
  }
  return declared;
}

function columnsOf(db: Db): Map<string, Map<string, string>> {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  return new Map(tables.map((t) => [t, new Map((db.pragma(`table_info(${JSON.stringify(t)})`) as Array<{ name: string; type: string }>).map((c) => [c.name, c.type]))]));
}

const damaged = (what: string) => new KmsError('CORRUPT', `the keystore's schema is damaged (${what})`);

/**
 * Create the tables a new (or older) keystore lacks, after checking that the file names nothing this schema does not
 * declare: a flipped byte in the stored schema that SQLite still parses renames a table or a column, and creating the
 * declared one beside it would write into a damaged file and answer from an empty table.
 */
export function applySchema(db: Db): void {
  const want = declaredTables();
  const objects = db.prepare('SELECT type, name, tbl_name AS tbl FROM sqlite_schema').all() as Array<{ type: string; name: string; tbl: string }>;
  for (const o of objects) {
    if (o.type === 'table' && !want.has(o.name) && !o.name.startsWith('sqlite_')) throw damaged(`an unknown table`);
    if (o.type === 'index' && !(o.name.startsWith('sqlite_autoindex_') && want.has(o.tbl))) throw damaged('an unknown index');
    // Triggers and views are not damage but an insertion: Keystore.open answers TAMPERED for them (foreignSchemaObjects).
    if (o.type !== 'table' && o.type !== 'index' && o.type !== 'trigger' && o.type !== 'view') throw damaged(`an unexpected ${o.type.slice(0, 16)}`);
  }
  for (const [table, columns] of columnsOf(db)) {
    const declaredColumns = want.get(table);
    if (!declaredColumns) continue;
    for (const [name, type] of columns) if (declaredColumns.get(name) !== type) throw damaged(`an unknown column in ${table}`);
  }
  db.exec(SCHEMA_SQL);
}
