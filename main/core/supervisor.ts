// The KMS supervisor: starts the KMS, fails nothing silently (a call in flight when the process dies is rejected
// with UNAVAILABLE by the channel), tells its listeners the wallet locked, and restarts the process with backoff.
// Calls made while it restarts wait for it, within a bound.
import type { Caller } from '../../kms-process/api/callers.js';
import { KmsError } from '../../kms-process/api/errors.js';
import { MAIN_CALLERS, type KmsProcess, type KmsSpawner } from './kmsSpawner.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A process that ran this long resets the backoff. */
  stableMs: number;
  /** Consecutive failed starts after which the supervisor gives up (UNAVAILABLE until start() is called again). */
  maxFailures: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 30_000, stableMs: 60_000, maxFailures: 8 };

export type SupervisorEvent =
  | { type: 'ready'; pid: number | undefined }
  | { type: 'exited'; reason: string; restartInMs: number }
  | { type: 'gave-up'; reason: string };

/** How long a call waits for a restarting KMS before it is UNAVAILABLE. */
const WAIT_FOR_RESTART_MS = 15_000;

export class KmsSupervisor {
  private process: KmsProcess | undefined;
  private ready: Promise<KmsProcess> | undefined;
  private failures = 0;
  private delayMs: number;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(e: SupervisorEvent) => void> = [];

  constructor(
    private readonly spawner: KmsSpawner,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    private readonly callers: Caller[] = MAIN_CALLERS,
  ) {
    this.delayMs = backoff.initialMs;
  }

  onEvent(listener: (e: SupervisorEvent) => void): void {
    this.listeners.push(listener);
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  start(): Promise<KmsProcess> {
    this.stopped = false;
    this.failures = 0;
    return this.launch();
  }

  private emit(e: SupervisorEvent): void {
    for (const l of this.listeners) l(e);
  }

  private launch(): Promise<KmsProcess> {
    const attempt = (async () => {
      const started = Date.now();
      const proc = await this.spawner.spawn(this.callers);
      this.process = proc;
      this.failures = 0;
      proc.onExit((reason) => this.exited(proc, reason, Date.now() - started));
      this.emit({ type: 'ready', pid: proc.pid });
      return proc;
    })();
    this.ready = attempt;
    attempt.catch((e: unknown) => {
      if (this.ready !== attempt) return;
      this.failures++;
      const reason = e instanceof Error ? e.message : 'start failed';
      if (this.failures >= this.backoff.maxFailures || this.stopped) {
        this.ready = undefined;
        this.emit({ type: 'gave-up', reason });
      } else this.scheduleRestart(reason);
    });
    return attempt;
  }

  private exited(proc: KmsProcess, reason: string, ranMs: number): void {
    if (this.process !== proc) return;
    this.process = undefined;
    this.ready = undefined;
    if (this.stopped) return;
    if (ranMs >= this.backoff.stableMs) this.delayMs = this.backoff.initialMs;
    this.scheduleRestart(reason);
  }

  private scheduleRestart(reason: string): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.backoff.maxMs, this.delayMs * 2);
    this.emit({ type: 'exited', reason, restartInMs: delay });
    // Calls made during the wait are held by this promise and go on once the new process answers its hello.
    let release!: (p: Promise<KmsProcess>) => void;
    const waiting = new Promise<Promise<KmsProcess>>((r) => (release = r)).then((p) => p);
    this.ready = waiting;
    waiting.catch(() => undefined);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return release(Promise.reject(new KmsError('UNAVAILABLE', 'the KMS was stopped')));
      const next = this.launch();
      release(next);
    }, delay);
  }

  async call(method: string, params: unknown, caller: Caller): Promise<unknown> {
    const proc = this.process ?? (await this.waitForReady());
    return proc.call(method, params, caller);
  }

  /** Waits through restarts (a failed start schedules the next) until a process answers, or the bound passes. */
  private async waitForReady(): Promise<KmsProcess> {
    const deadline = Date.now() + WAIT_FOR_RESTART_MS;
    for (;;) {
      const ready = this.ready;
      if (!ready || this.stopped) throw new KmsError('UNAVAILABLE', 'the KMS is not running');
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          ready,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new KmsError('UNAVAILABLE', 'the KMS did not come back in time')), Math.max(0, deadline - Date.now()));
          }),
        ]);
      } catch (e) {
        const retrying = this.ready !== undefined && this.ready !== ready && Date.now() < deadline;
        if (!retrying) throw e instanceof KmsError && e.kind === 'UNAVAILABLE' ? e : new KmsError('UNAVAILABLE', 'the KMS could not start');
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * Replace the running KMS with a fresh process, after a lock (issue 13): V8 keeps copies of keys and secrets that
   * kms.lock cannot wipe, and a new process has none of the old heap. The old one stops first (it holds the keystore
   * open); calls made meanwhile wait for the new one. No `exited` event: nothing was lost that the lock had not ended.
   */
  async replace(): Promise<void> {
    const old = this.process;
    if (!old || this.stopped) return;
    this.process = undefined;
    let release!: (p: Promise<KmsProcess>) => void;
    const waiting = new Promise<Promise<KmsProcess>>((r) => (release = r)).then((p) => p);
    this.ready = waiting;
    waiting.catch(() => undefined);
    await old.stop();
    const next = this.launch();
    release(next);
    await next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const p = this.process;
    this.process = undefined;
    this.ready = undefined;
    await p?.stop();
  }
}
