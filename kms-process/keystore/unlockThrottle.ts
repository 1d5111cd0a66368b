// Attempt counting for passphrases and PINs: the failure is written (and synced) before the secret is checked, and
// the backoff grows per failure and survives a restart (DESIGN.md section 4). "Written" means in the main database
// file, not only in the WAL: a checkpoint follows every count that goes up, so deleting keystore.sqlite-wal after
// killing the KMS mid-check cannot give the guesses back.
import { KmsError } from '../api/errors.js';
import type { Db } from './database.js';

/** Free attempts before any waiting, then 1 s doubling per failure, capped at 15 minutes. */
export const FREE_ATTEMPTS = 3;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 15 * 60 * 1000;

export function backoffMs(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - FREE_ATTEMPTS));
}

export interface AttemptState {
  failures: number;
  lastFailureAt: number;
}

export class UnlockThrottle {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  read(subject: string): AttemptState {
    const row = this.db.prepare('SELECT failures, last_failure_at FROM unlock_attempts WHERE subject = ?').get(subject) as
      | { failures: number; last_failure_at: number }
      | undefined;
    return row ? { failures: row.failures, lastFailureAt: row.last_failure_at } : { failures: 0, lastFailureAt: 0 };
  }

  retryAfterMs(subject: string): number {
    const s = this.read(subject);
    return Math.max(0, s.lastFailureAt + backoffMs(s.failures) - this.now());
  }

  /**
   * Refuse while backing off; otherwise count this attempt as failed before the check runs, so killing the process
   * during the (slow) check cannot give free guesses. `succeeded` undoes the count.
   */
  begin(subject: string): void {
    const wait = this.retryAfterMs(subject);
    if (wait > 0) {
      throw new KmsError('LOCKED_OUT', `too many failed attempts; try again in ${Math.ceil(wait / 1000)} s`, {
        data: { retryAfterMs: wait },
      });
    }
    this.write(subject, { failures: this.read(subject).failures + 1, lastFailureAt: this.now() });
  }

  /**
   * The check failed: the wait starts now, not when the attempt began (a slow check, Argon2 under load, must not
   * eat the backoff it earns).
   */
  failed(subject: string): void {
    const s = this.read(subject);
    if (s.failures > 0) this.write(subject, { failures: s.failures, lastFailureAt: this.now() });
  }

  /** Store a counter kept by someone else (the token service's PIN counts for tokens that do not count). */
  write(subject: string, state: AttemptState): void {
    if (state.failures === 0) return this.succeeded(subject);
    this.db
      .prepare(
        'INSERT INTO unlock_attempts (subject, failures, last_failure_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT(subject) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at',
      )
      .run(subject, state.failures, state.lastFailureAt);
    this.makeDurable();
  }

  /** Copy the WAL into the database file and sync it (synchronous=FULL), so the count no longer lives in the WAL. */
  private makeDurable(): void {
    if (this.db.inTransaction) throw new Error('an attempt count must be written outside a transaction');
    const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (!r || r.busy !== 0) throw new KmsError('BUSY', 'the attempt counter could not be made durable; try again');
  }

  succeeded(subject: string): void {
    this.db.prepare('DELETE FROM unlock_attempts WHERE subject = ?').run(subject);
  }
}
