// The keystore facade: one SQLite file, its state (uninitialized / locked / unlocked), the master key's derived
// keys while unlocked, and the write path (transaction + generation counter + audit + metadata MAC).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import type { SealerKind } from '../api/index.js';
import { AuditLog, GENESIS, type AuditRecord } from '../audit/auditLog.js';
import type { SealedCopy } from '../sealing/sealer.js';
import { damageOr } from './damage.js';
import { databaseExists, type Db, guarded, openDatabase, sqliteError } from './database.js';
import { DerivedKeys, masterCheck } from './derivedKeys.js';
import { KeySet, ROOT_META_KEY } from './keySet.js';
import { KeyTable } from './keyTable.js';
import { removeHolder } from './lockFile.js';
import type { UnlockPolicy } from './masterKeyShares.js';
import { MetaTable } from './metaTable.js';
import { RemoteTable } from './remoteTable.js';
import { parseSealerRows, readSealerRows, sealerMac, SEALERS_DIGEST, sealersDigest, UNSEAL_CHECK_KEY, unsealDigest } from './sealerRows.js';
import { checkFileHeader, checkLooksInitialized, checkSchemaShape } from './openChecks.js';
import { foreignSchemaObjects, migrateSchema, SCHEMA_VERSION } from './schema.js';
import { assertPrivateStore } from './storePermissions.js';
import { UnlockThrottle } from './unlockThrottle.js';

export type KeystoreState = 'uninitialized' | 'locked' | 'unlocked';

const SEALER_SET_KEY = 'sealer_set';
const sealerSet = (copies: readonly SealedCopy[]) => copies.map((c) => c.kind).sort().join(',');

export class Keystore {
  readonly meta: MetaTable;
  readonly audit: AuditLog;
  readonly throttle: UnlockThrottle;
  private readonly keyTable: KeyTable;
  /** KMIP servers (issue 15); endpoints() works while locked, everything else needs the keystore unlocked. */
  readonly remotes: RemoteTable;
  private readonly keySet: KeySet;
  private dk: DerivedKeys | undefined;

  private constructor(
    readonly dir: string,
    private readonly db: Db,
  ) {
    this.meta = new MetaTable(db);
    this.audit = new AuditLog(db);
    this.throttle = new UnlockThrottle(db);
    this.keySet = new KeySet(db, () => this.derived(), this.meta);
    this.keyTable = new KeyTable(db, () => this.derived(), this.keySet);
    this.remotes = new RemoteTable(db, () => this.derived(), this.meta);
  }

  static open(dir: string, caller: string): Keystore {
    assertPrivateStore(dir);
    checkFileHeader(dir); // before SQLite reads (or, for an empty file, initializes) it
    const db = openDatabase(dir, caller);
    try {
      return guarded(() => {
        const foreign = foreignSchemaObjects(db);
        if (foreign.length > 0) throw new KmsError('TAMPERED', `the keystore file holds objects it never had (${[...foreign.join(', ')].slice(0, 120).join('')})`);
        migrateSchema(db);
        checkSchemaShape(db);
        checkLooksInitialized(db);
        return new Keystore(dir, db);
      }, dir);
    } catch (e) {
      const err = damageOr(sqliteError(e, dir), db);
      db.close();
      removeHolder(dir);
      throw err;
    }
  }

  /** A failure as the protocol says it: SQLite's codes mapped, and anything unexplained CORRUPT if the file is damaged. */
  classify(e: unknown): unknown {
    return damageOr(sqliteError(e, this.dir), this.db);
  }

  /** Whether `dir` holds a keystore; opening one that does not exist creates it, which only kms.init may do. */
  static exists(dir: string): boolean {
    return databaseExists(dir);
  }

  get state(): KeystoreState {
    if (this.dk) return 'unlocked';
    if (this.keystoreId) return 'locked';
    // No keystore id: a new keystore has no metadata at all; metadata without its id is a damaged one.
    if (!guarded(() => this.meta.isEmpty())) throw new KmsError('CORRUPT', "the keystore's metadata is damaged (it has no keystore id)");
    return 'uninitialized';
  }

  get keystoreId(): string | undefined {
    return guarded(() => this.meta.get('keystore_id'));
  }

  get unlockPolicy(): UnlockPolicy {
    return this.meta.get('unlock_policy') === 'all' ? 'all' : 'any';
  }

  get generation(): number {
    return Number(this.meta.get('generation') ?? '0');
  }

  private derived(): DerivedKeys {
    if (!this.dk) throw new KmsError(this.state === 'uninitialized' ? 'NOT_INITIALIZED' : 'LOCKED', `the keystore is ${this.state}`);
    return this.dk;
  }

  assertUnlocked(): void {
    this.derived();
  }

  /** A metadata value, after checking the MAC over all metadata (for values read long after unlock). */
  authenticatedMeta(k: string): string | undefined {
    const dk = this.derived();
    guarded(() => this.meta.verify(dk));
    return this.meta.get(k);
  }

  /** Key records; only while unlocked. */
  get keys(): KeyTable {
    this.derived();
    return this.keyTable;
  }

  /** The sealed copies; `checked` (the default, for anything that unseals) first checks them against their digest. */
  sealedCopies(checked = true): SealedCopy[] {
    const rows = guarded(() => readSealerRows(this.db));
    const digest = checked ? this.meta.get(SEALERS_DIGEST) : undefined;
    if (digest !== undefined && digest !== sealersDigest(rows)) throw new KmsError('TAMPERED', 'the sealed copies of the master key fail their checksum (damaged or edited)');
    return parseSealerRows(rows);
  }

  private unsealDigest(): string {
    return unsealDigest(this.db, this.meta);
  }

  /** Before unsealing: TAMPERED if what unsealing reads was damaged since it was written. */
  assertUnsealable(): void {
    const stored = guarded(() => this.meta.get(UNSEAL_CHECK_KEY));
    if (stored !== undefined && stored !== guarded(() => this.unsealDigest())) {
      throw new KmsError('TAMPERED', 'the sealed copies of the master key, or what unsealing reads with them, changed since they were written (damaged or edited)');
    }
  }

  private writeSealers(dk: DerivedKeys, copies: readonly SealedCopy[]): void {
    this.db.prepare('DELETE FROM sealers').run();
    const ins = this.db.prepare('INSERT INTO sealers (kind, params, blob, mac) VALUES (?, ?, ?, ?)');
    for (const c of copies) ins.run(c.kind, JSON.stringify(c.params), Buffer.from(c.blob), sealerMac(dk, c));
    // Which sealers exist is part of the MACed metadata: a removed row (the TPM's, whose counter guards against
    // rollback) is TAMPERED, not a quietly weaker keystore. The rows' digest tells a damaged copy from a wrong secret.
    this.meta.set(SEALER_SET_KEY, sealerSet(copies));
    this.meta.set(SEALERS_DIGEST, sealersDigest(readSealerRows(this.db)));
  }

  /** A new keystore id (made before sealing, since sealed copies are bound to it). */
  static newKeystoreId(): string {
    return randomBytes(16).toString('base64url');
  }

  /**
   * Store a fresh master key's sealed copies and unlock with it. Takes ownership of `mk`. `content` (kms.restore)
   * fills the new keystore in the same transaction, with the master key's derived keys at hand: all or nothing.
   */
  initialize(keystoreId: string, mk: Buffer, copies: readonly SealedCopy[], policy: UnlockPolicy, content?: { fill(): void; audit: readonly AuditRecord[] }): void {
    if (this.state !== 'uninitialized') throw new KmsError('ALREADY_INITIALIZED', 'the keystore is initialized already');
    const dk = new DerivedKeys(mk, keystoreId);
    const check = masterCheck(mk, keystoreId);
    mk.fill(0);
    this.dk = dk;
    try {
      guarded(
        () =>
          this.db.transaction(() => {
            this.meta.set('schema_version', String(SCHEMA_VERSION));
            this.meta.set('keystore_id', keystoreId);
            this.meta.set('unlock_policy', policy);
            this.meta.set('master_check', check.toString('base64url'));
            this.meta.set('created_at', new Date().toISOString());
            this.meta.set('generation', '1');
            this.meta.set(ROOT_META_KEY, '');
            this.writeSealers(dk, copies);
            this.meta.set(UNSEAL_CHECK_KEY, this.unsealDigest());
            if (content) {
              content.fill();
              this.keySet.commit();
              this.recordAudit(content.audit, dk);
            }
            this.meta.seal(dk);
          })(),
        this.dir,
      );
    } catch (e) {
      this.lock();
      throw e;
    }
  }

  /** Whether `mk` is this keystore's master key (the check value stored at init). */
  matchesMasterKey(mk: Uint8Array): boolean {
    const id = this.keystoreId;
    if (!id) return false;
    const expected = Buffer.from(this.meta.get('master_check') ?? '', 'base64url');
    const actual = masterCheck(mk, id);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /** Check a combined master key and every authenticated row it covers; then unlock. Takes ownership of `mk`. */
  unlockWith(mk: Buffer): void {
    const id = this.keystoreId;
    if (!id) throw new KmsError('NOT_INITIALIZED', 'the keystore is not initialized');
    const matches = this.matchesMasterKey(mk);
    const dk = new DerivedKeys(mk, id);
    mk.fill(0);
    try {
      if (!matches) throw new KmsError('TAMPERED', 'the unsealed master key does not match this keystore');
      this.meta.verify(dk);
      const macs = this.db.prepare('SELECT kind, mac FROM sealers').all() as Array<{ kind: SealerKind; mac: Buffer | null }>;
      const copies = this.sealedCopies();
      for (const c of copies) {
        const stored = macs.find((m) => m.kind === c.kind)?.mac;
        const want = sealerMac(dk, c);
        if (!stored || stored.length !== want.length || !timingSafeEqual(stored, want)) {
          throw new KmsError('TAMPERED', `sealer ${c.kind} record failed its integrity check`);
        }
      }
      const recordedSealers = this.meta.get(SEALER_SET_KEY);
      if (recordedSealers !== undefined && recordedSealers !== sealerSet(copies)) {
        throw new KmsError('TAMPERED', 'the set of sealers does not match its authenticated record (a sealer row was removed or added)');
      }
      // Entries written while locked stay unsealed (audit.verify reports them as unauthenticated): sealing them
      // now would vouch for rows anyone could have written to the file in the meantime.
      if (this.meta.get(ROOT_META_KEY) === undefined) this.upgrade(dk, copies);
      if (this.meta.get(UNSEAL_CHECK_KEY) === undefined) {
        // A keystore from before the unseal check: record it now that the rows are authenticated.
        const record = this.db.transaction(() => {
          this.meta.set(UNSEAL_CHECK_KEY, this.unsealDigest());
          this.meta.seal(dk);
        });
        guarded(() => record(), this.dir);
      }
    } catch (e) {
      dk.zeroize();
      throw e;
    }
    this.dk = dk;
  }

  /**
   * A keystore from before key-set integrity (schema 1; its MACed metadata says so, so this cannot be forced on a
   * newer one): build the tree from the rows as they are now and record the sealer set. Trust on first upgrade.
   */
  private upgrade(dk: DerivedKeys, copies: readonly SealedCopy[]): void {
    if (this.meta.get('schema_version') !== '1') throw new KmsError('TAMPERED', 'the key-set record is missing');
    guarded(() =>
      this.db.transaction(() => {
        this.dk = dk; // the tree's MAC key, for the rebuild only
        try {
          this.keySet.rebuild();
        } finally {
          this.dk = undefined;
        }
        this.meta.set(SEALER_SET_KEY, sealerSet(copies));
        this.meta.set('schema_version', String(SCHEMA_VERSION));
        this.meta.seal(dk);
      })(),
    );
  }

  /** Re-seal: replace the set of sealed copies (kms.changeSealers); keys are not re-encrypted. */
  replaceSealers(copies: readonly SealedCopy[], policy: UnlockPolicy): void {
    const dk = this.derived();
    this.write(() => {
      this.writeSealers(dk, copies);
      this.meta.set('unlock_policy', policy);
      this.meta.set(UNSEAL_CHECK_KEY, this.unsealDigest());
    });
  }

  lock(): void {
    this.keyTable.forget();
    this.keySet.reset();
    this.dk?.zeroize();
    this.dk = undefined;
  }

  /**
   * One write transaction: the change, its audit entries, the generation counter and the metadata MAC. `erases`:
   * the change removed secrets (a deleted key, a replaced or retired version); secure_delete zeroed their pages,
   * and a checkpoint then empties the WAL, which still holds the old page images.
   */
  write<T>(fn: () => T, audit: readonly AuditRecord[] = [], opts: { erases?: boolean } = {}): T {
    const dk = this.derived();
    let out: T;
    try {
      out = guarded(
        () =>
          this.db.transaction(() => {
            const out = fn();
            this.keySet.commit();
            this.meta.set('generation', String(this.generation + 1));
            if (audit.length > 0) this.recordAudit(audit, dk);
            this.meta.seal(dk);
            return out;
          })(),
        this.dir,
      );
    } catch (e) {
      // The transaction rolled back: what was verified or cached during it may describe rows that are gone.
      this.keySet.forget();
      this.keyTable.forget();
      throw e;
    }
    if (opts.erases) {
      // The change is committed: a checkpoint that fails now (a full disk) must not report it as failed. The WAL
      // keeps the old page images until the next checkpoint succeeds.
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (e) {
        process.stderr.write(`owkms: checkpoint after an erasing write failed (${(e as { code?: string }).code ?? 'error'}); it runs again with the next one\n`);
      }
    }
    return out;
  }

  /** One step of the background key-set check (keySetCheck.ts); throws TAMPERED on a mismatch. */
  checkKeySetPrefix(prefix: string): void {
    this.derived();
    guarded(() => this.keySet.checkPrefix(prefix), this.dir);
  }

  /** The first key-set mismatch found since unlock, if any. */
  get keySetDamage(): KmsError | undefined {
    return this.keySet.damaged;
  }

  private recordAudit(records: readonly AuditRecord[], dk: DerivedKeys): void {
    const head = this.audit.append(records, { dk, head: this.auditHead() })!;
    this.meta.set('audit_head', JSON.stringify({ seq: head.seq, mac: head.mac.toString('base64url') }));
  }

  /** Audit entries for operations that change nothing else (one transaction for many entries). */
  appendAudit(records: readonly AuditRecord[]): void {
    if (records.length === 0 || this.state === 'uninitialized') return;
    // These entries describe reads and signatures, not changes: commit them without an fsync (the OS has them, so a
    // killed KMS keeps them; the next key write's fsync makes them durable against power loss too).
    this.db.pragma('synchronous = NORMAL');
    try {
      guarded(
        () =>
          this.db.transaction(() => {
            if (this.dk) {
              this.recordAudit(records, this.dk);
              this.meta.seal(this.dk);
            } else {
              this.audit.append(records);
            }
          })(),
        this.dir,
      );
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** The last sealed audit entry as the MACed metadata records it. */
  private auditHead(): { seq: number; mac: Buffer } {
    const text = this.meta.get('audit_head');
    if (!text) return { seq: 0, mac: GENESIS };
    try {
      const h = JSON.parse(text) as { seq: number; mac: string };
      return { seq: h.seq, mac: Buffer.from(h.mac, 'base64url') };
    } catch (e) {
      throw new KmsError('TAMPERED', 'the audit head is unreadable', { cause: e });
    }
  }

  verifyAudit() {
    const dk = this.derived();
    const head = this.auditHead();
    return guarded(() => this.audit.verify(dk, { seq: head.seq, mac: head.mac.toString('base64url') }));
  }

  close(): void {
    this.lock();
    try {
      this.db.close();
    } finally {
      removeHolder(this.dir);
    }
  }
}
