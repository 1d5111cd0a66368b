// Caller `pkcs11` (what the agent uses for the PKCS#11 module) inside a real KMS: its narrow method allowlist, keys
// only when they opt in, and the module's PIN (Argon2id hash under the metadata MAC, a retry counter that survives a
// restart, PIN_LOCKED, set-pin from cli only).
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES, type KeyInfo } from '../../../kms-process/api/index.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, type TestKms } from '../../helpers/kms.js';

let kms: TestKms;
let opted: KeyInfo;
let hidden: KeyInfo;
let appOnly: KeyInfo;
const asP11 = { caller: 'pkcs11' as const };

beforeAll(async () => {
  kms = await startInitializedKms({ callers: ['test', 'pkcs11'] });
  opted = await kms.client.call('keys.generate', { algorithm: 'p256', callers: ['pkcs11'] });
  hidden = await kms.client.call('keys.generate', { algorithm: 'p256' });
  appOnly = await kms.client.call('keys.generate', { algorithm: 'p256', callers: ['app'] });
});

afterAll(async () => {
  await kms?.stop();
  removeDir(kms.dir);
});

describe('caller pkcs11', () => {
  it('sees and uses only keys that name it; everything else about them is NOT_FOUND or POLICY_DENIED', async () => {
    const list = await kms.client.call('keys.list', {}, asP11);
    expect(list.keys.map((k) => k.id)).toEqual([opted.id]);
    expect(await kindOf(kms.client.call('keys.get', { id: hidden.id }, asP11))).toBe('NOT_FOUND');
    expect(await kindOf(kms.client.call('crypto.sign', { id: hidden.id, data: b64u('x') }, asP11))).toBe('POLICY_DENIED');
    expect(await kindOf(kms.client.call('crypto.sign', { id: appOnly.id, data: b64u('x') }, asP11))).toBe('POLICY_DENIED');
    expect(await kindOf(kms.client.call('crypto.sign', { id: opted.id, data: b64u('x') }, asP11))).toBe('resolved');
  });

  it('property: any method with any of the keys, as pkcs11, never succeeds outside the allowlist nor reveals a key that does not name it', async () => {
    const allowed = new Set(['kms.status', 'keys.list', 'keys.get', 'crypto.sign', 'crypto.verify', 'crypto.encrypt', 'crypto.decrypt', 'crypto.agree', 'crypto.random', 'pkcs11.login', 'pkcs11.pinStatus']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHOD_NAMES), fc.constantFrom(opted.id, hidden.id, appOnly.id), fc.constantFrom('jwk', 'spki', 'pkcs8'), async (method, id, format) => {
        let result: unknown;
        let kind = 'resolved';
        try {
          result = await kms.client.callUnchecked(method, { id, data: b64u('d'), format, private: true, pin: '1234', length: 8 }, asP11);
        } catch (e) {
          kind = (e as { kind: string }).kind;
        }
        if (!allowed.has(method)) expect(kind).toBe('POLICY_DENIED');
        const text = JSON.stringify(result ?? {});
        expect(text.includes(hidden.id) || text.includes(appOnly.id)).toBe(false);
      }),
      { numRuns: 120 },
    );
  });

  it('the module PIN: set by cli (not by pkcs11), WRONG_SECRET with attempts left, PIN_LOCKED after 5, durable across a restart', async () => {
    expect(await kindOf(kms.client.call('pkcs11.setPin', { pin: '2468' }, asP11))).toBe('POLICY_DENIED');
    expect(await kindOf(kms.client.call('pkcs11.login', { pin: '2468' }, asP11))).toBe('NOT_FOUND');
    const set = await kms.client.call('pkcs11.setPin', { pin: '2468' });
    expect(set).toMatchObject({ set: true, retriesLeft: 5, locked: false });
    await expect(kms.client.call('pkcs11.login', { pin: '2468' }, asP11)).resolves.toEqual({ ok: true });
    for (let i = 0; i < 3; i++) {
      const err = await kms.client.call('pkcs11.login', { pin: 'nope' }, asP11).catch((e: { kind: string; data: { attemptsLeft?: number } }) => e);
      expect(err).toMatchObject({ kind: 'WRONG_SECRET', data: { attemptsLeft: 4 - i } });
    }
    // The counter is in the keystore: a new KMS process over the same store still counts three failures.
    await kms.restart();
    await kms.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await kms.client.call('pkcs11.pinStatus', {}, asP11)).toMatchObject({ failures: 3, retriesLeft: 2 });
    for (let i = 0; i < 2; i++) expect(await kindOf(kms.client.call('pkcs11.login', { pin: 'nope' }, asP11))).toBe('WRONG_SECRET');
    expect(await kindOf(kms.client.call('pkcs11.login', { pin: '2468' }, asP11))).toBe('PIN_LOCKED');
    await kms.client.call('pkcs11.setPin', { pin: '13579' });
    await expect(kms.client.call('pkcs11.login', { pin: '13579' }, asP11)).resolves.toEqual({ ok: true });
  });

  it('a PIN record edited in the database is TAMPERED (the metadata MAC covers it)', async () => {
    // The running KMS holds the database exclusively; an edit made while it is stopped is found at unlock (and a
    // login checks the MAC again, for edits the file lock would not stop).
    await kms.stop();
    const db = new Database(join(kms.dir, 'keystore.sqlite'));
    const row = db.prepare("SELECT v FROM meta WHERE k = 'pkcs11_pin'").get() as { v: string };
    const rec = JSON.parse(row.v) as { hash: string };
    rec.hash = Buffer.alloc(32, 1).toString('base64url'); // an attacker's own PIN hash
    db.prepare("UPDATE meta SET v = ? WHERE k = 'pkcs11_pin'").run(JSON.stringify(rec));
    db.close();
    await kms.restart();
    expect(await kindOf(kms.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('TAMPERED');
  });
});
