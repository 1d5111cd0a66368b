// KMIP servers the keystore's `kmip:NAME` keys live on. The client certificate's private key is key material: it
// is AES-256-GCM encrypted under the key-encryption key with the rest of the row as associated data; every row is
// MACed, and the set of rows is bound to the counter-protected metadata (a deleted, added or older row is TAMPERED).
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import { canonical } from './canonical.js';
import type { Db } from './database.js';
import type { DerivedKeys } from './derivedKeys.js';
import type { MetaTable } from './metaTable.js';

/** Per-remote settings (JSON, authenticated with the row). */
export interface RemoteOptions {
  /** Highest KMIP version to negotiate, e.g. "1.4". */
  maxVersion?: string | undefined;
  /** Budget of one request to this server, in ms. */
  timeoutMs?: number | undefined;
}

export interface RemoteRecord {
  name: string;
  host: string;
  port: number;
  /** PEM: the CA that signs the server's certificate, and our client certificate. */
  ca: string;
  cert: string;
  options: RemoteOptions;
  createdAt: number;
}

export interface Row {
  name: string;
  host: string;
  port: number;
  ca: string;
  cert: string;
  options: string;
  key_iv: Buffer;
  key_ct: Buffer;
  created_at: number;
  mac: Buffer;
}

export const DIGEST_KEY = 'remotes_digest';

export const keyAad = (r: Pick<Row, 'name' | 'host' | 'port' | 'ca' | 'cert' | 'options'>): Buffer =>
  canonical('owkms/remote-key/v1', [r.name, r.host, r.port, r.ca, r.cert, r.options]);
export const rowBytes = (r: Omit<Row, 'mac'>): Buffer =>
  canonical('owkms/remote-row/v1', [r.name, r.host, r.port, r.ca, r.cert, r.options, r.key_iv, r.key_ct, r.created_at]);

export class RemoteTable {
  constructor(
    private readonly db: Db,
    private readonly dk: () => DerivedKeys,
    private readonly meta: MetaTable,
  ) {}

  private rows(): Row[] {
    return this.db.prepare('SELECT * FROM remotes ORDER BY name').all() as Row[];
  }

  /** One value over every row's MAC, kept in the MACed metadata: the set of remotes cannot change behind us. */
  private digest(rows: readonly Row[]): string {
    const h = createHash('sha256').update('owkms/remotes-set/v1');
    for (const r of rows) h.update(canonical('', [r.name, r.mac]));
    return h.digest('base64url');
  }

  /** Every row, each MAC checked, and the set checked against the metadata. */
  private verifiedRows(): Row[] {
    const dk = this.dk();
    const rows = this.rows();
    for (const r of rows) {
      const want = dk.hmac('row-mac', rowBytes(r));
      if (r.mac.length !== want.length || !timingSafeEqual(r.mac, want)) {
        throw new KmsError('TAMPERED', `remote ${r.name.slice(0, 64)} failed its integrity check`);
      }
    }
    if ((this.meta.get(DIGEST_KEY) ?? this.digest([])) !== this.digest(rows)) {
      throw new KmsError('TAMPERED', 'the set of remotes does not match the keystore metadata');
    }
    return rows;
  }

  private toRecord(r: Row): RemoteRecord {
    let options: RemoteOptions;
    try {
      options = JSON.parse(r.options) as RemoteOptions;
    } catch (e) {
      throw new KmsError('TAMPERED', 'remote options are unreadable', { cause: e });
    }
    return { name: r.name, host: r.host, port: r.port, ca: r.ca, cert: r.cert, options, createdAt: r.created_at };
  }

  list(): RemoteRecord[] {
    return this.verifiedRows().map((r) => this.toRecord(r));
  }

  /** The remote and its decrypted client key (PEM). */
  get(name: string): RemoteRecord & { key: string } {
    const row = this.verifiedRow(name);
    const key = this.decryptKey(row);
    try {
      return { ...this.toRecord(row), key: key.toString('utf8') };
    } finally {
      key.fill(0);
    }
  }

  /** The client key's PEM bytes (a backup); the caller zeroizes them. */
  clientKey(name: string): Buffer {
    return this.decryptKey(this.verifiedRow(name));
  }

  private verifiedRow(name: string): Row {
    const row = this.verifiedRows().find((r) => r.name === name);
    if (!row) throw new KmsError('NOT_FOUND', `no remote named '${name.slice(0, 64)}'`);
    return row;
  }

  private decryptKey(row: Row): Buffer {
    if (row.key_ct.length < 16) throw new KmsError('TAMPERED', 'remote key is truncated');
    try {
      const d = createDecipheriv('aes-256-gcm', this.dk().get('key-encryption'), row.key_iv);
      d.setAAD(keyAad(row));
      d.setAuthTag(row.key_ct.subarray(row.key_ct.length - 16));
      const key = d.update(row.key_ct.subarray(0, row.key_ct.length - 16));
      try {
        d.final();
      } catch (e) {
        key.fill(0);
        throw e;
      }
      return key;
    } catch (e) {
      throw new KmsError('TAMPERED', 'remote key failed authentication', { cause: e });
    }
  }

  /** Inside a keystore write (the caller's transaction seals the metadata). */
  insert(rec: RemoteRecord, keyPem: string | Uint8Array): void {
    const existing = this.verifiedRows();
    const base = { name: rec.name, host: rec.host, port: rec.port, ca: rec.ca, cert: rec.cert, options: JSON.stringify(rec.options) };
    const key_iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.dk().get('key-encryption'), key_iv);
    c.setAAD(keyAad(base));
    const plain = typeof keyPem === 'string' ? Buffer.from(keyPem, 'utf8') : Buffer.from(keyPem);
    let key_ct: Buffer;
    try {
      key_ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    } finally {
      plain.fill(0);
    }
    const row = { ...base, key_iv, key_ct, created_at: rec.createdAt };
    const mac = this.dk().hmac('row-mac', rowBytes(row));
    this.db
      .prepare('INSERT INTO remotes (name, host, port, ca, cert, options, key_iv, key_ct, created_at, mac) VALUES (@name, @host, @port, @ca, @cert, @options, @key_iv, @key_ct, @created_at, @mac)')
      .run({ ...row, mac });
    this.meta.set(DIGEST_KEY, this.digest([...existing, { ...row, mac }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))));
  }

  /** Inside a keystore write. */
  delete(name: string): void {
    const rows = this.verifiedRows();
    if (!rows.some((r) => r.name === name)) throw new KmsError('NOT_FOUND', `no remote named '${name.slice(0, 64)}'`);
    this.db.prepare('DELETE FROM remotes WHERE name = ?').run(name);
    this.meta.set(DIGEST_KEY, this.digest(rows.filter((r) => r.name !== name)));
  }

  /** How many stored keys live on this remote (a remote in use is not removed). */
  keysUsing(name: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM keys WHERE provider = ?').get(`kmip:${name}`) as { n: number }).n;
  }

  /**
   * host:port of every configured remote, readable while locked (the rows are checked at unlock and at use, not
   * here): for a sandbox that allows TCP connect only to these endpoints when the KMS starts.
   */
  endpoints(): Array<{ name: string; host: string; port: number }> {
    return (this.db.prepare('SELECT name, host, port FROM remotes ORDER BY name').all() as Array<{ name: string; host: string; port: number }>).map((r) => ({ ...r }));
  }
}
