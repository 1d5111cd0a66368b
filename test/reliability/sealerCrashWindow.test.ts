// The crash window of kms.changeSealers under policy `all` (passphrase and keychain, each holding one XOR share of
// the master key): the KMS is killed right after it wrote the new share to the keychain and before the keystore
// committed the new copies. The keychain sealer now writes each new share under a new entry and removes the old
// entry only after the commit, so the keystore on disk still opens with the old passphrase and the old entry
// (before, the entry was overwritten in place and the keystore was lost: TAMPERED at every unlock).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainKillPreload, KILL_AT_ENV } from '../helpers/keychainKillPreload.js';
import { b64u, kindOf, removeDir, startKms, tempDir, type TestKms } from '../helpers/kms.js';
import { startSecretService, type SecretServiceSession } from '../services/gnomeKeyring.js';

const OLD = 'the passphrase before the change';
const NEW = 'the passphrase after the change';
let session: SecretServiceSession;
const dir = tempDir('owkms-window-');
const scratch = tempDir('owkms-window-preload-');
let kms: TestKms | undefined;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...(Object.fromEntries(Object.entries(session.env).filter((e): e is [string, string] => typeof e[1] === 'string'))), ...extra };
}

/** The keychain sealer's entries in the session's Secret Service (secret-tool, from libsecret-tools). */
function keychainEntries(): number {
  const r = spawnSync('secret-tool', ['search', '--all', 'service', 'owkms'], { env: session.env, encoding: 'utf8' });
  if (r.error) throw new Error('secret-tool not found: install the Debian package `libsecret-tools`');
  return (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('[/')).length;
}

beforeAll(async () => {
  session = await startSecretService();
});

afterAll(async () => {
  await kms?.stop();
  await session?.stop();
  removeDir(dir);
  removeDir(scratch);
});

describe('kms.changeSealers killed between the keychain write and the database commit', () => {
  it('leaves a keystore that opens with the old passphrase and the old entry; a later change removes the old entry', async () => {
    const flags = keychainKillPreload(scratch, resolve('.'));
    // Write 1 is kms.init's share, write 2 the re-seal's.
    kms = await startKms({ dir, env: env({ [KILL_AT_ENV]: '2' }), nodeFlags: flags });
    await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: OLD }, { kind: 'keychain' }], unlockPolicy: 'all' });
    const key = await kms.client.call('keys.generate', { algorithm: 'ed25519' });
    const before = (await kms.client.call('crypto.sign', { id: key.id, data: b64u('m') })).signature;
    const exited = new Promise((r) => kms!.host.onExit((_code, signal) => r(signal)));
    const change = kms.client.call('kms.changeSealers', { sealers: [{ kind: 'passphrase', passphrase: NEW }, { kind: 'keychain' }], unlockPolicy: 'all', passphrase: OLD });
    expect(await kindOf(change)).toBe('UNAVAILABLE');
    expect(await exited).toBe('SIGKILL');
    expect(keychainEntries()).toBe(2); // the old share and the new one: nothing was overwritten

    await kms.host.stop();
    kms = await startKms({ dir, env: env() });
    expect(await kindOf(kms.client.call('kms.unlock', { passphrase: NEW }))).toBe('WRONG_SECRET');
    expect(await kms.client.call('kms.unlock', { passphrase: OLD })).toMatchObject({ state: 'unlocked', unlockedBy: ['keychain', 'passphrase'] });
    expect((await kms.client.call('crypto.sign', { id: key.id, data: b64u('m') })).signature).toBe(before);

    await kms.client.call('kms.changeSealers', { sealers: [{ kind: 'passphrase', passphrase: NEW }, { kind: 'keychain' }], unlockPolicy: 'all', passphrase: OLD });
    // After the commit the old entry goes, and so does the one the killed change left behind (nothing names it).
    expect(keychainEntries()).toBe(1);
    await kms.restart();
    expect(await kms.client.call('kms.unlock', { passphrase: NEW })).toMatchObject({ state: 'unlocked' });
    expect((await kms.client.call('crypto.sign', { id: key.id, data: b64u('m') })).signature).toBe(before);
  });
});
