// The background half of key-set integrity (keystore/keySet.ts): after unlock, every two-character prefix of the
// key ids is checked against the authenticated tree, a few milliseconds at a time and only while no request is in
// flight, so neither unlock nor the first signatures wait for it (100,000 keys: about 4,096 slices). It finds what a key's own path check cannot: a key whose whole leaf was
// deleted offline and that nobody asks for. kms.status reports `keySet`; keys.list answers TAMPERED once it failed.
import { KmsError } from '../api/index.js';
import { KeySet } from '../keystore/keySet.js';
import type { Keystore } from '../keystore/keystore.js';

/** Time per turn of the event loop; requests in between are served at once. */
const SLICE_MS = 2;
/** Wait after unlock, and between slices while requests are being served. */
const START_DELAY_MS = 200;
const BUSY_RETRY_MS = 10;
/**
 * A slice starts after this long without a request (issue 17): a caller going through keys.list pages or signing
 * now and then otherwise finds a slice running (at a million keys one prefix takes a few milliseconds). A steady
 * stream of requests still gets one slice every MAX_DEFER_MS (2 ms of every 50), so the check always ends.
 */
const QUIET_MS = 50;
const MAX_DEFER_MS = 50;

export type KeySetCheckState = 'not run' | 'checking' | 'verified' | 'tampered';

export class KeySetCheck {
  private run = 0;
  private current: KeySetCheckState = 'not run';
  private finished: Promise<void> = Promise.resolve();
  private lastActivity = 0;

  /** The dispatcher saw a request start or end. */
  noteActivity(): void {
    this.lastActivity = performance.now();
  }

  get state(): KeySetCheckState {
    return this.current;
  }

  /** Resolves when the check that is running ends (tests, and anything that must see its verdict). */
  done(): Promise<void> {
    return this.finished;
  }

  /** `busy`: whether requests are being handled right now (the check waits for a quiet moment). */
  start(ks: Keystore, busy: () => boolean = () => false): void {
    const run = ++this.run;
    const prefixes = [...KeySet.prefixes()];
    let i = 0;
    let lastSlice = performance.now();
    this.current = 'checking';
    this.finished = new Promise<void>((resolve) => {
      const step = () => {
        if (run !== this.run) return resolve(); // stopped (lock) or restarted (a new unlock)
        const now = performance.now();
        const quiet = now - this.lastActivity >= QUIET_MS || now - lastSlice >= MAX_DEFER_MS;
        if (busy() || !quiet) return void setTimeout(step, BUSY_RETRY_MS).unref();
        const t0 = performance.now();
        lastSlice = t0;
        try {
          while (i < prefixes.length && performance.now() - t0 < SLICE_MS) ks.checkKeySetPrefix(prefixes[i++]!);
        } catch (e) {
          // A locked keystore ends the check; anything else it finds is kept by the keystore (keySetDamage).
          this.current = e instanceof KmsError && e.kind === 'LOCKED' ? 'not run' : 'tampered';
          if (this.current === 'tampered' && !(e instanceof KmsError)) process.stderr.write(`owkms: key-set check failed: ${(e as Error).name}\n`);
          return resolve();
        }
        if (i < prefixes.length) setImmediate(step);
        else {
          this.current = 'verified';
          resolve();
        }
      };
      setTimeout(step, START_DELAY_MS).unref();
    });
  }

  stop(): void {
    this.run++;
    this.current = 'not run';
  }
}
