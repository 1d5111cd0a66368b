import { describe, expect, it } from 'vitest';
import { AutoLock, type LockReason } from '../../../main/core/autoLock.js';

function setup(idleMs = 1000) {
  let now = 0;
  const locks: LockReason[] = [];
  const al = new AutoLock({ idleMs, now: () => now, lock: async (r) => void locks.push(r) });
  return { al, locks, advance: (ms: number) => (now += ms) };
}

describe('auto-lock', () => {
  it('locks after the idle time, once, and only when unlocked', async () => {
    const { al, locks, advance } = setup();
    advance(5000);
    expect(await al.tick()).toBe(false); // locked already: nothing to do
    al.setUnlocked(true);
    advance(999);
    expect(await al.tick()).toBe(false);
    advance(1);
    expect(await al.tick()).toBe(true);
    expect(await al.tick()).toBe(false);
    expect(locks).toEqual(['idle']);
  });

  it('trusted activity resets the idle time; the OS idle time counts when given', async () => {
    const { al, locks, advance } = setup();
    al.setUnlocked(true);
    advance(900);
    al.activity();
    advance(900);
    expect(await al.tick()).toBe(false);
    expect(await al.tick(1000)).toBe(true); // the OS says nobody touched the machine for 1 s
    expect(locks).toEqual(['idle']);
  });

  it('suspend and screen lock lock at once', async () => {
    const { al, locks } = setup();
    al.setUnlocked(true);
    expect(await al.suspend()).toBe(true);
    al.setUnlocked(true);
    expect(await al.screenLocked()).toBe(true);
    expect(locks).toEqual(['suspend', 'screen-locked']);
  });

  it('idle 0 turns the idle lock off', async () => {
    const { al, advance } = setup(0);
    al.setUnlocked(true);
    advance(1e9);
    expect(await al.tick()).toBe(false);
  });
});
