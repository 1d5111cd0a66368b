import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../main/core/rateLimiter.js';

describe('the per-sender rate limit', () => {
  it('allows a burst, then refills at its rate', () => {
    let now = 0;
    const rl = new RateLimiter({ burst: 3, perSecond: 2, maxInflight: 100 }, () => now);
    expect([rl.acquire('a'), rl.acquire('a'), rl.acquire('a'), rl.acquire('a')]).toEqual(['ok', 'ok', 'ok', 'rate']);
    for (let i = 0; i < 3; i++) rl.release('a');
    now = 499;
    expect(rl.acquire('a')).toBe('rate');
    now = 501;
    expect(rl.acquire('a')).toBe('ok');
    expect(rl.acquire('b')).toBe('ok'); // another sender has its own bucket
  });

  it('caps calls in flight until they are released', () => {
    const rl = new RateLimiter({ burst: 100, perSecond: 100, maxInflight: 2 }, () => 0);
    expect([rl.acquire('a'), rl.acquire('a'), rl.acquire('a')]).toEqual(['ok', 'ok', 'inflight']);
    rl.release('a');
    expect(rl.acquire('a')).toBe('ok');
    expect(rl.inflight('a')).toBe(2);
  });
});
