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
import { Keystore } from './keystore/keystore.js';
import { storageError } from './keystore/storageErrors.js';
import type { PinFailureStore } from './providers/pkcs11/pinFailureStore.js';
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
  private opened: Keystore | KmsError;

  constructor(readonly options: KmsOptions) {
    this.cache = new KeyCache(options.keyCacheMs);
    this.opened = openOrError(options);
    this.registryReady = import('./algorithms/all.js').then((m) => (this.loadedRegistry = m.createAlgorithmRegistry()));
    this.software = new SoftwareProvider(() => this.registry, () => this.keystore, this.cache, () => this.inflight > 1);
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

  /** Wrong-PIN counts for tokens that do not count them, kept in the keystore so they survive a restart. */
  private pinStore(): PinFailureStore {
    const throttle = () => this.keystore.throttle;
    return {
      read: (serial) => throttle().read(`pin:${serial}`),
      write: (serial, state) => throttle().write(`pin:${serial}`, state),
    };
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
    if (this.opened instanceof Keystore) {
      await this.lock();
      this.opened.close();
    }
    this.opened = new KmsError('BUSY', 'owkms doctor is reading the keystore file');
    try {
      return await fn();
    } finally {
      this.opened = openOrError(this.options);
    }
  }

  /** The open keystore, or the typed reason it is not (BUSY, CORRUPT, ...). */
  get keystore(): Keystore {
    if (this.opened instanceof KmsError) throw this.opened;
    return this.opened;
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
    this.kmip.closeAll();
    if (!(this.opened instanceof KmsError)) this.opened.lock();
    // Token logins end with the lock too: keys and sealers on tokens need the PIN again.
    if (this.pkcs11.started) await (await this.pkcs11.get()).tokens.logoutAll();
  }

  /**
   * host:port of every configured KMIP server, readable before unlock (for a sandbox that allows TCP connect only
   * to these; rows are authenticated at use, not here). Empty when the keystore did not open.
   */
  kmipEndpoints(): Array<{ host: string; port: number }> {
    if (this.opened instanceof KmsError) return [];
    return this.opened.remotes.endpoints().map(({ host, port }) => ({ host, port }));
  }

  close(): void {
    this.kmip.closeAll();
    this.keySetCheck.stop();
    void this.pkcs11.close();
    this.audit.flushAll();
    this.cache.dispose();
    if (!(this.opened instanceof KmsError)) this.opened.close();
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
