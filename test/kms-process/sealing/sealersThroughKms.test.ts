// The TPM and passphrase sealers through a real KMS child process against real swtpm instances (DESIGN.md section 4,
// issue 4): TPM-only keystores, unlock policy `all` (TPM and passphrase both needed), a keystore opened against
// another TPM, rollback through the TPM NV counter, the TPM's dictionary-attack lockout, kms.changeSealers, and the
// kms.unlock latency of the TPM against the passphrase.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TpmConnection } from '../../../native/tpm2/index.js';
import { b64u, PASSPHRASE, removeDir, startKms, tempDir, type TestKms } from '../../helpers/kms.js';
import { startSwtpm, type Swtpm } from '../../services/swtpm.js';

const DATA = b64u('pay 1 coin to alice');
const NEW_PASSPHRASE = 'a brand new passphrase';

interface CaughtError {
  kind: string;
  message: string;
  data: { retryAfterMs?: number; attemptsLeft?: number };
}

/** The typed error a call rejects with; fails the test if it resolves or throws something that is no KmsError. */
async function errorOf(p: Promise<unknown>): Promise<CaughtError> {
  const outcome = await p.then(
    (v) => ({ resolved: v }),
    (e: unknown) => ({ rejected: e }),
  );
  if ('resolved' in outcome) throw new Error(`expected a KmsError, got a result: ${JSON.stringify(outcome.resolved)}`);
  const e = outcome.rejected as Partial<CaughtError> & { name?: string };
  expect(e.name, String(e)).toBe('KmsError');
  return { kind: e.kind!, message: e.message!, data: (e.data ?? {}) as CaughtError['data'] };
}

const running = new Set<TestKms>();
const dirs: string[] = [];

async function kms(dir: string, tcti: string | undefined): Promise<TestKms> {
  const k = await startKms({ dir, env: tcti ? { OWKMS_TCTI: tcti } : {} });
  running.add(k);
  return k;
}

async function stop(k: TestKms): Promise<void> {
  await k.stop();
  running.delete(k);
}

function newDir(): string {
  const d = tempDir('owkms-seal-');
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const k of [...running]) await stop(k);
});
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

/** Every file of the keystore database (the WAL and its index too, if a stopped KMS left them). */
function dbFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('keystore.sqlite'));
}

/** Copies the keystore database of `from` (the KMS on it must be stopped) into `to`, replacing what is there. */
function copyKeystore(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of dbFiles(to)) rmSync(join(to, f));
  const files = dbFiles(from);
  expect(files).toContain('keystore.sqlite');
  for (const f of files) copyFileSync(join(from, f), join(to, f));
}

/** Runs SQL on a stopped keystore. */
function withDb<T>(dir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'keystore.sqlite'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function newKey(k: TestKms): Promise<{ id: string; signature: string }> {
  const key = await k.client.call('keys.generate', { algorithm: 'ed25519', label: 'sealed' });
  const { signature } = await k.client.call('crypto.sign', { id: key.id, data: DATA });
  return { id: key.id, signature };
}

async function sign(k: TestKms, id: string): Promise<string> {
  return (await k.client.call('crypto.sign', { id, data: DATA })).signature;
}

describe('sealing through a KMS child process against swtpm', () => {
  let tpmA: Swtpm;
  let tpmB: Swtpm;

  beforeAll(async () => {
    tpmA = await startSwtpm();
    tpmB = await startSwtpm();
  });
  afterAll(async () => {
    await tpmA?.dispose();
    await tpmB?.dispose();
  });

  it('TPM alone (policy any): unlocks with nothing typed, shows the TPM in status, and keeps the key across a restart', async () => {
    const dir = newDir();
    let k = await kms(dir, tpmA.tcti);
    await k.client.call('kms.init', { sealers: [{ kind: 'tpm' }] });
    const status = await k.client.call('kms.status', {});
    expect(status).toMatchObject({ state: 'unlocked', unlockPolicy: 'any', rollback: 'checked' });
    const tpm = status.sealers.find((s) => s.kind === 'tpm');
    expect(tpm).toMatchObject({ enrolled: true, available: true });
    // Manufacturer (swtpm reports IBM), vendor string, firmware version and the TCTI it was reached through.
    const escaped = tpmA.tcti.replace(/[.]/g, '\\.');
    expect(tpm?.detail).toMatch(new RegExp(`^TPM 2\\.0 IBM \\S.* fw \\d+\\.\\d+(\\.\\d+)?, ${escaped}$`));
    expect(status.sealers.find((s) => s.kind === 'passphrase')?.enrolled).toBe(false);

    const key = await newKey(k);
    await k.client.call('kms.lock', {});
    const locked = await k.client.call('kms.status', { probe: false });
    expect(locked).toMatchObject({ state: 'locked', unlockNeeds: [] });
    expect(await k.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['tpm'] });
    expect(await sign(k, key.id)).toBe(key.signature);

    await k.client.call('kms.lock', {});
    await stop(k);
    k = await kms(dir, tpmA.tcti);
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
    expect(await k.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['tpm'] });
    expect((await k.client.call('kms.status', { probe: false })).rollback).toBe('checked');
    expect(await sign(k, key.id)).toBe(key.signature); // Ed25519 is deterministic: the same key came back
  });

  it("TPM + passphrase with policy 'all': both are needed, and neither copy alone recovers the master key", async () => {
    let sw = await startSwtpm();
    try {
      const dir = newDir();
      let k = await kms(dir, sw.tcti);
      await k.client.call('kms.init', { sealers: [{ kind: 'tpm' }, { kind: 'passphrase', passphrase: PASSPHRASE }], unlockPolicy: 'all' });
      const key = await newKey(k);
      await k.client.call('kms.lock', {});
      expect(await k.client.call('kms.status', { probe: false })).toMatchObject({ unlockPolicy: 'all', unlockNeeds: ['passphrase'] });
      // Nothing typed: the passphrase is missing, which is a bad request, not a failed guess.
      expect((await errorOf(k.client.call('kms.unlock', {}))).kind).toBe('INVALID_REQUEST');
      expect((await k.client.call('kms.status', { probe: false })).failedAttempts).toBe(0);

      // The right passphrase with the TPM gone: the TPM's error, not success.
      await sw.stop();
      const gone = await errorOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE }));
      expect(gone.kind).toBe('UNAVAILABLE');
      expect(gone.message).toMatch(/TPM/);
      expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked'); // the KMS is still there
      await stop(k);

      sw = await startSwtpm({ stateDir: sw.stateDir }); // same TPM (same seeds and NV), new port
      k = await kms(dir, sw.tcti);
      expect((await errorOf(k.client.call('kms.unlock', { passphrase: 'not the passphrase' }))).kind).toBe('WRONG_SECRET');
      expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
      expect(await k.client.call('kms.unlock', { passphrase: PASSPHRASE })).toEqual({ state: 'unlocked', unlockedBy: ['passphrase', 'tpm'] });
      expect(await sign(k, key.id)).toBe(key.signature);
      await k.client.call('kms.lock', {});
      await stop(k);

      // Copies of the keystore with one sealed copy removed (and the policy row rewritten to 'any'): never unlocked.
      const attempts: Array<[string, (db: Database.Database) => void, { passphrase?: string }]> = [
        ['no TPM copy, passphrase given', (db) => db.prepare("DELETE FROM sealers WHERE kind = 'tpm'").run(), { passphrase: PASSPHRASE }],
        ['no passphrase copy, TPM present', (db) => db.prepare("DELETE FROM sealers WHERE kind = 'passphrase'").run(), {}],
        ['no passphrase copy, policy rewritten to any', (db) => {
          db.prepare("DELETE FROM sealers WHERE kind = 'passphrase'").run();
          db.prepare("UPDATE meta SET v = 'any' WHERE k = 'unlock_policy'").run();
        }, {}],
        ['no TPM copy, policy rewritten to any', (db) => {
          db.prepare("DELETE FROM sealers WHERE kind = 'tpm'").run();
          db.prepare("UPDATE meta SET v = 'any' WHERE k = 'unlock_policy'").run();
        }, { passphrase: PASSPHRASE }],
      ];
      for (const [label, edit, secrets] of attempts) {
        const copy = newDir();
        copyKeystore(dir, copy);
        withDb(copy, edit);
        const c = await kms(copy, sw.tcti);
        const e = await errorOf(c.client.call('kms.unlock', secrets));
        expect(['TAMPERED', 'WRONG_SECRET'], `${label}: ${e.kind} ${e.message}`).toContain(e.kind);
        expect((await c.client.call('kms.status', { probe: false })).state, label).toBe('locked');
        expect((await errorOf(c.client.call('crypto.sign', { id: key.id, data: DATA }))).kind, label).toBe('LOCKED');
        await stop(c);
      }

      // The untouched keystore still opens with both.
      k = await kms(dir, sw.tcti);
      expect((await k.client.call('kms.unlock', { passphrase: PASSPHRASE })).unlockedBy).toEqual(['passphrase', 'tpm']);
      expect(await sign(k, key.id)).toBe(key.signature);
    } finally {
      await sw.dispose();
    }
  });

  it('sealed by one TPM, opened against another: a typed error, nothing lost, the passphrase still unlocks', async () => {
    const dir = newDir();
    let k = await kms(dir, tpmA.tcti);
    await k.client.call('kms.init', { sealers: [{ kind: 'tpm' }, { kind: 'passphrase', passphrase: PASSPHRASE }] });
    const key = await newKey(k);
    await k.client.call('kms.lock', {});
    await stop(k);

    k = await kms(dir, tpmB.tcti);
    const status = await k.client.call('kms.status', {});
    expect(status).toMatchObject({ state: 'locked', unlockNeeds: [] });
    expect(status.sealers.find((s) => s.kind === 'tpm')?.detail).toContain(tpmB.tcti);
    const other = await errorOf(k.client.call('kms.unlock', {}));
    expect(other.kind).toBe('UNAVAILABLE');
    expect(other.message).toMatch(/different TPM/);
    expect(k.host.child?.exitCode).toBeNull(); // not a crash
    expect(await k.client.call('kms.status', { probe: false })).toMatchObject({ state: 'locked', failedAttempts: 0 });
    // A mistyped passphrase is WRONG_SECRET, not hidden behind the TPM's error.
    expect((await errorOf(k.client.call('kms.unlock', { passphrase: 'not the passphrase' }))).kind).toBe('WRONG_SECRET');

    expect(await k.client.call('kms.unlock', { passphrase: PASSPHRASE })).toEqual({ state: 'unlocked', unlockedBy: ['passphrase'] });
    // The rollback counter lives in the first TPM: this TPM has no such NV index, so the check says it was skipped.
    expect((await k.client.call('kms.status', { probe: false })).rollback).toMatch(/^skipped: /);
    expect(await sign(k, key.id)).toBe(key.signature);
    await k.client.call('kms.lock', {});
    await stop(k);

    k = await kms(dir, tpmA.tcti);
    expect(await k.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['tpm'] });
    expect((await k.client.call('kms.status', { probe: false })).rollback).toBe('checked');
    expect(await sign(k, key.id)).toBe(key.signature);
  });

  it('rollback: an older copy of the keystore is ROLLBACK after a later session, the current copy unlocks', async () => {
    const dir = newDir();
    let k = await kms(dir, tpmA.tcti);
    await k.client.call('kms.init', { sealers: [{ kind: 'tpm' }] });
    const first = await newKey(k);
    await k.client.call('kms.lock', {});
    await stop(k);
    const old = newDir();
    copyKeystore(dir, old);

    k = await kms(dir, tpmA.tcti);
    await k.client.call('kms.unlock', {});
    const second = await newKey(k);
    await k.client.call('kms.lock', {});
    await stop(k);
    const current = newDir();
    copyKeystore(dir, current);

    copyKeystore(old, dir);
    k = await kms(dir, tpmA.tcti);
    const rolled = await errorOf(k.client.call('kms.unlock', {}));
    expect(rolled.kind).toBe('ROLLBACK');
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
    expect((await errorOf(k.client.call('crypto.sign', { id: first.id, data: DATA }))).kind).toBe('LOCKED');
    // Trying again changes nothing: still an older copy.
    expect((await errorOf(k.client.call('kms.unlock', {}))).kind).toBe('ROLLBACK');
    await stop(k);

    copyKeystore(current, dir);
    k = await kms(dir, tpmA.tcti);
    expect(await k.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['tpm'] });
    expect(await sign(k, first.id)).toBe(first.signature);
    expect(await sign(k, second.id)).toBe(second.signature);
  });

  it('TPM copy with a PIN: wrong PINs are WRONG_SECRET, then the TPM lockout is LOCKED_OUT with retryAfterMs', async () => {
    const sw = await startSwtpm();
    try {
      const tpm = await TpmConnection.open(sw.tcti);
      await tpm.setDictionaryAttackParameters({ maxTries: 2, recoverySec: 2, lockoutRecoverySec: 10 });
      await tpm.close();
      const dir = newDir();
      const k = await kms(dir, sw.tcti);
      await k.client.call('kms.init', { sealers: [{ kind: 'tpm', auth: '2468' }] });
      const key = await newKey(k);
      await k.client.call('kms.lock', {});
      expect((await k.client.call('kms.status', { probe: false })).unlockNeeds).toEqual(['pin']);
      expect((await errorOf(k.client.call('kms.unlock', {}))).kind).toBe('INVALID_REQUEST');

      const wrong1 = await errorOf(k.client.call('kms.unlock', { pin: '0000' }));
      const wrong2 = await errorOf(k.client.call('kms.unlock', { pin: '1111' }));
      expect([wrong1.kind, wrong2.kind]).toEqual(['WRONG_SECRET', 'WRONG_SECRET']);
      expect([wrong1.data.attemptsLeft, wrong2.data.attemptsLeft]).toEqual([1, 0]);
      const locked = await errorOf(k.client.call('kms.unlock', { pin: '2222' }));
      expect(locked.kind).toBe('LOCKED_OUT');
      expect(locked.message).toMatch(/dictionary-attack/); // the TPM's lockout, not the KMS's own backoff
      expect(locked.data.retryAfterMs).toBe(2000);
      expect(locked.message).not.toMatch(/2222|2468/);

      // After the advertised wait the TPM takes the right PIN again.
      await new Promise((r) => setTimeout(r, locked.data.retryAfterMs! + 300));
      expect(await k.client.call('kms.unlock', { pin: '2468' })).toEqual({ state: 'unlocked', unlockedBy: ['tpm'] });
      expect(await sign(k, key.id)).toBe(key.signature);
    } finally {
      await sw.dispose();
    }
  });

  it('changeSealers: new passphrase, add the TPM, policy any -> all; keys are never re-encrypted; a wrong passphrase changes nothing', async () => {
    const dir = newDir();
    let k = await kms(dir, tpmA.tcti);
    await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const key = await newKey(k);
    await k.client.call('kms.lock', {});
    await stop(k);
    const keyRows = () => withDb(dir, (db) => db.prepare('SELECT id, secret_iv, secret_ct, mac FROM keys ORDER BY id').all());
    const sealerRows = () => withDb(dir, (db) => db.prepare('SELECT kind, params, blob, mac FROM sealers ORDER BY kind').all());
    const policyRow = () => withDb(dir, (db) => db.prepare("SELECT v FROM meta WHERE k = 'unlock_policy'").pluck().get());
    const keysBefore = keyRows();
    const sealersBefore = sealerRows();
    expect(keysBefore).toHaveLength(1);

    // A wrong current passphrase: WRONG_SECRET, and neither the sealed copies nor the policy change.
    k = await kms(dir, tpmA.tcti);
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const refused = await errorOf(k.client.call('kms.changeSealers', {
      sealers: [{ kind: 'passphrase', passphrase: NEW_PASSPHRASE }, { kind: 'tpm' }],
      unlockPolicy: 'all',
      passphrase: 'not the passphrase',
    }));
    expect(refused.kind).toBe('WRONG_SECRET');
    expect((await k.client.call('kms.status', {})).sealers.filter((s) => s.enrolled).map((s) => s.kind)).toEqual(['passphrase']);
    await k.client.call('kms.lock', {});
    await stop(k);
    expect(sealerRows()).toEqual(sealersBefore);
    expect(policyRow()).toBe('any');
    k = await kms(dir, tpmA.tcti);
    expect((await errorOf(k.client.call('kms.unlock', { passphrase: NEW_PASSPHRASE }))).kind).toBe('WRONG_SECRET');
    expect((await errorOf(k.client.call('kms.unlock', {}))).kind).toBe('INVALID_REQUEST'); // no TPM copy was added
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });

    // Change the passphrase.
    expect(await k.client.call('kms.changeSealers', { sealers: [{ kind: 'passphrase', passphrase: NEW_PASSPHRASE }], passphrase: PASSPHRASE }))
      .toEqual({ sealers: ['passphrase'], unlockPolicy: 'any' });
    await k.client.call('kms.lock', {});
    expect((await errorOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE }))).kind).toBe('WRONG_SECRET');
    expect((await k.client.call('kms.unlock', { passphrase: NEW_PASSPHRASE })).unlockedBy).toEqual(['passphrase']);
    expect(await sign(k, key.id)).toBe(key.signature);

    // Add the TPM (policy any): it unlocks on its own, and the rollback counter starts.
    expect(await k.client.call('kms.changeSealers', {
      sealers: [{ kind: 'passphrase', passphrase: NEW_PASSPHRASE }, { kind: 'tpm' }],
      passphrase: NEW_PASSPHRASE,
    })).toEqual({ sealers: ['passphrase', 'tpm'], unlockPolicy: 'any' });
    await k.client.call('kms.lock', {});
    expect((await k.client.call('kms.status', { probe: false })).unlockNeeds).toEqual([]);
    expect((await k.client.call('kms.unlock', {})).unlockedBy).toEqual(['tpm']);
    expect((await k.client.call('kms.status', { probe: false })).rollback).toBe('checked');
    expect(await sign(k, key.id)).toBe(key.signature);
    // Unlocked by the TPM, a wrong passphrase still does not re-authenticate a change (nor unlock).
    const notReauth = await errorOf(k.client.call('kms.changeSealers', {
      sealers: [{ kind: 'passphrase', passphrase: 'somebody else entirely' }],
      passphrase: PASSPHRASE,
    }));
    expect(notReauth.kind).toBe('WRONG_SECRET');
    const enrolled = async () => (await k.client.call('kms.status', {})).sealers.filter((s) => s.enrolled).map((s) => s.kind).sort();
    expect(await enrolled()).toEqual(['passphrase', 'tpm']);
    await k.client.call('kms.lock', {});
    expect((await errorOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE }))).kind).toBe('WRONG_SECRET');
    expect((await k.client.call('kms.unlock', { passphrase: NEW_PASSPHRASE })).unlockedBy).toEqual(['passphrase']);
    expect(await enrolled()).toEqual(['passphrase', 'tpm']);

    // Policy any -> all: now both are needed.
    expect(await k.client.call('kms.changeSealers', {
      sealers: [{ kind: 'passphrase', passphrase: NEW_PASSPHRASE }, { kind: 'tpm' }],
      unlockPolicy: 'all',
      passphrase: NEW_PASSPHRASE,
    })).toEqual({ sealers: ['passphrase', 'tpm'], unlockPolicy: 'all' });
    await k.client.call('kms.lock', {});
    expect(await k.client.call('kms.status', { probe: false })).toMatchObject({ unlockPolicy: 'all', unlockNeeds: ['passphrase'] });
    expect((await errorOf(k.client.call('kms.unlock', {}))).kind).toBe('INVALID_REQUEST');
    expect((await errorOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE }))).kind).toBe('WRONG_SECRET');
    expect((await k.client.call('kms.unlock', { passphrase: NEW_PASSPHRASE })).unlockedBy).toEqual(['passphrase', 'tpm']);
    expect(await sign(k, key.id)).toBe(key.signature);
    await k.client.call('kms.lock', {});
    await stop(k);

    // The key record is byte for byte what it was: re-sealing never re-encrypts keys.
    expect(keyRows()).toEqual(keysBefore);
    expect(policyRow()).toBe('all');
    expect(existsSync(join(dir, 'keystore.sqlite'))).toBe(true);
  });

  it('measures kms.unlock latency: TPM alone vs passphrase alone (median of 10)', async () => {
    const runs = 10;
    const measure = async (init: object, unlock: object, by: string): Promise<number[]> => {
      const k = await kms(newDir(), tpmA.tcti);
      await k.client.call('kms.init', init as never);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        await k.client.call('kms.lock', {});
        const t0 = performance.now();
        const r = await k.client.call('kms.unlock', unlock as never);
        times.push(performance.now() - t0);
        expect(r.unlockedBy).toEqual([by]);
      }
      await stop(k);
      return times;
    };
    const tpm = await measure({ sealers: [{ kind: 'tpm' }] }, {}, 'tpm');
    const pass = await measure({ sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }, { passphrase: PASSPHRASE }, 'passphrase');
    const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
    console.log(`[kms.unlock latency, ${runs} runs each, KMS child over IPC] TPM alone (swtpm, unseal + rollback NV read/increment): ${fmt(tpm)}; passphrase alone (Argon2id m=64 MiB t=3 p=4): ${fmt(pass)}`);
    expect(tpm).toHaveLength(runs);
    expect(pass).toHaveLength(runs);
    // Loose bounds that still catch a broken measurement: the TPM path is a few round trips to swtpm, the
    // passphrase path is a 64 MiB Argon2id.
    expect(median(tpm)).toBeLessThan(1000);
    expect(median(pass)).toBeGreaterThan(20);
  });
});
