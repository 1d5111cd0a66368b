// mulberry32: a small seeded PRNG, so a failing randomized run (the crash tests, the byte sweep) can be replayed
// from the seed it prints. Plain JavaScript: the byte sweep's script (sweep.mjs) runs it under node without a build.
/** @param {number} seed @returns {() => number} a function giving numbers in [0, 1) */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
