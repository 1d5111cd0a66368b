// Earlier versions of rotated symmetric keys: each secret encrypted under the key-encryption key with the key's
// id, algorithm and version as associated data, each row MACed. They decrypt old ciphertexts until retired.
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import { canonical } from './canonical.js';
import type { Db } from './database.js';
import type { DerivedKeys } from './derivedKeys.js';
import type { KeySet } from './keySet.js';

export interface VersionRow {
  key_id: string;
  version: number;
  secret_iv: Buffer;
  secret_ct: Buffer;
  created_at: number;
  mac: Buffer;
}

export const aad = (keyId: string, algorithm: string, version: number) => canonical('owkms/key-version/v1', [keyId, algorithm, version]);
export const rowBytes = (r: Omit<VersionRow, 'mac'>) => canonical('owkms/key-version-row/v1', [r.key_id, r.version, r.secret_iv, r.secret_ct, r.created_at]);

export class KeyVersions {
  constructor(
    private readonly db: Db,
    private readonly dk: () => DerivedKeys,
    private readonly keySet: KeySet,
  ) {}

  /** `createdAt`: when the version was made (a restore keeps the original time). */
  store(keyId: string, algorithm: string, version: number, secret: Uint8Array, createdAt = Date.now()): void {
    this.keySet.beforeChange(keyId);
    const secret_iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.dk().get('key-encryption'), secret_iv);
    c.setAAD(aad(keyId, algorithm, version));
    const secret_ct = Buffer.concat([c.update(secret), c.final(), c.getAuthTag()]);
    const row = { key_id: keyId, version, secret_iv, secret_ct, created_at: createdAt };
    this.db
      .prepare('INSERT INTO key_versions (key_id, version, secret_iv, secret_ct, created_at, mac) VALUES (?, ?, ?, ?, ?, ?)')
      .run(keyId, version, secret_iv, secret_ct, row.created_at, this.dk().hmac('row-mac', rowBytes(row)));
  }

  /** The secret of an earlier version; the caller zeroizes it. NOT_FOUND when retired or never made. */
  secret(keyId: string, algorithm: string, version: number): Buffer {
    this.keySet.verifyKey(keyId);
    const row = this.db.prepare('SELECT * FROM key_versions WHERE key_id = ? AND version = ?').get(keyId, version) as VersionRow | undefined;
    if (!row) throw new KmsError('NOT_FOUND', `version ${version} of this key does not exist or was retired`);
    const want = this.dk().hmac('row-mac', rowBytes(row));
    if (row.mac.length !== want.length || !timingSafeEqual(row.mac, want) || row.secret_ct.length < 16) {
      throw new KmsError('TAMPERED', `version ${version} of key ${keyId.slice(0, 64)} failed its integrity check`);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.dk().get('key-encryption'), row.secret_iv);
      d.setAAD(aad(keyId, algorithm, version));
      d.setAuthTag(row.secret_ct.subarray(row.secret_ct.length - 16));
      return Buffer.concat([d.update(row.secret_ct.subarray(0, row.secret_ct.length - 16)), d.final()]);
    } catch (e) {
      throw new KmsError('TAMPERED', 'key version secret failed authentication', { cause: e });
    }
  }

  /** Every stored earlier version with its creation time (backups). */
  entries(keyId: string): Array<{ version: number; createdAt: number }> {
    this.keySet.verifyKey(keyId);
    return (this.db.prepare('SELECT version, created_at FROM key_versions WHERE key_id = ? ORDER BY version').all(keyId) as Array<{ version: number; created_at: number }>).map(
      (r) => ({ version: r.version, createdAt: r.created_at }),
    );
  }

  versions(keyId: string): number[] {
    this.keySet.verifyKey(keyId);
    return this.db.prepare('SELECT version FROM key_versions WHERE key_id = ? ORDER BY version').pluck().all(keyId) as number[];
  }

  /** Retire every version below `below`: ciphertexts they made no longer decrypt. Returns how many went. */
  retireBelow(keyId: string, below: number): number {
    this.keySet.beforeChange(keyId);
    return this.db.prepare('DELETE FROM key_versions WHERE key_id = ? AND version < ?').run(keyId, below).changes;
  }

  deleteAll(keyId: string): void {
    this.keySet.beforeChange(keyId);
    this.db.prepare('DELETE FROM key_versions WHERE key_id = ?').run(keyId);
  }
}
