// Key records: the secret part AES-256-GCM-encrypted under a key derived from the master key, with the key's id,
// algorithm, provider, policy and public key as associated data; every column MACed. Any edited byte is TAMPERED.
// Which rows exist is authenticated by the key-set tree (keySet.ts): every read checks the key's leaf first.
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import type { AlgorithmId, Caller, Operation } from '../api/index.js';
import { canonical } from './canonical.js';
import type { Db } from './database.js';
import type { DerivedKeys } from './derivedKeys.js';
import type { KeySet } from './keySet.js';
import { KeyVersions } from './keyVersions.js';

export interface KeyPolicy {
  purposes: Operation[];
  exportable: boolean;
  requiresApproval: boolean;
  callers?: Caller[] | undefined;
  allowRawAgreement?: boolean | undefined;
}

export interface KeyRecord {
  id: string;
  label: string;
  algorithm: AlgorithmId;
  provider: string;
  policy: KeyPolicy;
  publicRaw?: Uint8Array | undefined;
  ref?: Record<string, string> | undefined;
  derivation?: { parentId: string; path: string } | undefined;
  createdAt: number;
  /** Current version (symmetric keys rotate; earlier versions live in key_versions until retired). */
  version: number;
  /** Whether an encrypted secret is stored (false for public-only and token keys). */
  hasSecret: boolean;
}

export interface Row {
  rowid: number;
  id: string;
  label: string;
  algorithm: string;
  provider: string;
  policy: string;
  public_raw: Buffer | null;
  secret_iv: Buffer | null;
  secret_ct: Buffer | null;
  ref: string | null;
  derivation: string | null;
  created_at: number;
  version: number;
  mac: Buffer;
}

const RECORD_CACHE_MAX = 10_000;
const COLUMNS = 'rowid, id, label, algorithm, provider, policy, public_raw, secret_iv, secret_ct, ref, derivation, created_at, version, mac';

export function secretAad(r: Pick<Row, 'id' | 'algorithm' | 'provider' | 'policy' | 'public_raw' | 'ref' | 'version'>): Buffer {
  return canonical('owkms/key-secret/v1', [r.id, r.algorithm, r.provider, r.policy, r.public_raw, r.ref, r.version]);
}

export function rowBytes(r: Omit<Row, 'rowid' | 'mac'>): Buffer {
  return canonical('owkms/key-row/v1', [
    r.id, r.label, r.algorithm, r.provider, r.policy, r.public_raw, r.secret_iv, r.secret_ct, r.ref, r.derivation, r.created_at, r.version,
  ]);
}

function parseJson<T>(text: string | null, what: string): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new KmsError('TAMPERED', `key ${what} is unreadable`, { cause: e });
  }
}

export class KeyTable {
  private readonly stmts;
  readonly versions: KeyVersions;
  /** Records already verified since unlock; this process is the keystore's only opener (exclusive lock). */
  private readonly verifiedRecords = new Map<string, KeyRecord>();

  constructor(
    private readonly db: Db,
    private readonly dk: () => DerivedKeys,
    private readonly keySet: KeySet,
  ) {
    this.stmts = this.prepare();
    this.versions = new KeyVersions(db, dk, keySet);
  }

  private prepare() {
    return {
    insert: this.db.prepare(
      'INSERT INTO keys (id, label, algorithm, provider, policy, public_raw, secret_iv, secret_ct, ref, derivation, created_at, version, mac) ' +
        'VALUES (@id, @label, @algorithm, @provider, @policy, @public_raw, @secret_iv, @secret_ct, @ref, @derivation, @created_at, @version, @mac)',
    ),
    get: this.db.prepare(`SELECT ${COLUMNS} FROM keys WHERE id = ?`),
    scan: this.db.prepare('SELECT 1 FROM keys NOT INDEXED WHERE id = ?').pluck(),
    page: this.db.prepare(`SELECT ${COLUMNS} FROM keys WHERE rowid > ? ORDER BY rowid LIMIT ?`),
    pageById: this.db.prepare(`SELECT ${COLUMNS} FROM keys WHERE id > ? ORDER BY id LIMIT ?`),
    delete: this.db.prepare('DELETE FROM keys WHERE id = ?'),
    count: this.db.prepare('SELECT count(*) AS n FROM keys'),
    // The id index, counted on its own: a second structure to hold a whole listing against (byte sweep, issue 13).
    indexCount: this.db.prepare('SELECT count(*) FROM keys INDEXED BY sqlite_autoindex_keys_1').pluck(),
    };
  }

  insert(rec: Omit<KeyRecord, 'hasSecret' | 'version'> & { version?: number }, secret?: Uint8Array): void {
    const base = {
      id: rec.id,
      label: rec.label,
      algorithm: rec.algorithm,
      provider: rec.provider,
      policy: JSON.stringify(rec.policy),
      public_raw: rec.publicRaw ? Buffer.from(rec.publicRaw) : null,
      ref: rec.ref ? JSON.stringify(rec.ref) : null,
      derivation: rec.derivation ? JSON.stringify(rec.derivation) : null,
      created_at: rec.createdAt,
      version: rec.version ?? 1,
    };
    this.keySet.beforeChange(rec.id);
    let secret_iv: Buffer | null = null;
    let secret_ct: Buffer | null = null;
    if (secret) {
      secret_iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', this.dk().get('key-encryption'), secret_iv);
      c.setAAD(secretAad(base));
      secret_ct = Buffer.concat([c.update(secret), c.final(), c.getAuthTag()]);
    }
    const row = { ...base, secret_iv, secret_ct };
    this.stmts.insert.run({ ...row, mac: this.dk().hmac('row-mac', rowBytes(row)) });
  }

  private verified(row: Row): Row {
    const expected = this.dk().hmac('row-mac', rowBytes(row));
    if (row.mac.length !== expected.length || !timingSafeEqual(row.mac, expected)) {
      throw new KmsError('TAMPERED', `key record ${row.id.slice(0, 64)} failed its integrity check`);
    }
    return row;
  }

  private toRecord(row: Row): KeyRecord {
    return {
      id: row.id,
      label: row.label,
      algorithm: row.algorithm as AlgorithmId,
      provider: row.provider,
      policy: parseJson<KeyPolicy>(row.policy, 'policy')!,
      publicRaw: row.public_raw ?? undefined,
      ref: parseJson(row.ref, 'reference'),
      derivation: parseJson(row.derivation, 'derivation'),
      createdAt: row.created_at,
      version: row.version,
      hasSecret: row.secret_ct !== null,
    };
  }

  private row(id: string): Row {
    // The leaf first: a deleted key put back, or an older copy of its row, is TAMPERED rather than used.
    this.keySet.verifyKey(id);
    const row = this.stmts.get.get(id) as Row | undefined;
    if (!row) {
      // A key the id index does not find but the table holds is a damaged index, not a missing key (a scan of the
      // table, on this error path only).
      if (this.stmts.scan.get(id) !== undefined) throw new KmsError('CORRUPT', "the keystore's index of keys is damaged");
      throw new KmsError('NOT_FOUND', 'no key with that id');
    }
    return this.verified(row);
  }

  get(id: string): KeyRecord {
    let rec = this.verifiedRecords.get(id);
    if (!rec) {
      rec = this.toRecord(this.row(id));
      if (this.verifiedRecords.size >= RECORD_CACHE_MAX) this.verifiedRecords.clear();
      this.verifiedRecords.set(id, rec);
    }
    return rec;
  }

  /** Forget verified records (at lock, and for one key when it changes). */
  forget(id?: string): void {
    if (id === undefined) this.verifiedRecords.clear();
    else this.verifiedRecords.delete(id);
  }

  /** The decrypted secret; the caller owns (and zeroizes) the buffer. */
  secret(id: string): Buffer {
    const row = this.row(id);
    if (!row.secret_ct || !row.secret_iv) throw new KmsError('UNSUPPORTED', 'this key has no private part here');
    if (row.secret_ct.length < 16) throw new KmsError('TAMPERED', 'key secret is truncated');
    try {
      const d = createDecipheriv('aes-256-gcm', this.dk().get('key-encryption'), row.secret_iv);
      d.setAAD(secretAad(row));
      d.setAuthTag(row.secret_ct.subarray(row.secret_ct.length - 16));
      return Buffer.concat([d.update(row.secret_ct.subarray(0, row.secret_ct.length - 16)), d.final()]);
    } catch (e) {
      throw new KmsError('TAMPERED', 'key secret failed authentication', { cause: e });
    }
  }

  /** One page in insertion order; the cursor is opaque to callers (the last rowid). */
  page(after: number, limit: number): { records: KeyRecord[]; last?: number } {
    this.keySet.assertWhole();
    const rows = this.stmts.page.all(after, limit) as Row[];
    for (const r of rows) this.keySet.verifyKey(r.id);
    // Every row read verifies, but a damaged page of the table's b-tree can hide rows from the walk without an error
    // (found by the full byte sweep: a flipped cell pointer listed 3 of 7 keys). A whole listing must hold as many keys
    // as the id index does.
    if (after === 0 && rows.length < limit && rows.length !== (this.stmts.indexCount.get() as number)) {
      throw new KmsError('CORRUPT', 'the keys table and its index disagree on how many keys there are (the file is damaged; owkms doctor says which keys can be saved)');
    }
    return { records: rows.map((r) => this.toRecord(this.verified(r))), last: rows.length === limit ? rows.at(-1)!.rowid : undefined };
  }

  /**
   * One page in key-id order (keys.list; issue 17); the cursor is the page's last id. Ids are random, so a page in
   * insertion order touches a different branch of the key-set tree for nearly every key (at a million keys, about
   * 160 node checks for 100 keys); consecutive ids share their branch, so a page costs a few node checks whatever
   * the size of the keystore. Every key is still checked against the tree before it is returned, and so is every
   * leaf in the page's id range (a deleted key is TAMPERED on the page that would hold it).
   */
  pageById(after: string, limit: number): { records: KeyRecord[]; last?: string } {
    this.keySet.assertWhole();
    const rows = this.stmts.pageById.all(after, limit) as Row[];
    for (const r of rows) this.keySet.verifyKey(r.id);
    const last = rows.length === limit ? rows.at(-1)!.id : undefined;
    this.keySet.verifyRange(after, last); // a key missing from the page is missing from the tree too
    return { records: rows.map((r) => this.toRecord(this.verified(r))), last };
  }

  delete(id: string): void {
    this.row(id); // a tampered row is reported, not silently removed
    this.keySet.beforeChange(id);
    this.forget(id);
    this.stmts.delete.run(id);
    this.versions.deleteAll(id);
  }

  /** A new current secret; the previous one moves to key_versions (it still decrypts until retired). */
  rotate(id: string, newSecret: Uint8Array): KeyRecord {
    const rec = this.get(id);
    const old = this.secret(id);
    try {
      this.versions.store(id, rec.algorithm, rec.version, old);
    } finally {
      old.fill(0);
    }
    this.keySet.beforeChange(id);
    this.forget(id);
    this.stmts.delete.run(id);
    this.insert({ ...rec, version: rec.version + 1 }, newSecret);
    return this.get(id);
  }

  /** The secret of `version`: the current one from this row, earlier ones from key_versions. */
  secretOfVersion(id: string, version: number): Buffer {
    const rec = this.get(id);
    if (version === rec.version) return this.secret(id);
    if (version > rec.version || version < 1) throw new KmsError('NOT_FOUND', `this key has no version ${version}`);
    return this.versions.secret(id, rec.algorithm, version);
  }

  /** Replace label and policy; the secret is re-encrypted because the policy is part of its associated data. */
  update(id: string, label: string, policy: KeyPolicy): void {
    const rec = this.get(id);
    const secret = rec.hasSecret ? this.secret(id) : undefined;
    try {
      this.keySet.beforeChange(id);
      this.forget(id);
      this.stmts.delete.run(id);
      this.insert({ ...rec, label, policy }, secret);
    } finally {
      secret?.fill(0);
    }
  }

  /** Whether a key with this id is stored (its leaf checked first). */
  exists(id: string): boolean {
    this.keySet.verifyKey(id);
    return this.stmts.get.get(id) !== undefined;
  }

  count(): number {
    return (this.stmts.count.get() as { n: number }).n;
  }
}
