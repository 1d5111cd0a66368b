// A pool of read-write sessions for one token. PKCS#11 allows one active operation per session, and the KMS runs
// token calls on worker threads, so concurrent operations each take their own session; login state is per token.
import pkcs11js from 'pkcs11js';
import type { LoadedModule } from './moduleRegistry.js';

type Handle = Buffer;

export class SessionPool {
  private idle: Handle[] = [];
  private open = 0;
  private readonly waiters: Array<{ resolve: (s: Handle) => void; reject: (e: Error) => void }> = [];
  /** Set after a successful C_Login; PKCS#11 shares it by every session of this application on the token. */
  loggedIn = false;
  /** CKF_LOGIN_REQUIRED of the token: private keys are reachable only after a login. */
  loginRequired = true;
  /** Mechanisms the token offers, read once per pool. */
  mechanisms?: Set<number>;
  /** Object handles by `class:ckaId`; valid for this module generation only. */
  readonly handles = new Map<string, Handle>();
  readonly generation: number;
  private closed = false;

  constructor(
    readonly module: LoadedModule,
    readonly slot: Handle,
    readonly serial: string,
    private readonly max = 4,
  ) {
    this.generation = module.generation;
  }

  get lib(): pkcs11js.PKCS11 {
    if (!this.module.lib || this.closed) throw new Error('session pool closed');
    return this.module.lib;
  }

  /** Whether this pool still belongs to the live module instance. */
  get current(): boolean {
    return !this.closed && this.module.loaded && this.module.generation === this.generation;
  }

  /**
   * Run `fn` with a session of its own. Callers prepare every input before their C_*Init, so a failure leaves no
   * active operation (PKCS#11 ends an operation on any error of its final call) and the session goes back to the
   * pool; closing it could log the token out when it is the last one.
   */
  async use<T>(fn: (session: Handle) => Promise<T> | T): Promise<T> {
    const session = await this.acquire();
    try {
      return await fn(session);
    } finally {
      this.release(session);
    }
  }

  private async acquire(): Promise<Handle> {
    if (!this.current) throw new Error('session pool closed');
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.open < this.max) {
      const s = this.lib.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      this.open += 1;
      return s;
    }
    return new Promise<Handle>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(session: Handle): void {
    if (!this.current) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(session);
    else this.idle.push(session);
  }

  /**
   * Forget every session and handle (token removed, module re-initialised). Callers waiting for a session are
   * answered with a closed-pool error, which the token service reports as TOKEN_ERROR.
   */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.module.lib && this.module.generation === this.generation) {
      for (const s of this.idle) this.closeQuietly(s);
    }
    this.idle = [];
    this.open = 0;
    this.loggedIn = false;
    this.handles.clear();
    const waiting = this.waiters.splice(0);
    for (const w of waiting) w.reject(new Error('session pool closed'));
  }

  private closeQuietly(session: Handle): void {
    try {
      this.module.lib?.C_CloseSession(session);
    } catch {
      // The session is already gone with its token; nothing left to release.
    }
  }
}
