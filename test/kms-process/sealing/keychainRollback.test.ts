// The rollback counter mirrored in the OS keychain when no TPM guards it (issue 10, item 6), against a real
// gnome-keyring in a private D-Bus session: an older copy of the keystore file is ROLLBACK even though the keychain
// is not a sealer; kms.status says which guard is on and why; with no keychain it says none. Also: removing a
// sealer row offline (to drop a guard) is TAMPERED, because the set of sealers is in the MACed metadata.
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindOf, PASSPHRASE, removeDir, startKms, tempDir, type TestKms } from '../../helpers/kms.js';
import { startSecretService, type SecretServiceSession } from '../../services/gnomeKeyring.js';

let session: SecretServiceSession;
const dirs: string[] = [];
beforeAll(async () => {
  session = await startSecretService();
});
afterAll(async () => {
  await session?.stop();
  for (const d of dirs) removeDir(d);
});

function env(): Record<string, string> {
  return Object.fromEntries(Object.entries(session.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

async function kms(dir: string, withKeychain = true): Promise<TestKms> {
  return startKms({ dir, env: withKeychain ? env() : { HOME: join(dir, 'no-home') } });
}

/** The counter gnome-keyring holds for this keystore, as secret-tool reads it. */
function mirrored(keystoreId: string): string | undefined {
  // A loaded machine can make one D-Bus lookup fail: ask up to three times before calling the entry missing.
  for (let attempt = 0; attempt < 3; attempt++) {
    // `--`: a keystore id is base64url and may begin with '-', which secret-tool would take for an option.
    const r = spawnSync('secret-tool', ['lookup', '--', 'service', 'owkms-rollback', 'username', keystoreId], { env: session.env, encoding: 'utf8', timeout: 10_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('secret-tool not found: install the Debian package `libsecret-tools`');
    if (r.status === 0 && r.stdout.length > 0) return r.stdout;
  }
  return undefined;
}

describe('rollback guard in the keychain', () => {
  it('a passphrase-only keystore: the keychain mirrors the counter, and an older copy of the file is ROLLBACK', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const a = await kms(dir);
    const { keystoreId } = await a.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const st = await a.client.call('kms.status', { probe: false });
    expect(st.rollbackGuard).toMatchObject({ kind: 'keychain' });
    const first = mirrored(keystoreId);
    expect(first).toMatch(/^[0-9]+$/);
    const key = await a.client.call('keys.generate', { algorithm: 'ed25519' });
    await a.stop();
    const older = tempDir();
    dirs.push(older);
    copyFileSync(join(dir, 'keystore.sqlite'), join(older, 'keystore.sqlite'));

    const b = await kms(dir);
    await b.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect((await b.client.call('kms.status', { probe: false })).rollbackGuard).toEqual({ kind: 'keychain', detail: expect.stringMatching(/counter at/) });
    expect(BigInt(mirrored(keystoreId)!)).toBeGreaterThan(BigInt(first!));
    await b.client.call('keys.delete', { id: key.id });
    await b.stop();

    // The older file (where the deleted key still exists) is put back in place.
    copyFileSync(join(older, 'keystore.sqlite'), join(dir, 'keystore.sqlite'));
    const c = await kms(dir);
    expect(await kindOf(c.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('ROLLBACK');
    expect((await c.client.call('kms.status', { probe: false })).state).toBe('locked');
    expect(await kindOf(c.client.call('crypto.sign', { id: key.id, data: 'AA' }))).toBe('LOCKED');
    await c.stop();
  });

  it('with no keychain answering, kms.status says no guard is on and why', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const a = await kms(dir, false);
    await a.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const st = await a.client.call('kms.status', { probe: false });
    expect(st.rollbackGuard?.kind).toBe('none');
    expect(st.rollbackGuard?.detail).toMatch(/keychain/);
    await a.stop();
  });

  it('a keychain entry that disappeared is reported and set again (a same-user program can remove it: weaker than a TPM)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const a = await kms(dir);
    const { keystoreId } = await a.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    await a.client.call('kms.lock', {});
    spawnSync('secret-tool', ['clear', '--', 'service', 'owkms-rollback', 'username', keystoreId], { env: session.env });
    expect(mirrored(keystoreId)).toBeUndefined();
    await a.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect((await a.client.call('kms.status', { probe: false })).rollbackGuard).toEqual({ kind: 'keychain', detail: expect.stringMatching(/had no counter.*before/) });
    expect(mirrored(keystoreId)).toMatch(/^[0-9]+$/);
    await a.stop();
  });

  it('removing a sealer row offline (a guard, a second way in) is TAMPERED at unlock', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const a = await kms(dir);
    await a.client.call('kms.init', { sealers: [{ kind: 'keychain' }, { kind: 'passphrase', passphrase: PASSPHRASE }] });
    await a.stop();
    const db = new Database(join(dir, 'keystore.sqlite'));
    db.prepare("DELETE FROM sealers WHERE kind = 'keychain'").run();
    db.close();
    const b = await kms(dir);
    expect(await kindOf(b.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('TAMPERED');
    await b.stop();
  });
});
