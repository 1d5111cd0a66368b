// Tokens of the loaded PKCS#11 modules: listing, resolving a serial to a session pool, login/logout with PIN
// safety (DESIGN.md section 4), and running operations with error mapping and recovery after a token vanished.
import pkcs11js from 'pkcs11js';
import { KmsError } from '../../api/index.js';
import { CKR, TOKEN_FLAGS } from './pkcs11Constants.js';
import { ckrOf, lostTokenSign, toKmsError } from './pkcs11Errors.js';
import { describe, type LoadedModule, type Pkcs11Modules } from './moduleRegistry.js';
import {
  backoffDelayMs,
  DEFAULT_BACKOFF,
  MemoryPinFailureStore,
  NO_FAILURES,
  retryAfterMs,
  type BackoffPolicy,
  type PinFailureStore,
} from './pinFailureStore.js';
import { SessionPool } from './sessionPool.js';
import { describeToken, moduleStatus, type TokenDescription, type TokenList } from './tokenInfo.js';

export interface TokenServiceOptions {
  modules: Pkcs11Modules;
  pinStore?: PinFailureStore;
  backoff?: BackoffPolicy;
  now?: () => number;
  /** Sessions per token. */
  maxSessions?: number;
  /** Told when an operation on a touch-capable token is still waiting after `touchHintMs` (show "touch your key"). */
  onTouchRequired?: (event: { serial: string; op: string }) => void;
  touchHintMs?: number;
}

/** Operation-specific meaning of a CKR code (e.g. a failed GCM tag check), used when the token is still there. */
export type ErrorMapper = (code: number) => KmsError | undefined;

interface Found {
  mod: LoadedModule;
  slot: Buffer;
  info: pkcs11js.TokenInfo;
}

export class TokenService {
  private readonly pools = new Map<string, SessionPool>();
  /** Serials seen present at least once: a missing one was removed (TOKEN_ERROR), an unknown one is NOT_FOUND. */
  private readonly known = new Map<string, LoadedModule>();
  /** Modules that lost a token and must be re-initialised before they can see it again. */
  private readonly stale = new Set<LoadedModule>();
  private readonly pinStore: PinFailureStore;
  private readonly backoff: BackoffPolicy;
  private readonly now: () => number;

  constructor(private readonly options: TokenServiceOptions) {
    this.pinStore = options.pinStore ?? new MemoryPinFailureStore();
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.now = options.now ?? Date.now;
  }

  get modules(): Pkcs11Modules {
    return this.options.modules;
  }

  async list(): Promise<TokenList> {
    this.refreshStale();
    const tokens: TokenDescription[] = [];
    for (const found of this.scanAll()) {
      const serial = found.info.serialNumber.trim();
      const pool = this.pools.get(serial);
      const d = describeToken(found.mod, found.slot, found.info, pool?.current === true && pool.loggedIn);
      if (!found.mod.profile.tokenCountsPinFailures) {
        const state = this.pinStore.read(serial);
        d.pin.kmsFailures = state.failures;
        d.pin.retryAfterMs = retryAfterMs(state, this.backoff, this.now());
      }
      tokens.push(d);
    }
    const modules = this.modules.list().map(moduleStatus);
    return { modules, tokens };
  }

  /** The session pool of a token named by serial (or by a label no other token has). */
  async resolve(token: string): Promise<SessionPool> {
    const cached = this.pools.get(token);
    if (cached?.current) return cached;
    if (cached) this.pools.delete(token);
    let found = this.lookup(token);
    const home = this.known.get(token);
    if (found.length === 0 && home?.profile.reinitAfterRemoval) {
      // SoftHSM2-like modules see a returning token only after re-initialisation. It logs out the other tokens
      // of that module too (their pools belong to the old generation).
      this.stale.add(home);
      found = this.lookup(token);
    }
    const hit = found[0];
    if (!hit || found.length > 1) {
      if (found.length > 1) throw new KmsError('INVALID_REQUEST', `token label '${token}' is ambiguous: name a serial`);
      if (home) throw new KmsError('TOKEN_ERROR', `token ${token} is not present (removed?)`);
      throw new KmsError('NOT_FOUND', `no PKCS#11 token with serial or label '${token}'`);
    }
    const serial = hit.info.serialNumber.trim();
    const existing = this.pools.get(serial);
    if (existing?.current) return existing;
    const pool = new SessionPool(hit.mod, hit.slot, serial, this.options.maxSessions ?? 4);
    pool.loginRequired = (hit.info.flags & TOKEN_FLAGS.loginRequired) !== 0;
    this.pools.set(serial, pool);
    return pool;
  }

  /** Log in after reading the token's flags; never spends a final try without `confirmFinalTry`. */
  async login(token: string, pin: string, opts: { confirmFinalTry?: boolean } = {}): Promise<{ serial: string; loggedIn: true }> {
    const pool = await this.resolve(token);
    const serial = pool.serial;
    const profile = pool.module.profile;
    const flags = this.flagsOf(pool);
    if (flags & TOKEN_FLAGS.userPinLocked) {
      throw new KmsError('PIN_LOCKED', `token ${serial}: the user PIN is locked; unblock it with the PUK or SO PIN`, {
        data: { attemptsLeft: 0 },
      });
    }
    if (flags & TOKEN_FLAGS.userPinFinalTry && opts.confirmFinalTry !== true) {
      throw new KmsError('PIN_LOCKED', `token ${serial}: one PIN attempt left; a wrong PIN locks the token (confirmFinalTry)`, {
        data: { attemptsLeft: 1 },
      });
    }
    const kmsCounts = !profile.tokenCountsPinFailures;
    let failures = 0;
    if (kmsCounts) {
      const state = this.pinStore.read(serial);
      const wait = retryAfterMs(state, this.backoff, this.now());
      if (wait > 0) {
        throw new KmsError('LOCKED_OUT', `token ${serial}: too many wrong PINs, wait before trying again`, {
          data: { retryAfterMs: wait },
        });
      }
      // Written before the attempt, so a crash during C_Login still counts (DESIGN.md section 4).
      failures = state.failures + 1;
      this.pinStore.write(serial, { failures, lastFailureAt: this.now() });
    }
    try {
      await pool.use((s) => {
        // A PIN is always checked, even when already logged in: the sealer relies on that.
        if (pool.loggedIn) this.logoutQuietly(pool.lib, s);
        pool.loggedIn = false;
        pool.handles.clear();
        try {
          pool.lib.C_Login(s, pkcs11js.CKU_USER, pin);
        } catch (e) {
          if (ckrOf(e) !== CKR.USER_ALREADY_LOGGED_IN) throw e;
          this.logoutQuietly(pool.lib, s);
          pool.lib.C_Login(s, pkcs11js.CKU_USER, pin);
        }
      });
    } catch (e) {
      const err = this.fail(pool, e, 'login');
      if (err.kind === 'WRONG_SECRET') {
        const after = this.flagsOfQuietly(pool);
        const data: { attemptsLeft?: number; retryAfterMs?: number } = {};
        if (after !== undefined && after & TOKEN_FLAGS.userPinLocked) {
          throw new KmsError('PIN_LOCKED', `token ${serial}: wrong PIN, the user PIN is now locked`, { data: { attemptsLeft: 0 } });
        }
        if (after !== undefined && after & TOKEN_FLAGS.userPinFinalTry) data.attemptsLeft = 1;
        if (kmsCounts) {
          // The wait starts when the PIN is known wrong, not when the attempt began.
          this.pinStore.write(serial, { failures, lastFailureAt: this.now() });
          data.retryAfterMs = backoffDelayMs(failures, this.backoff);
        }
        throw new KmsError('WRONG_SECRET', `token ${serial}: wrong PIN`, { data });
      }
      if (kmsCounts && err.kind !== 'PIN_LOCKED') this.pinStore.write(serial, { failures: failures - 1, lastFailureAt: this.now() });
      throw err;
    }
    if (kmsCounts) this.pinStore.write(serial, NO_FAILURES);
    pool.loggedIn = true;
    return { serial, loggedIn: true };
  }

  async logout(token: string): Promise<{ serial: string; loggedIn: false }> {
    const pool = await this.resolve(token);
    try {
      await pool.use((s) => this.logoutQuietly(pool.lib, s));
    } finally {
      pool.loggedIn = false;
      pool.handles.clear();
    }
    return { serial: pool.serial, loggedIn: false };
  }

  /** Log out of every token this service logged in to (kms.lock, shutdown); failures are ignored. */
  async logoutAll(): Promise<void> {
    for (const serial of [...this.pools.keys()]) {
      const pool = this.pools.get(serial);
      if (!pool?.loggedIn) continue;
      try {
        await this.logout(serial);
      } catch {
        // a removed token is logged out already
      }
    }
  }

  /**
   * Run a token operation with a pooled session. Failures become KmsErrors; a lost token resets its pool (and
   * marks its module for re-initialisation where the profile needs it) so the next call starts fresh.
   */
  async run<T>(
    token: string,
    op: string,
    fn: (session: Buffer, pool: SessionPool) => Promise<T> | T,
    opts: { needsLogin?: boolean; mapError?: ErrorMapper } = {},
  ): Promise<T> {
    const pool = await this.resolve(token);
    if (opts.needsLogin && pool.loginRequired && !pool.loggedIn) {
      throw new KmsError('LOCKED', `token ${pool.serial} needs a login first (tokens.login)`);
    }
    const started = this.now();
    const touchTimer = this.touchTimer(pool, op);
    try {
      return await pool.use((s) => fn(s, pool));
    } catch (e) {
      throw this.fail(pool, e, op, this.now() - started, opts.mapError);
    } finally {
      if (touchTimer) clearTimeout(touchTimer);
    }
  }

  /** Drop every pool and finalise the modules (KMS shutdown). */
  close(): void {
    for (const pool of this.pools.values()) pool.reset();
    this.pools.clear();
    this.modules.close();
  }

  private fail(pool: SessionPool, e: unknown, op: string, elapsedMs?: number, mapError?: ErrorMapper): KmsError {
    if (e instanceof Error && e.message === 'session pool closed') {
      this.pools.delete(pool.serial);
      return new KmsError('TOKEN_ERROR', `token ${pool.serial}: ${op} interrupted, the token was reset`, { cause: e });
    }
    const sign = lostTokenSign(e);
    const lost = sign === 'yes' || (sign === 'maybe' && !this.responds(pool));
    if (lost) {
      pool.reset();
      this.pools.delete(pool.serial);
      if (pool.module.profile.reinitAfterRemoval) this.stale.add(pool.module);
    } else if (sign === 'maybe') {
      // The token is fine, so a handle went stale (key deleted elsewhere): look it up again next time.
      pool.handles.clear();
    }
    const code = ckrOf(e);
    const mapped = !lost && code !== undefined ? mapError?.(code) : undefined;
    if (mapped) return mapped;
    return toKmsError(e, { serial: pool.serial, op, touchCapable: pool.module.profile.touchCapable, lost, ...(elapsedMs === undefined ? {} : { elapsedMs }) });
  }

  private responds(pool: SessionPool): boolean {
    try {
      pool.lib.C_GetTokenInfo(pool.slot);
      return true;
    } catch {
      return false;
    }
  }

  private touchTimer(pool: SessionPool, op: string): NodeJS.Timeout | undefined {
    const notify = this.options.onTouchRequired;
    if (!notify || !pool.module.profile.touchCapable) return undefined;
    return setTimeout(() => notify({ serial: pool.serial, op }), this.options.touchHintMs ?? 700);
  }

  private refreshStale(): void {
    for (const mod of this.stale) {
      this.modules.reinitialize(mod);
      for (const [serial, pool] of this.pools) {
        if (pool.module !== mod) continue;
        pool.reset();
        this.pools.delete(serial);
      }
    }
    this.stale.clear();
  }

  private lookup(token: string): Found[] {
    this.refreshStale();
    const all = this.scanAll();
    const bySerial = all.filter((f) => f.info.serialNumber.trim() === token);
    return bySerial.length > 0 ? bySerial : all.filter((f) => f.info.label.trim() === token);
  }

  private scanAll(): Found[] {
    const out: Found[] = [];
    for (const mod of this.modules.list()) {
      if (!mod.loaded || !mod.lib) continue;
      let slots: Buffer[];
      try {
        slots = mod.lib.C_GetSlotList(true);
        if (mod.error?.startsWith('no slots')) mod.error = undefined;
      } catch (e) {
        // ykcs11 without a PC/SC service answers CKR_DEVICE_ERROR here: no reader means no token, not a failure.
        mod.error = `no slots: ${describe(e)}${mod.profile.id === 'ykcs11' ? ' (no PC/SC service or reader)' : ''}`;
        continue;
      }
      for (const slot of slots) {
        try {
          const info = mod.lib.C_GetTokenInfo(slot);
          // SoftHSM keeps a free slot with an uninitialised token: it has no serial and nothing to use.
          if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
          this.known.set(info.serialNumber.trim(), mod);
          out.push({ mod, slot, info });
        } catch (e) {
          if (lostTokenSign(e) !== 'no' && mod.profile.reinitAfterRemoval) this.stale.add(mod);
        }
      }
    }
    return out;
  }

  private flagsOf(pool: SessionPool): number {
    try {
      return pool.lib.C_GetTokenInfo(pool.slot).flags;
    } catch (e) {
      throw this.fail(pool, e, 'read token flags');
    }
  }

  private flagsOfQuietly(pool: SessionPool): number | undefined {
    try {
      return pool.lib.C_GetTokenInfo(pool.slot).flags;
    } catch {
      return undefined;
    }
  }

  private logoutQuietly(lib: pkcs11js.PKCS11, session: Buffer): void {
    try {
      lib.C_Logout(session);
    } catch (e) {
      if (ckrOf(e) !== CKR.USER_NOT_LOGGED_IN) throw e;
    }
  }
}
