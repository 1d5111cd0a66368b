// Auto-lock: the wallet locks after a stretch of idle time, and at once when the machine suspends or the screen
// locks. The shell feeds it events (Electron's powerMonitor; the harness calls the same methods), so the decision
// is tested without Electron.

export type LockReason = 'idle' | 'suspend' | 'screen-locked';

export interface AutoLockOptions {
  /** Idle time after which the wallet locks; 0 turns the idle lock off. */
  idleMs: number;
  lock: (reason: LockReason) => Promise<void>;
  now?: () => number;
}

export const DEFAULT_IDLE_MS = 5 * 60_000;

export class AutoLock {
  private lastActivity: number;
  private unlocked = false;
  private locking = false;
  private readonly now: () => number;

  constructor(private readonly options: AutoLockOptions) {
    this.now = options.now ?? (() => Date.now());
    this.lastActivity = this.now();
  }

  /** A new idle time (Settings); 0 turns the idle lock off. */
  setIdleMs(idleMs: number): void {
    this.options.idleMs = idleMs;
  }

  get isUnlocked(): boolean {
    return this.unlocked;
  }

  /** The wallet's state as main learns it (after an unlock, a lock, the KMS exiting). */
  setUnlocked(unlocked: boolean): void {
    this.unlocked = unlocked;
    if (unlocked) this.lastActivity = this.now();
  }

  /** The user did something in a window main owns (a trusted prompt). Renderer calls do not count: a hostile
   * renderer could otherwise keep the wallet open by calling in a loop. */
  activity(): void {
    this.lastActivity = this.now();
  }

  /**
   * Periodic check. `systemIdleMs` is how long the OS says nobody touched the machine (Electron's
   * powerMonitor.getSystemIdleTime); without it (the harness) the time since the last trusted activity counts.
   */
  async tick(systemIdleMs?: number): Promise<boolean> {
    if (this.options.idleMs <= 0) return false;
    const idle = systemIdleMs ?? this.now() - this.lastActivity;
    if (idle < this.options.idleMs) return false;
    return this.lockNow('idle');
  }

  suspend(): Promise<boolean> {
    return this.lockNow('suspend');
  }

  screenLocked(): Promise<boolean> {
    return this.lockNow('screen-locked');
  }

  private async lockNow(reason: LockReason): Promise<boolean> {
    if (!this.unlocked || this.locking) return false;
    this.locking = true;
    try {
      await this.options.lock(reason);
      this.unlocked = false;
      return true;
    } finally {
      this.locking = false;
    }
  }
}
