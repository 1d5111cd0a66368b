// The keystore's SQLite schema (DESIGN.md section 4). Version 2 adds the key-set tree (keySet.ts) and the count
// of aggregated audit entries; a version 1 keystore gets both at its first unlock (keystore.ts, migrateSchema).
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
