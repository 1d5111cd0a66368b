// Finding 7 and the flood of finding 9 (issue 10): audit entries written while the keystore is locked cannot be
// authenticated (no key exists then), so they are never sealed into the chain and never reported as verified: a
// forged "app keys.export ok" stays marked unauthenticated. Removing one of them is still noticed (they keep their
// place in the sequence). Rejected calls are counted in aggregated entries, so 20,000 of them add a few rows.
import Database from 'better-sqlite3';
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, type TestKms } from '../../helpers/kms.js';

const running: TestKms[] = [];
afterAll(async () => {
  for (const k of running) {
    await k.stop();
    removeDir(k.dir);
  }
});

async function fresh(callers: Array<'test' | 'ui' | 'app'> = ['test']): Promise<TestKms> {
  const k = await startInitializedKms({ callers });
  running.push(k);
  return k;
}

describe('audit while locked', () => {
  it("the review's forgery (unsealed rows replaced by 'app keys.export ok') is reported as unauthenticated after the next unlock", async () => {
    const k = await fresh();
    const key = await k.client.call('keys.generate', { algorithm: 'ed25519' });
    await k.client.call('kms.lock', {});
    // While locked: a failed unlock and a refused call, written unsealed.
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: 'wrong passphrase!' }))).toBe('WRONG_SECRET');
    expect(await kindOf(k.client.call('crypto.sign', { id: key.id, data: b64u('x') }))).toBe('LOCKED');
    await k.stop(); // flushes the counted entries, unsealed
    const db = new Database(join(k.dir, 'keystore.sqlite'));
    const unsealed = db.prepare('SELECT seq FROM audit WHERE mac IS NULL ORDER BY seq').pluck().all() as number[];
    expect(unsealed.length).toBeGreaterThanOrEqual(2);
    db.prepare('DELETE FROM audit WHERE mac IS NULL').run();
    db.prepare("INSERT INTO audit (seq, at, caller, method, key_id, outcome, mac) VALUES (?, ?, 'app', 'keys.export', ?, 'ok', NULL)").run(unsealed[0], Date.now(), key.id);
    db.close();

    const again = await startKms({ dir: k.dir });
    running.push(again);
    await again.client.call('kms.unlock', { passphrase: PASSPHRASE });
    await again.client.call('crypto.sign', { id: key.id, data: b64u('after') });
    const v = await again.client.call('audit.verify', {});
    expect(v.unsealed).toBe(1);
    expect(v.unauthenticatedSeqs).toEqual([unsealed[0]]);
    const { entries } = await again.client.call('audit.list', { limit: 1000 });
    const forged = entries.find((e) => e.seq === unsealed[0])!;
    expect(forged).toMatchObject({ caller: 'app', method: 'keys.export', outcome: 'ok', authenticated: false });
    // Everything written while unlocked, before and after, is in the chain.
    expect(entries.filter((e) => e.authenticated === false)).toHaveLength(1);
    expect(entries.at(-1)).toMatchObject({ method: 'crypto.sign', outcome: 'ok' });
    expect(entries.at(-1)!.authenticated).toBeUndefined();
    // The chain itself is whole: nothing sealed was touched (entries at the unsealed tail can be removed unseen;
    // the next test shows one in the middle cannot).
    expect(v.ok).toBe(true);
  });

  it('an unsealed entry that is removed, or a sealed one made unsealed, breaks the chain', async () => {
    const k = await fresh();
    await k.client.call('kms.lock', {});
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: 'wrong passphrase!' }))).toBe('WRONG_SECRET');
    // Counted entries are written when their window closes: stopping the KMS while locked writes this one unsealed.
    await k.restart();
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    await k.client.call('keys.generate', { algorithm: 'ed25519' });
    expect(await k.client.call('audit.verify', {})).toMatchObject({ ok: true, unsealed: 1 });
    await k.stop();
    const edits = ['DELETE FROM audit WHERE mac IS NULL', 'UPDATE audit SET mac = NULL WHERE seq = (SELECT min(seq) FROM audit WHERE mac IS NOT NULL)'];
    const file = join(k.dir, 'keystore.sqlite');
    copyFileSync(file, `${file}.pristine`);
    for (const edit of edits) {
      copyFileSync(`${file}.pristine`, file);
      const db = new Database(file);
      db.exec(edit);
      db.close();
      const again = await startKms({ dir: k.dir });
      await again.client.call('kms.unlock', { passphrase: PASSPHRASE });
      expect((await again.client.call('audit.verify', {})).ok, edit).toBe(false);
      await again.stop();
    }
  });
});

describe('a flood of rejected calls', () => {
  it('20,000 refused calls from the renderer add a few counted entries, not 20,000 rows', async () => {
    const k = await fresh(['test', 'ui']);
    const key = await k.client.call('keys.generate', { algorithm: 'ed25519', requiresApproval: true });
    await k.client.call('kms.lock', {});
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const size = () => ['keystore.sqlite', 'keystore.sqlite-wal'].reduce((n, f) => n + (statSync(join(k.dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
    const rowsBefore = (await k.client.call('audit.verify', {})).entries;
    const before = size();
    const kinds = new Map<string, number>();
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 1000 }, (_, i) =>
        i % 2 === 0
          ? kindOf(k.client.call('crypto.sign', { id: key.id, data: b64u('x') }, { caller: 'ui' }))
          : kindOf(k.client.callUnchecked('keys.import', { format: 'raw', algorithm: 'ed25519', data: 'AA' }, { caller: 'ui' })),
      );
      for (const kind of await Promise.all(batch)) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(kinds)).toEqual({ APPROVAL_DENIED: 10_000, POLICY_DENIED: 10_000 });
    const { entries } = await k.client.call('audit.list', { limit: 1000 });
    const counted = entries.filter((e) => e.caller === 'ui').sort((a, b) => a.method.localeCompare(b.method));
    expect(counted.map((e) => [e.method, e.outcome, e.count])).toEqual([
      ['crypto.sign', 'APPROVAL_DENIED', 10_000],
      ['keys.import', 'POLICY_DENIED', 10_000],
    ]);
    expect(counted[0]!.keyId).toBe(key.id);
    expect((await k.client.call('audit.verify', {})).entries - rowsBefore).toBeLessThanOrEqual(4);
    expect(size() - before).toBeLessThan(64 * 1024);
  });
});
