// Keystore-wide values (id, unlock policy, generation counter, audit head) with one MAC over all of them once
// the keystore is unlocked; the MAC is checked at unlock, so an edited or rolled-back meta row is TAMPERED.
import { timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import { canonical } from './canonical.js';
import type { Db } from './database.js';
import type { DerivedKeys } from './derivedKeys.js';

export const MAC_KEY = 'meta_mac';

/** What the metadata MAC covers: every row but the MAC's own, ordered by key. */
export function metaBytes(rows: ReadonlyArray<{ k: string; v: string }>): Buffer {
  return canonical('owkms/meta/v1', rows.flatMap((r) => [r.k, r.v]));
}

export class MetaTable {
  private readonly getStmt;
  private readonly scanStmt;
  private readonly anyStmt;
  private readonly setStmt;
  private readonly allStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT v FROM meta WHERE k = ?').pluck();
    this.scanStmt = db.prepare('SELECT v FROM meta NOT INDEXED WHERE k = ?').pluck();
    this.anyStmt = db.prepare('SELECT 1 FROM meta NOT INDEXED LIMIT 1').pluck();
    this.setStmt = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v');
    this.allStmt = db.prepare('SELECT k, v FROM meta WHERE k <> ? ORDER BY k');
  }

  get(k: string): string | undefined {
    const v = this.getStmt.get(k) as string | undefined;
    // A value the primary-key index does not find but the table holds is a damaged index, not a missing value.
    if (v === undefined && this.scanStmt.get(k) !== undefined) throw new KmsError('CORRUPT', "the keystore's metadata index is damaged");
    return v;
  }

  /** Whether the table holds no row at all (read without the index). */
  isEmpty(): boolean {
    return this.anyStmt.get() === undefined;
  }

  set(k: string, v: string): void {
    this.setStmt.run(k, v);
  }

  private bytes(): Buffer {
    return metaBytes(this.allStmt.all(MAC_KEY) as Array<{ k: string; v: string }>);
  }

  /** Recompute the MAC after changes (inside the same transaction). */
  seal(dk: DerivedKeys): void {
    this.set(MAC_KEY, dk.hmac('row-mac', this.bytes()).toString('base64url'));
  }

  verify(dk: DerivedKeys): void {
    const stored = Buffer.from(this.get(MAC_KEY) ?? '', 'base64url');
    const expected = dk.hmac('row-mac', this.bytes());
    if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) {
      throw new KmsError('TAMPERED', 'keystore metadata failed its integrity check');
    }
  }
}
