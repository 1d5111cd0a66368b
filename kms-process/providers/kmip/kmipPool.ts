// Connections to one KMIP server: a few at most, reused while idle, each request bounded in time (queue wait,
// connect and answer together) and retried at most once, only where that cannot do anything twice. A dead server
// costs its own callers one timeout each; nothing else in the KMS waits for it (all of this is asynchronous I/O).
import { KmipConnection, KmipTransportError, type KmipEndpoint } from './kmipConnection.js';

export interface PoolLimits {
  /** Connections open at once to this server. */
  maxConnections: number;
  /** Requests waiting for a connection beyond which new ones fail at once. */
  maxQueue: number;
  /** The budget of one request, retry included. */
  requestMs: number;
  /** The budget of one TLS connect (within the request's). */
  connectMs: number;
  /** Idle connections are closed after this long. */
  idleMs: number;
}

export const DEFAULT_LIMITS: PoolLimits = { maxConnections: 4, maxQueue: 64, requestMs: 10_000, connectMs: 5_000, idleMs: 30_000 };

interface Waiter {
  resolve: (c: KmipConnection) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class KmipPool {
  private readonly idle: Array<{ conn: KmipConnection; timer: NodeJS.Timeout }> = [];
  private open = 0;
  private readonly waiting: Waiter[] = [];
  private closed = false;

  constructor(
    private readonly endpoint: KmipEndpoint,
    readonly limits: PoolLimits = DEFAULT_LIMITS,
  ) {}

  /**
   * One request/response exchange. `idempotent` allows one more try on a fresh connection when the first failed
   * at the connection level (a reused connection the server had dropped, a reset): never for Create or Register.
   */
  async exchange(bytes: Uint8Array, idempotent: boolean): Promise<Uint8Array> {
    const deadline = Date.now() + this.limits.requestMs;
    for (let attempt = 0; ; attempt++) {
      const conn = await this.acquire(deadline);
      try {
        const out = await conn.request(bytes, Math.max(1, deadline - Date.now()));
        this.release(conn);
        return out;
      } catch (e) {
        this.discard(conn);
        const retry = e instanceof KmipTransportError && attempt === 0 && (idempotent || !e.sent) && deadline - Date.now() > 100;
        if (!retry) throw e;
      }
    }
  }

  private acquire(deadline: number): Promise<KmipConnection> {
    if (this.closed) return Promise.reject(new KmipTransportError('the connection pool is closed', false));
    while (this.idle.length > 0) {
      const { conn, timer } = this.idle.pop()!;
      clearTimeout(timer);
      if (conn.usable) return Promise.resolve(conn);
      this.open--;
    }
    if (this.open < this.limits.maxConnections) {
      this.open++;
      const budget = Math.max(1, Math.min(this.limits.connectMs, deadline - Date.now()));
      return KmipConnection.open(this.endpoint, budget).catch((e: unknown) => {
        this.open--;
        this.wakeNext();
        throw e;
      });
    }
    if (this.waiting.length >= this.limits.maxQueue) {
      return Promise.reject(new KmipTransportError(`${this.waiting.length} requests already wait for this server`, false));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new KmipTransportError('no connection to the server became free in time', false));
        }, Math.max(1, deadline - Date.now())),
      };
      this.waiting.push(waiter);
    });
  }

  private release(conn: KmipConnection): void {
    const next = this.waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(conn);
      return;
    }
    if (this.closed) return this.discard(conn);
    const timer = setTimeout(() => {
      const i = this.idle.findIndex((x) => x.conn === conn);
      if (i >= 0) this.idle.splice(i, 1);
      this.discard(conn);
    }, this.limits.idleMs);
    timer.unref();
    this.idle.push({ conn, timer });
  }

  private discard(conn: KmipConnection): void {
    conn.close();
    this.open--;
    this.wakeNext();
  }

  /** A slot freed: the first waiter opens a connection of its own. */
  private wakeNext(): void {
    const next = this.waiting.shift();
    if (!next) return;
    clearTimeout(next.timer);
    this.open++;
    KmipConnection.open(this.endpoint, this.limits.connectMs).then(next.resolve, (e: unknown) => {
      this.open--;
      next.reject(e as Error);
      this.wakeNext();
    });
  }

  /** Close every connection and fail every waiter (at lock, and when the remote is removed). */
  close(): void {
    this.closed = true;
    for (const { conn, timer } of this.idle.splice(0)) {
      clearTimeout(timer);
      conn.close();
    }
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new KmipTransportError('the connection pool was closed', false));
    }
  }
}
