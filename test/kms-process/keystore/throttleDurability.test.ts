// Finding 8 of issue 10: the unlock throttle reset when the WAL was deleted after a SIGKILL (ten rounds of wrong
// passphrase, kill, rm keystore.sqlite-wal never reached LOCKED_OUT). The failed attempt is now in the main database
// file before the passphrase is checked: killing the KMS in the middle of the (slow) check and removing the WAL
// keeps every attempt counted, and the rounds reach LOCKED_OUT.
import Database from 'better-sqlite3';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { FREE_ATTEMPTS } from '../../../kms-process/keystore/unlockThrottle.js';
import { kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, type TestKms } from '../../helpers/kms.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Failures recorded in the main database file alone (the WAL is gone). */
function failuresInFile(dir: string): number {
  const db = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
  try {
    const row = db.prepare("SELECT failures FROM unlock_attempts WHERE subject = 'unlock'").get() as { failures: number } | undefined;
    return row?.failures ?? 0;
  } finally {
    db.close();
  }
}

async function kill(k: TestKms): Promise<void> {
  const child = k.host.child!;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('the unlock throttle survives SIGKILL with the WAL removed', () => {
  it('ten rounds of a wrong passphrase, SIGKILL (some during the check), rm keystore.sqlite-wal: every attempt counted, then LOCKED_OUT', async () => {
    const first = await startInitializedKms();
    dirs.push(first.dir);
    await first.stop();
    const outcomes: string[] = [];
    let counted = 0;
    for (let round = 0; round < 10; round++) {
      const k = await startKms({ dir: first.dir });
      await k.client.call('kms.status', { probe: false }); // loaded: the attempt starts as soon as it arrives
      const file = join(first.dir, 'keystore.sqlite');
      const before = statSync(file).mtimeMs;
      let answered = false;
      const answer = kindOf(k.client.call('kms.unlock', { passphrase: `wrong passphrase ${round}` })).finally(() => (answered = true));
      // Odd rounds are killed while Argon2 runs (m=64 MiB, t=3: 125 ms or more): as soon as the database file itself
      // changes (the count's checkpoint), before the answer. Even rounds are killed after the answer.
      if (round % 2 === 1) {
        for (let i = 0; i < 1000 && !answered && statSync(file).mtimeMs === before; i++) await sleep(1);
        await kill(k);
        outcomes.push(`killed (${await answer})`);
      } else {
        outcomes.push(await answer);
        await kill(k);
      }
      rmSync(join(first.dir, 'keystore.sqlite-wal'), { force: true });
      const now = failuresInFile(first.dir);
      // An attempt refused as LOCKED_OUT is not a guess and is not counted; every other one is, before the check.
      if (!outcomes.at(-1)!.includes('LOCKED_OUT')) expect(now, `round ${round}: ${outcomes.at(-1)}`).toBe(counted + 1);
      counted = now;
    }
    expect(outcomes.filter((o) => o === 'killed (UNAVAILABLE)').length, outcomes.join(', ')).toBeGreaterThan(0); // killed mid-check
    expect(counted).toBeGreaterThan(FREE_ATTEMPTS);
    expect(outcomes).toContain('LOCKED_OUT');
    // And the right passphrase waits for the backoff too. A backoff may have run out while this KMS started (its
    // length depends on how many rounds were counted), so one more wrong guess starts one now (or meets the one
    // still running), and the right passphrase, asked at once, waits.
    const k = await startKms({ dir: first.dir });
    await k.client.call('kms.status', { probe: false });
    expect(['WRONG_SECRET', 'LOCKED_OUT']).toContain(await kindOf(k.client.call('kms.unlock', { passphrase: 'one more wrong guess' })));
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('LOCKED_OUT');
    await k.stop();
  });
});
