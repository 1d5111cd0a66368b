// A send to a dead KMS never throws (issue 9): the KMS is killed between a call being queued and its write, on both
// transports; the write fails (EPIPE) and every waiting call fails UNAVAILABLE, with no uncaught exception.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_COALESCED } from '../../../kms-process/api/index.js';
import { kindOf, removeDir, startKms, type TestKms } from '../../helpers/kms.js';

const running: TestKms[] = [];
afterEach(async () => {
  for (const k of running.splice(0)) {
    await k.stop();
    removeDir(k.dir);
  }
});

/** Kill the child and wait, without yielding to the event loop, until the kernel has it dead (a zombie). */
function killAndWaitDead(pid: number): void {
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    if (state === 'Z') return;
    if (Date.now() > deadline) throw new Error(`child ${pid} did not die (state ${state})`);
  }
}

/** Uncaught exceptions raised while `fn` runs and shortly after (vitest would also report them, less precisely). */
async function uncaughtDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (e: unknown) => seen.push(e);
  process.on('uncaughtException', listener);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 200)); // let nextTick / Immediate error events fire
  } finally {
    process.off('uncaughtException', listener);
  }
  return seen;
}

describe.each(['ipc', 'stdio'] as const)('a KMS killed between enqueue and flush, over %s', (transport) => {
  it('fails a queued call UNAVAILABLE; nothing escapes as an uncaught exception', async () => {
    const k = await startKms({ transport });
    running.push(k);
    const child = k.host.child!;
    const uncaught = await uncaughtDuring(async () => {
      // Queued (the outbox flushes in the next Immediate), then the child dies before the flush writes it.
      const pending = k.client.call('crypto.random', { length: 16 });
      killAndWaitDead(child.pid!);
      // Node has not noticed yet (no close event on the pipe): the write really happens.
      expect(child.exitCode).toBe(null);
      expect(await kindOf(pending)).toBe('UNAVAILABLE');
    });
    expect(uncaught).toEqual([]);
  });

  it('fails a full batch UNAVAILABLE when the write happens at once on a dead child (EPIPE)', async () => {
    const k = await startKms({ transport });
    running.push(k);
    // Node reports the failed write at once or, when the write went asynchronous, only through the channel's close:
    // three rounds make the first way all but certain to happen (before the fix, it was an uncaught EPIPE).
    for (let round = 0; round < 3; round++) {
      const child = k.host.child!;
      let errors: Array<{ kind?: string; message?: string }> = [];
      const uncaught = await uncaughtDuring(async () => {
        killAndWaitDead(child.pid!);
        // MAX_COALESCED calls fill the outbox, which then writes synchronously, to a channel whose peer is dead.
        const calls = Array.from({ length: MAX_COALESCED }, () => k.client.call('crypto.random', { length: 16 }).then(
          () => ({ kind: 'resolved' }),
          (e: unknown) => e as { kind?: string; message?: string },
        ));
        errors = await Promise.all(calls);
      });
      expect(uncaught).toEqual([]);
      expect(new Set(errors.map((e) => e.kind))).toEqual(new Set(['UNAVAILABLE']));
      expect(errors[0]!.message).toMatch(/^the KMS is gone \(/);
      // The host restarts a KMS that serves.
      await k.restart();
      expect((await k.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
    }
  });
});
