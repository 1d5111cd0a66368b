// Every byte (sampled): the sweep of test/reliability/byteSweep/ over a small keystore (Ed25519, secp256k1, P-256,
// a rotated AES key, HMAC, an HD seed and a child). CI runs a small seeded sample, seconds long: 160 flipped bytes (the
// whole SQLite header among them) and every page boundary plus 10 random truncation lengths (OWKMS_SWEEP_SAMPLE and
// OWKMS_SWEEP_TRUNCATIONS for more; test/kms-process/keystore/flipPages.test.ts flips bytes in every page too);
// `npm run sweep:full` flips every byte.
// Each attempt must end as a correct answer, TAMPERED, CORRUPT, ROLLBACK or an audit that reports the damage.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SWEEP = join('test', 'reliability', 'byteSweep', 'sweep.mjs');

interface Summary {
  seed: number;
  fileBytes: number;
  attempts: number;
  seconds: number;
  counts: { flip: Record<string, number>; truncate: Record<string, number> };
  failures: unknown[];
  failureCount: number;
}

function sweep(args: string[]): Promise<Summary> {
  const child = spawn(process.execPath, [SWEEP, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as Summary);
      } catch {
        reject(new Error(`the sweep printed no summary: ${err}`));
      }
    });
  });
}

describe('every byte of a small keystore', () => {
  it('the attempt tells a right answer from a wrong one (a changed expectation is WRONG)', async () => {
    const { buildFixture, fixtureBytes } = await import('./byteSweep/fixture.mjs');
    const { attempt } = await import('./byteSweep/attempt.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'owkms-sweep-check-'));
    try {
      const expected = await buildFixture(dir);
      const bytes = fixtureBytes(dir);
      expect(await attempt(bytes, expected)).toEqual({ outcome: 'correct' });
      const otherMac = { ...expected, mac: Buffer.alloc(32).toString('base64url') };
      expect(await attempt(bytes, otherMac)).toMatchObject({ outcome: 'WRONG', detail: 'MAC differs' });
      const renamed = { ...expected, list: expected.list.map((k, i) => (i === 0 ? { ...k, label: 'x' } : k)) };
      expect(await attempt(bytes, renamed)).toMatchObject({ outcome: 'WRONG' });
      expect((await attempt(bytes.subarray(0, 4096 * 3), expected)).outcome).toBe('CORRUPT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flipped or cut anywhere (sampled), it is TAMPERED, CORRUPT, ROLLBACK or right; never wrong, INTERNAL, a crash or a hang', async () => {
    const sample = Number(process.env.OWKMS_SWEEP_SAMPLE ?? 160);
    const s = await sweep(['--sample', String(sample), '--truncations', process.env.OWKMS_SWEEP_TRUNCATIONS ?? '10', ...(process.env.OWKMS_SWEEP_SEED ? ['--seed', process.env.OWKMS_SWEEP_SEED] : [])]);
    console.log(`byte sweep (seed ${s.seed}): ${s.fileBytes}-byte keystore, ${s.attempts} attempts in ${s.seconds} s; flips ${JSON.stringify(s.counts.flip)}; truncations ${JSON.stringify(s.counts.truncate)}`);
    expect(s.failures, `seed ${s.seed}`).toEqual([]);
    expect(s.failureCount).toBe(0);
    const flips = Object.values(s.counts.flip).reduce((a, b) => a + b, 0);
    expect(flips).toBeGreaterThanOrEqual(Math.min(sample, s.fileBytes));
    expect(s.counts.flip.CORRUPT ?? 0).toBeGreaterThan(0); // the header's flips
    // About one flip in twenty lands in an authenticated row (TAMPERED): only a large sample is sure to hit one.
    if (sample >= 1000) expect(s.counts.flip.TAMPERED ?? 0).toBeGreaterThan(0);
    expect(s.counts.truncate.correct ?? 0).toBe(0); // a cut file never passes for whole
  }, 900_000);
});
