// The background key-set check (keySetCheck.ts) runs in slices between requests. Issue 17 made it wait for a quiet
// moment (no request for QUIET_MS), so a caller paging through keys does not find a slice running; a steady trickle
// of requests must still not starve it: the check always ends, and a tampered prefix is still reported.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KmsError } from '../../../kms-process/api/errors.js';
import type { Keystore } from '../../../kms-process/keystore/keystore.js';
import { KeySet } from '../../../kms-process/keystore/keySet.js';
import { KeySetCheck } from '../../../kms-process/services/keySetCheck.js';

const ALL = [...KeySet.prefixes()].length;
/** Each prefix takes this long (fake time): the check needs many 2 ms slices, as at a large keystore. */
const PREFIX_MS = 0.25;

let extra = 0; // time spent inside checkKeySetPrefix, which the fake clock does not see by itself

function fakeStore(bad?: string) {
  const seen: Array<{ prefix: string; at: number }> = [];
  const ks = {
    checkKeySetPrefix(prefix: string) {
      seen.push({ prefix, at: performance.now() });
      extra += PREFIX_MS;
      if (prefix === bad) throw new KmsError('TAMPERED', 'leaf changed');
    },
  } as unknown as Keystore;
  return { ks, seen };
}

/** Slices: runs of prefixes checked without a gap in time. */
function slices(seen: Array<{ at: number }>): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (const s of seen) {
    const last = out.at(-1);
    if (last && s.at - last.to <= PREFIX_MS + 1e-9) last.to = s.at;
    else out.push({ from: s.at, to: s.at });
  }
  return out;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'setInterval', 'clearInterval', 'Date'] });
  extra = 0;
  const base = Date.now();
  vi.spyOn(performance, 'now').mockImplementation(() => Date.now() - base + extra);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('KeySetCheck', () => {
  it('with no requests, checks every prefix once, in slices of about 2 ms back to back, and ends verified', async () => {
    const check = new KeySetCheck();
    const { ks, seen } = fakeStore();
    check.start(ks);
    expect(check.state).toBe('checking');
    await vi.advanceTimersByTimeAsync(1000);
    expect(check.state).toBe('verified');
    expect(new Set(seen.map((s) => s.prefix)).size).toBe(ALL);
    expect(seen).toHaveLength(ALL);
    const sl = slices(seen);
    expect(sl.length).toBeGreaterThan(ALL / 10);
    for (const s of sl) expect(s.to - s.from).toBeLessThanOrEqual(2);
  });

  it('while requests keep coming, runs at most one slice per 50 ms, and runs back to back once they stop', async () => {
    const check = new KeySetCheck();
    const { ks, seen } = fakeStore();
    check.start(ks);
    check.noteActivity();
    const trickle = setInterval(() => check.noteActivity(), 10);
    await vi.advanceTimersByTimeAsync(2000);
    const during = slices(seen);
    expect(during.length).toBeGreaterThan(10); // not starved
    for (let i = 1; i < during.length; i++) expect(during[i]!.from - during[i - 1]!.to).toBeGreaterThanOrEqual(45);
    expect(check.state).toBe('checking');
    clearInterval(trickle);
    const stopped = performance.now();
    await vi.advanceTimersByTimeAsync(1000);
    expect(check.state).toBe('verified');
    expect(seen).toHaveLength(ALL);
    const after = slices(seen.filter((s) => s.at > stopped + 50));
    expect(after.length).toBeGreaterThan(5);
    for (let i = 1; i < after.length; i++) expect(after[i]!.from - after[i - 1]!.to).toBeLessThan(5); // back to back
  });

  it('a request every few milliseconds forever: the check still ends, and still finds tampering', async () => {
    for (const bad of [undefined, 'zz']) {
      extra = 0;
      const check = new KeySetCheck();
      const { ks, seen } = fakeStore(bad);
      check.start(ks);
      const trickle = setInterval(() => check.noteActivity(), 3);
      await vi.advanceTimersByTimeAsync(60_000);
      clearInterval(trickle);
      expect(check.state).toBe(bad ? 'tampered' : 'verified');
      expect(seen.length).toBe(bad ? [...KeySet.prefixes()].indexOf(bad) + 1 : ALL);
    }
  });

  it('a busy dispatcher (a request in flight) still holds every slice back; lock stops the check', async () => {
    const check = new KeySetCheck();
    const { ks, seen } = fakeStore();
    let busy = true;
    check.start(ks, () => busy);
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen).toHaveLength(0);
    check.stop();
    busy = false;
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen).toHaveLength(0);
    expect(check.state).toBe('not run');
  });
});
