// Wrong-PIN counters for tokens that do not count them (SoftHSM2), with a backoff that survives a restart.
// The store is injected so the keystore can persist it later; memory and JSON-file versions live here.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KmsError } from '../../api/index.js';

export interface PinFailureState {
  failures: number;
  /** Epoch ms of the last failed (or started) attempt; 0 when none. */
  lastFailureAt: number;
}

export interface PinFailureStore {
  read(serial: string): PinFailureState;
  write(serial: string, state: PinFailureState): void;
}

export const NO_FAILURES: PinFailureState = { failures: 0, lastFailureAt: 0 };

export class MemoryPinFailureStore implements PinFailureStore {
  private readonly states = new Map<string, PinFailureState>();
  read(serial: string): PinFailureState {
    return { ...(this.states.get(serial) ?? NO_FAILURES) };
  }
  write(serial: string, state: PinFailureState): void {
    this.states.set(serial, { ...state });
  }
  /** Every count held (to carry them into a keystore made later). */
  entries(): Array<[string, PinFailureState]> {
    return [...this.states].map(([serial, state]) => [serial, { ...state }]);
  }
}

/** One small JSON file `{ serial: {failures, lastFailureAt} }`, replaced atomically, readable by the owner only. */
export class JsonFilePinFailureStore implements PinFailureStore {
  constructor(private readonly file: string) {}

  read(serial: string): PinFailureState {
    const state = this.readAll()[serial];
    return state ? { ...state } : { ...NO_FAILURES };
  }

  write(serial: string, state: PinFailureState): void {
    const all = this.readAll();
    if (state.failures === 0) delete all[serial];
    else all[serial] = { failures: state.failures, lastFailureAt: state.lastFailureAt };
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private readAll(): Record<string, PinFailureState> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      // A damaged counter file must not silently reset the backoff.
      throw new KmsError('CORRUPT', `PIN counter file ${this.file} is not valid JSON`, { cause: e });
    }
    const out: Record<string, PinFailureState> = {};
    if (parsed && typeof parsed === 'object') {
      for (const [serial, v] of Object.entries(parsed as Record<string, unknown>)) {
        const s = v as Partial<PinFailureState> | null;
        if (s && Number.isSafeInteger(s.failures) && Number.isFinite(s.lastFailureAt)) {
          out[serial] = { failures: s.failures as number, lastFailureAt: s.lastFailureAt as number };
        }
      }
    }
    return out;
  }
}

export interface BackoffPolicy {
  /** Failures allowed before any delay. */
  freeAttempts: number;
  /** Delay after the first failure beyond the free ones; doubles per further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Three free tries, then 1 s doubling up to 15 minutes. */
export const DEFAULT_BACKOFF: BackoffPolicy = { freeAttempts: 3, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 };

/** How long after the last failure the next attempt must wait. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures < policy.freeAttempts) return 0;
  const exponent = Math.min(failures - policy.freeAttempts, 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/** Remaining wait before an attempt is allowed, 0 when allowed now. */
export function retryAfterMs(state: PinFailureState, policy: BackoffPolicy, now: number): number {
  const delay = backoffDelayMs(state.failures, policy);
  if (delay === 0) return 0;
  return Math.max(0, state.lastFailureAt + delay - now);
}
