// The desktop app's own settings (auto-lock time, key cache time), kept by main in a JSON file beside the keystore
// (Electron: the app's data folder). The renderer reads them and asks for changes; a change that weakens protection
// (a longer auto-lock, never locking, a longer key cache) is confirmed by the user in a trusted prompt first, since
// the renderer is the attacker and rights only go down from it.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KmsError } from '../../kms-process/api/errors.js';

export interface DesktopSettings {
  /** Minutes of inactivity before the wallet locks; 0: never (only on sleep, screen lock or by hand). */
  autoLockMinutes: number;
  /** Seconds a decrypted key stays in the KMS's cache after its last use; 0: not kept. */
  keyCacheSeconds: number;
}

export const DEFAULT_SETTINGS: DesktopSettings = { autoLockMinutes: 5, keyCacheSeconds: 60 };
export const AUTO_LOCK_CHOICES: readonly number[] = [1, 2, 5, 10, 15, 30, 60, 0];
export const KEY_CACHE_CHOICES: readonly number[] = [0, 10, 30, 60, 300, 900];

/** The change the renderer asked for, checked: only known names, only the offered values. */
export function parseSettingsChange(params: Record<string, unknown>): Partial<DesktopSettings> {
  const out: Partial<DesktopSettings> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === 'autoLockMinutes' && typeof v === 'number' && AUTO_LOCK_CHOICES.includes(v)) out.autoLockMinutes = v;
    else if (k === 'keyCacheSeconds' && typeof v === 'number' && KEY_CACHE_CHOICES.includes(v)) out.keyCacheSeconds = v;
    else throw new KmsError('INVALID_REQUEST', `settings: '${k.slice(0, 32)}' is not a setting, or not one of its values`);
  }
  return out;
}

/** 0 minutes means never, so it is the longest auto-lock of all. */
const lockLength = (m: number) => (m === 0 ? Number.POSITIVE_INFINITY : m);

export function describeAutoLock(m: number): string {
  return m === 0 ? 'never (only when the computer sleeps or the screen locks)' : `after ${m} minute${m === 1 ? '' : 's'} of inactivity`;
}
export function describeKeyCache(s: number): string {
  return s === 0 ? 'not kept (decrypted for each use)' : s < 60 ? `${s} seconds` : `${s / 60} minute${s === 60 ? '' : 's'}`;
}

/** The ways `next` protects less than `old`, in words (empty: no confirmation needed). */
export function weakenings(old: DesktopSettings, next: DesktopSettings): Array<{ label: string; before: string; after: string }> {
  const out: Array<{ label: string; before: string; after: string }> = [];
  if (lockLength(next.autoLockMinutes) > lockLength(old.autoLockMinutes)) {
    out.push({ label: 'Lock the wallet', before: describeAutoLock(old.autoLockMinutes), after: describeAutoLock(next.autoLockMinutes) });
  }
  if (next.keyCacheSeconds > old.keyCacheSeconds) {
    out.push({ label: 'Keep decrypted keys', before: describeKeyCache(old.keyCacheSeconds), after: describeKeyCache(next.keyCacheSeconds) });
  }
  return out;
}

/** Settings on disk (0600, written whole then renamed); a missing or unreadable file gives the defaults. */
export class SettingsStore {
  private current: DesktopSettings;

  constructor(private readonly file: string | undefined) {
    this.current = { ...DEFAULT_SETTINGS };
    if (file && existsSync(file)) {
      try {
        const parsed = parseSettingsChange(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
        this.current = { ...DEFAULT_SETTINGS, ...parsed };
      } catch {
        // A damaged settings file falls back to the defaults, which are the safer values.
      }
    }
  }

  get(): DesktopSettings {
    return { ...this.current };
  }

  save(next: DesktopSettings): void {
    this.current = { ...next };
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.current, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
