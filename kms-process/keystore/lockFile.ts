// Names the process that holds a keystore open. SQLite's exclusive lock enforces single opening; this file only
// lets a second opener say who holds it.
import { hostname } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  caller: string;
  since: string;
}

export function lockPath(dir: string): string {
  return join(dir, 'keystore.lock');
}

export function writeHolder(dir: string, caller: string): void {
  const holder: LockHolder = { pid: process.pid, host: hostname(), caller, since: new Date().toISOString() };
  writeFileSync(lockPath(dir), JSON.stringify(holder), { mode: 0o600 });
}

export function readHolder(dir: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(lockPath(dir), 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, caller: String(v.caller ?? 'unknown'), since: String(v.since ?? '') };
    }
  } catch {
    // no holder file or unreadable: the caller reports the lock without a name
  }
  return undefined;
}

export function removeHolder(dir: string): void {
  const h = readHolder(dir);
  if (h && h.pid === process.pid) rmSync(lockPath(dir), { force: true });
}

export function describeHolder(h: LockHolder | undefined): string {
  return h ? `process ${h.pid} (${h.caller}) on ${h.host} since ${h.since}` : 'another process';
}
