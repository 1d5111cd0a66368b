// Decrypted keys kept for a short, configurable idle time, then zeroized; `clear` (kms.lock) zeroizes everything.
// Prepared handles (node:crypto KeyObjects) hold OpenSSL's own copy, which is freed by GC and cannot be wiped here.
// Crypto workers (workers/cryptoPool.ts) hold copies made from these entries: `onEvict` tells them to zeroize theirs
// whenever an entry goes, whatever the reason (idle expiry, delete, rotation, lock).

interface Entry {
  secret: Buffer;
  handle: unknown;
  lastUse: number;
}

export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout;
  private idle: number;
  private readonly evictListeners: Array<(id: string) => void> = [];

  constructor(idleMs: number) {
    this.idle = idleMs;
    this.timer = this.startSweeper();
  }

  get idleMs(): number {
    return this.idle;
  }

  private startSweeper(): NodeJS.Timeout {
    const t = setInterval(() => this.sweep(), Math.max(250, Math.floor(this.idle / 2)));
    t.unref();
    return t;
  }

  /** A new idle time (kms.configure): entries already older than it are zeroized at once. */
  setIdleMs(idleMs: number): void {
    this.idle = idleMs;
    clearInterval(this.timer);
    this.timer = this.startSweeper();
    this.sweep();
  }

  get<T>(id: string): T | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    e.lastUse = Date.now();
    return e.handle as T;
  }

  /** The secret bytes of a cached key (for a copy to a crypto worker); undefined when not cached. */
  secretOf(id: string): Buffer | undefined {
    return this.entries.get(id)?.secret;
  }

  onEvict(listener: (id: string) => void): void {
    this.evictListeners.push(listener);
  }

  /** Takes ownership of `secret` (zeroized on eviction). */
  put(id: string, secret: Buffer, handle: unknown): void {
    this.evict(id);
    if (this.idleMs <= 0) {
      // Not kept for another operation, but the handle the caller is about to use may still point at `secret`
      // (noble-based specs keep the raw key): zeroize it once the current operation's synchronous use is over.
      setImmediate(() => secret.fill(0));
      return;
    }
    this.entries.set(id, { secret, handle, lastUse: Date.now() });
  }

  evict(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.secret.fill(0);
    this.entries.delete(id);
    for (const l of this.evictListeners) l(id);
  }

  sweep(now = Date.now()): void {
    for (const [id, e] of this.entries) if (now - e.lastUse >= this.idleMs) this.evict(id);
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.evict(id);
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    this.clear();
    clearInterval(this.timer);
  }
}
