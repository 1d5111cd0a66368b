// Key-set integrity (DESIGN.md section 4): the set of key records and key versions is bound to the MACed,
// rollback-counted metadata, so a deleted, added, duplicated, swapped or older row is TAMPERED.
//
// Row MACs alone authenticate each row's content, not which rows exist: an older copy of one key's row (weaker
// policy) or a deleted key's row put back carries a valid MAC. So the rows also hang in a radix-64 Merkle tree keyed
// by key id (ids are random base64url): a leaf is the MAC over the (id, row MAC) of every key whose id starts with its
// three characters, and the (version, row MAC) of their earlier versions; a node is the MAC over its 64 children's
// digests; the root lives in the metadata, under the metadata MAC and the generation / rollback counter.
//
// Cost stays flat in the number of keys (the benchmark checks 100,000; issue 17 a million): unlock reads nothing
// per key, and the first use of a key verifies only its own path (its leaf's few rows, then 64 stored digests at
// each of three levels, each level cached once verified). A write re-verifies the path it changes, then re-MACs it
// at commit. What a path check cannot see (a key whose whole leaf was deleted, and never asked for) is found by
// `checkPrefix`, which the KMS runs over every two-character prefix in the background after unlock.
import { timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import { canonical } from './canonical.js';
import type { Db } from './database.js';
import type { DerivedKeys } from './derivedKeys.js';
import type { MetaTable } from './metaTable.js';

/** base64url in ASCII order (SQLite's BINARY collation), so id ranges and child order agree. */
export const ID_ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const LEAF_DEPTH = 3;
/** Above every alphabet character: `prefix + END` bounds the ids that start with `prefix`. */
const END = '~';
export const ROOT_META_KEY = 'keyset_root';

type Digest = Buffer | null;

const mismatch = (what: string) =>
  new KmsError('TAMPERED', `the set of keys does not match its authenticated record (${what}): a key or version row was removed, added or replaced`);

const parentOf = (prefix: string) => prefix.slice(0, -1);
const leafOf = (id: string) => id.slice(0, LEAF_DEPTH);

function sameDigest(a: Digest, b: Digest): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && timingSafeEqual(a, b);
}

export class KeySet {
  /** Verified digests (null: no such node) of the children of every prefix in `childrenVerified`. */
  private readonly digests = new Map<string, Digest>();
  private readonly childrenVerified = new Set<string>();
  /** Leaves whose rows were checked against the tree since unlock (and changed only by this process since). */
  private readonly leavesVerified = new Set<string>();
  /** Leaves changed in the open write transaction, re-MACed at `commit`. */
  private readonly dirty = new Set<string>();
  /** The first mismatch found since unlock; keys.list and kms.status report it. */
  private damage: KmsError | undefined;
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly dk: () => DerivedKeys,
    private readonly meta: MetaTable,
  ) {
    this.stmts = {
      children: db.prepare('SELECT prefix, digest FROM keyset WHERE parent = ?'),
      upsert: db.prepare('INSERT INTO keyset (parent, prefix, digest) VALUES (?, ?, ?) ON CONFLICT(parent, prefix) DO UPDATE SET digest = excluded.digest'),
      remove: db.prepare('DELETE FROM keyset WHERE parent = ? AND prefix = ?'),
      keyRows: db.prepare('SELECT id, mac FROM keys WHERE id >= ? AND id < ? ORDER BY id'),
      versionRows: db.prepare('SELECT key_id, version, mac FROM key_versions WHERE key_id >= ? AND key_id < ? ORDER BY key_id, version'),
    };
  }

  private found(what: string): KmsError {
    this.damage ??= mismatch(what);
    return mismatch(what);
  }

  /** Refuse a listing of the whole set once any part of it was found changed. */
  assertWhole(): void {
    if (this.damage) throw this.damage;
  }

  get damaged(): KmsError | undefined {
    return this.damage;
  }

  private hmac(fields: Parameters<typeof canonical>[1], domain: string): Buffer {
    return this.dk().hmac('key-set', canonical(domain, fields));
  }

  /** Leaf digests computed from the rows whose ids start with `prefix` (any length up to the leaf depth). */
  private leavesFromRows(prefix: string): Map<string, Buffer> {
    const fields = new Map<string, Array<string | number | Uint8Array>>();
    const add = (id: string, ...f: Array<string | number | Uint8Array>) => {
      const leaf = leafOf(id);
      // An id outside the alphabet can only come from an edited file (ids are made by newKeyId).
      if (leaf.length !== LEAF_DEPTH || [...leaf].some((c) => !ID_ALPHABET.includes(c))) throw this.found('a row has a malformed id');
      let list = fields.get(leaf);
      if (!list) fields.set(leaf, (list = []));
      list.push(...f);
    };
    for (const r of this.stmts.keyRows.all(prefix, prefix + END) as Array<{ id: string; mac: Buffer }>) add(r.id, 'k', r.id, r.mac);
    for (const r of this.stmts.versionRows.all(prefix, prefix + END) as Array<{ key_id: string; version: number; mac: Buffer }>) {
      add(r.key_id, 'v', r.key_id, r.version, r.mac);
    }
    const out = new Map<string, Buffer>();
    for (const [leaf, f] of fields) out.set(leaf, this.hmac([leaf, ...f], 'owkms/keyset-leaf/v1'));
    return out;
  }

  private nodeDigest(prefix: string, child: (c: string) => Digest): Digest {
    const children = [...ID_ALPHABET].map((c) => child(prefix + c));
    if (children.every((d) => d === null)) return null;
    return this.hmac([prefix, ...children], 'owkms/keyset-node/v1');
  }

  private storedRoot(): Digest {
    const text = this.meta.get(ROOT_META_KEY);
    if (text === undefined) throw this.found('no root');
    return text === '' ? null : Buffer.from(text, 'base64url');
  }

  /** The verified digest of `prefix` (checking the stored tree from the root down as far as needed). */
  private expected(prefix: string): Digest {
    if (prefix === '') return this.storedRoot();
    this.verifyChildren(parentOf(prefix));
    return this.digests.get(prefix) ?? null;
  }

  private verifyChildren(parent: string): void {
    if (this.childrenVerified.has(parent)) return;
    const want = this.expected(parent);
    const stored = new Map<string, Buffer>();
    for (const r of this.stmts.children.all(parent) as Array<{ prefix: string; digest: Buffer }>) {
      if (r.prefix.length !== parent.length + 1 || !r.prefix.startsWith(parent)) throw this.found('a misplaced node');
      stored.set(r.prefix, r.digest);
    }
    if (!sameDigest(this.nodeDigest(parent, (p) => stored.get(p) ?? null), want)) throw this.found(`node '${parent}'`);
    for (const c of ID_ALPHABET) this.digests.set(parent + c, stored.get(parent + c) ?? null);
    this.childrenVerified.add(parent);
  }

  /** Check that the rows in `id`'s leaf are exactly the authenticated ones (before reading or changing a key). */
  verifyKey(id: string): void {
    const leaf = leafOf(id);
    if (leaf.length !== LEAF_DEPTH) return; // no stored id is this short; the lookup finds nothing
    this.verifyLeaf(leaf);
  }

  /**
   * A keys.list page in id order covers the ids in (after, last] (to the end when `last` is undefined): check every
   * leaf the tree has in that range, so a key whose whole leaf was deleted is found on the page that would hold it,
   * not only by the background check. The leaves of the page's own rows are checked already; the rest cost a walk
   * over cached node digests.
   */
  verifyRange(after: string, last: string | undefined): void {
    const hi = last ?? END;
    const walk = (prefix: string): void => {
      for (const c of ID_ALPHABET) {
        const p = prefix + c;
        if (p + END <= after || p > hi) continue; // no id in (after, hi] starts with p
        if (this.expected(p) === null) continue;
        if (p.length === LEAF_DEPTH) this.verifyLeaf(p);
        else walk(p);
      }
    };
    walk('');
  }

  private verifyLeaf(leaf: string): void {
    if (this.leavesVerified.has(leaf) || this.dirty.has(leaf)) return;
    const want = this.expected(leaf);
    if (!sameDigest(this.leavesFromRows(leaf).get(leaf) ?? null, want)) throw this.found(`leaf '${leaf}'`);
    this.leavesVerified.add(leaf);
  }

  /** Before a write changes `id`'s rows (inside the write transaction): verify, then re-MAC at commit. */
  beforeChange(id: string): void {
    this.verifyKey(id);
    this.dirty.add(leafOf(id));
  }

  /** At the end of a write transaction: new digests for the changed leaves and their paths, the root in meta. */
  commit(): void {
    if (this.dirty.size === 0) return;
    let level = new Set<string>();
    for (const leaf of this.dirty) {
      this.setDigest(leaf, this.leavesFromRows(leaf).get(leaf) ?? null);
      this.leavesVerified.add(leaf);
      level.add(parentOf(leaf));
    }
    this.dirty.clear();
    while (level.size > 0) {
      const up = new Set<string>();
      for (const prefix of level) {
        const d = this.nodeDigest(prefix, (p) => this.digests.get(p) ?? null);
        if (prefix === '') this.meta.set(ROOT_META_KEY, d ? d.toString('base64url') : '');
        else {
          this.setDigest(prefix, d);
          up.add(parentOf(prefix));
        }
      }
      level = up;
    }
  }

  private setDigest(prefix: string, d: Digest): void {
    const parent = parentOf(prefix);
    if (d) this.stmts.upsert.run(parent, prefix, d);
    else this.stmts.remove.run(parent, prefix);
    this.digests.set(prefix, d);
  }

  /**
   * The background check of one two-character prefix against the verified tree: every leaf below it computed
   * from the rows. Finds what path checks miss: a key whose whole leaf was deleted, rows nobody has asked for.
   */
  checkPrefix(prefix: string): void {
    this.verifyChildren(prefix);
    const fromRows = this.leavesFromRows(prefix);
    for (const c of ID_ALPHABET) {
      const leaf = prefix + c;
      if (this.dirty.has(leaf)) continue;
      if (!sameDigest(fromRows.get(leaf) ?? null, this.digests.get(leaf) ?? null)) throw this.found(`leaf '${leaf}'`);
      this.leavesVerified.add(leaf);
    }
  }

  /** Every two-character prefix, in the order `checkPrefix` should visit them. */
  static *prefixes(): Generator<string> {
    for (const a of ID_ALPHABET) for (const b of ID_ALPHABET) yield a + b;
  }

  /**
   * Build the whole tree from the rows (a new keystore, or one made before key-set integrity existed), one
   * first character at a time so memory stays bounded by the rows under it.
   */
  rebuild(): void {
    this.db.prepare('DELETE FROM keyset').run();
    this.forget();
    const top = new Map<string, Digest>();
    for (const a of ID_ALPHABET) {
      const leaves = this.leavesFromRows(a);
      const mid = new Map<string, Digest>();
      for (const b of ID_ALPHABET) mid.set(a + b, this.nodeDigest(a + b, (leaf) => leaves.get(leaf) ?? null));
      top.set(a, this.nodeDigest(a, (p) => mid.get(p) ?? null));
      for (const [prefix, d] of [...leaves, ...mid, [a, top.get(a)!] as const]) if (d) this.stmts.upsert.run(parentOf(prefix), prefix, d);
    }
    const root = this.nodeDigest('', (p) => top.get(p) ?? null);
    this.meta.set(ROOT_META_KEY, root ? root.toString('base64url') : '');
  }

  /** At lock: nothing is verified any more, and a new unlock looks again. */
  reset(): void {
    this.forget();
    this.damage = undefined;
  }

  /** Drop everything verified (after a write transaction that rolled back, whose digests may not have been kept). */
  forget(): void {
    this.digests.clear();
    this.childrenVerified.clear();
    this.leavesVerified.clear();
    this.dirty.clear();
  }
}
