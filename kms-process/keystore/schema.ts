// The keystore's SQLite schema (DESIGN.md section 4). Version 1; a later version adds a migration here.

export const SCHEMA_VERSION = 1;

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
  mac BLOB
) STRICT;
`;
