// Everything a service needs, built once at start: the keystore (or why it could not open), the algorithm
// registry, the providers, the sealers, the key cache and the audit batcher.
import type { HardeningReport } from '../native/harden/index.js';
import { KmsError, type SandboxStatus, type SealerKind } from './api/index.js';
import type { AlgorithmRegistry } from './algorithms/registry.js';
import { appLocation } from './appLocation.js';
import { AuditBatcher } from './audit/auditBatcher.js';
import type { AuditRecord } from './audit/auditLog.js';
import { IntegrityGate } from './integrity/integrityGate.js';
import { KeyCache } from './keystore/keyCache.js';
import { sqliteError } from './keystore/database.js';
import { Keystore } from './keystore/keystore.js';
import { storageError } from './keystore/storageErrors.js';
import { assertPrivateStore } from './keystore/storePermissions.js';
import { createKeystore } from './keystore/keystoreCreation.js';
import { MemoryPinFailureStore, type PinFailureStore } from './providers/pkcs11/pinFailureStore.js';
import { Pkcs11Runtime } from './providers/pkcs11/pkcs11Runtime.js';
import { KmipRuntime } from './providers/kmip/kmipRuntime.js';
import type { ExternalKeyProvider, KeyProvider } from './providers/provider.js';
import { SoftwareProvider } from './providers/softwareProvider.js';
import { KeychainSealer } from './sealing/keychainSealer.js';
import { PassphraseSealer } from './sealing/passphraseSealer.js';
import type { Sealer } from './sealing/sealer.js';
import { KeySetCheck } from './services/keySetCheck.js';
import type { RollbackStatus } from './services/rollbackGuard.js';
import { TpmSealer } from './sealing/tpmSealer.js';
import { CryptoPool } from './workers/cryptoPool.js';

export { KMS_VERSION } from './api/version.js';

export interface KmsOptions {
  storeDir: string;
  /** Who spawned this KMS (for the lock holder name). */
  holder: string;
  /** Idle time before a decrypted key is zeroized. */
  keyCacheMs: number;
  /** What process hardening the OS confirmed at start (reported by kms.status). */
  hardening?: HardeningReport;
  /** The sandbox as the kernel accepted it at start (reported by kms.status). */
  sandbox?: SandboxStatus;
}

export class KmsContext {
  /** The algorithm files load in the background (they are most of the KMS's code); key and crypto calls wait. */
  readonly registryReady: Promise<AlgorithmRegistry>;
  private loadedRegistry: AlgorithmRegistry | undefined;
  readonly cache: KeyCache;
  /** Crypto workers (started at the first operation that queues behind another; issue 17). */
  readonly pool: CryptoPool;
  readonly software: SoftwareProvider;
  readonly pkcs11: Pkcs11Runtime;
  /** KMIP servers' clients (issue 15), made on first use from the keystore's remotes. */
  readonly kmip: KmipRuntime;
  readonly sealers = new Map<SealerKind, Sealer>();
  readonly audit: AuditBatcher;
  /** The app integrity check that every unseal passes first (a development build reports itself unverified). */
  readonly integrity = new IntegrityGate(appLocation());
  /** The background check of the whole key set after each unlock. */
  readonly keySetCheck = new KeySetCheck();
  /** The rollback guard's last verdict (set at init, unlock, restore and sealer changes; kms.status reports it). */
  rollback: RollbackStatus = { guard: 'none', state: 'none', detail: 'not checked yet' };
  /** Requests being handled right now (set by the dispatcher); more than one means callers are pipelining. */
  inflight = 0;
  /** The keystore, the typed reason it could not be opened, or undefined while its folder holds none. */
  private opened: Keystore | KmsError | undefined;
  /** Set while owkms doctor reads the file itself: every other request is BUSY, and nothing reopens it meanwhile. */
  private released: KmsError | undefined;
  /** PIN failures on tokens the KMS counts for, while there is no keystore to keep them in. */
  private readonly pinsWithoutKeystore = new MemoryPinFailureStore();

  constructor(readonly options: KmsOptions) {
    this.cache = new KeyCache(options.keyCacheMs);
    // A store that does not exist is not created here: only kms.init creates one (issue 9).
    this.opened = Keystore.exists(options.storeDir) ? openOrError(options) : undefined;
    this.registryReady = import('./algorithms/all.js').then((m) => (this.loadedRegistry = m.createAlgorithmRegistry()));
    this.pool = new CryptoPool({ idleMs: options.keyCacheMs });
    this.cache.onEvict((id) => this.pool.forget(id));
    this.software = new SoftwareProvider(() => this.registry, () => this.keystore, this.cache, () => this.inflight > 1, this.pool);
    this.audit = new AuditBatcher((records) => {
      if (!(this.opened instanceof Keystore)) return;
      try {
        this.opened.appendAudit(records);
      } catch (e) {
        // The operations these entries describe have already been answered; a failure to log them is reported on
        // stderr (no data, no secrets) and caught again by audit.verify.
        process.stderr.write(`owkms: audit write failed: ${(e as Error).name}\n`);
      }
    });
    this.pkcs11 = new Pkcs11Runtime(() => this.pinStore());
    this.kmip = new KmipRuntime(() => this.keystore.remotes);
    this.sealers.set('passphrase', new PassphraseSealer());
    this.sealers.set('tpm', new TpmSealer());
    this.sealers.set('keychain', new KeychainSealer());
    this.sealers.set('pkcs11', this.pkcs11.sealer());
  }

  /**
   * Wrong-PIN counts for tokens that do not count them, kept in the keystore so they survive a restart; in memory
   * while there is no keystore (a token used before `init`), since making one would be a side effect.
   */
  private pinStore(): PinFailureStore {
    const store = (): PinFailureStore => {
      const ks = this.existingKeystore;
      if (!ks) return this.pinsWithoutKeystore;
      return { read: (serial) => ks.throttle.read(`pin:${serial}`), write: (serial, state) => ks.throttle.write(`pin:${serial}`, state) };
    };
    return { read: (serial) => store().read(serial), write: (serial, state) => store().write(serial, state) };
  }

  get registry(): AlgorithmRegistry {
    if (!this.loadedRegistry) throw new KmsError('BUSY', 'the KMS is still loading its algorithms');
    return this.loadedRegistry;
  }

  /** Why the keystore did not open at start (or at the last reopen), if it did not. */
  get openError(): KmsError | undefined {
    return this.opened instanceof KmsError ? this.opened : undefined;
  }

  /**
   * Close the keystore (if it opened) for `fn`, which reads the file itself (owkms doctor), then open it again as at
   * start. Meanwhile every other request gets BUSY.
   */
  async withKeystoreReleased<T>(fn: () => Promise<T>): Promise<T> {
    // BUSY for new requests from now on; one already running when the file closes fails BUSY too (sqliteError).
    this.released = new KmsError('BUSY', 'owkms doctor is reading the keystore file');
    if (this.opened instanceof Keystore) {
      await this.lock();
      this.opened.close();
    }
    this.opened = undefined;
    try {
      return await fn();
    } finally {
      this.released = undefined;
      this.opened = Keystore.exists(this.options.storeDir) ? openOrError(this.options) : undefined;
    }
  }

  /**
   * The open keystore, or undefined when the store folder holds none; throws the typed reason it could not be
   * opened (BUSY, CORRUPT, ...). A keystore another process created, or closed, since this one started is opened now.
   */
  get existingKeystore(): Keystore | undefined {
    if (this.released) throw this.released;
    // BUSY is tried again: the other process may have closed the keystore since.
    const retry = this.opened === undefined || (this.opened instanceof KmsError && this.opened.kind === 'BUSY');
    if (retry && Keystore.exists(this.options.storeDir)) this.opened = openOrError(this.options);
    if (this.opened instanceof KmsError) throw this.opened;
    // A folder without a keystore is checked too: one open to others is refused before anything is made in it.
    if (!this.opened) assertPrivateStore(this.options.storeDir);
    return this.opened;
  }

  /** The open keystore, or the typed reason it is not (NOT_INITIALIZED when there is none, BUSY, CORRUPT, ...). */
  get keystore(): Keystore {
    const ks = this.existingKeystore;
    if (!ks) throw new KmsError('NOT_INITIALIZED', 'there is no keystore in this store folder (nothing was created); initialize one first (owkms init)');
    return ks;
  }

  /**
   * A failure as the protocol says it: SQLite's codes mapped (BUSY, CORRUPT, ...), and one that would be INTERNAL
   * checked against the open keystore file, CORRUPT when the file is damaged (keystore/damage.ts).
   */
  classifyFailure(e: unknown): unknown {
    const storage = storageError(e); // a full disk or an I/O error outside SQLite (the lock file): UNAVAILABLE
    if (storage instanceof KmsError) return storage;
    if (this.opened instanceof Keystore) return this.opened.classify(e);
    return sqliteError(e, this.options.storeDir);
  }

  /** kms.init: the keystore, created (folder and file) when there is none; `discard` undoes that creation. */
  keystoreForInit(): { keystore: Keystore; discard?: () => void } {
    const ks = this.existingKeystore;
    if (ks) return { keystore: ks };
    const made = createKeystore(this.options.storeDir, this.options.holder);
    this.opened = made.keystore;
    // PIN attempts counted while there was no keystore (a pkcs11 sealer's login in this very init) are kept.
    for (const [serial, state] of this.pinsWithoutKeystore.entries()) made.keystore.throttle.write(`pin:${serial}`, state);
    return {
      keystore: made.keystore,
      discard: () => {
        this.opened = undefined;
        made.discard();
      },
    };
  }

  async provider(id: string): Promise<KeyProvider> {
    if (id === 'software') return this.software;
    return this.externalProvider(id);
  }

  async externalProvider(id: string): Promise<ExternalKeyProvider> {
    const kind = id.split(':', 1)[0]!;
    if (kind === 'pkcs11') return (await this.pkcs11.get()).provider;
    if (kind === 'kmip') return this.kmip.provider;
    throw new KmsError('UNSUPPORTED', `provider '${kind}' is not available in this KMS`);
  }

  /** A keystore write with its audit entry, after the batched entries that came before it. */
  write<T>(fn: () => T, audit: AuditRecord, opts: { erases?: boolean } = {}): T {
    this.audit.flush();
    return this.keystore.write(fn, [audit], opts);
  }

  async lock(): Promise<void> {
    this.keySetCheck.stop();
    this.audit.flushAll();
    this.cache.clear();
    this.pool.clear(); // every key each worker holds is zeroized (the evictions above said so key by key too)
    this.kmip.closeAll();
    if (this.opened instanceof Keystore) this.opened.lock();
    // Token logins end with the lock too: keys and sealers on tokens need the PIN again.
    if (this.pkcs11.started) await (await this.pkcs11.get()).tokens.logoutAll();
  }

  close(): void {
    this.kmip.closeAll();
    this.keySetCheck.stop();
    void this.pkcs11.close();
    this.audit.flushAll();
    this.cache.dispose();
    void this.pool.close();
    if (this.opened instanceof Keystore) this.opened.close();
  }
}

function openOrError(options: KmsOptions): Keystore | KmsError {
  try {
    return Keystore.open(options.storeDir, options.holder);
  } catch (e) {
    const mapped = storageError(e);
    return mapped instanceof KmsError ? mapped : new KmsError('INTERNAL', 'the keystore could not be opened', { cause: e });
  }
}
