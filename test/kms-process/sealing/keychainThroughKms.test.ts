// The keychain sealer through a real KMS child process: against a real gnome-keyring Secret Service on a private
// D-Bus (the child gets that session's HOME and bus address), and with no Secret Service at all (no fallback).
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startSecretService, type SecretServiceSession } from '../../services/gnomeKeyring.js';
import { b64u, PASSPHRASE, removeDir, startKms, tempDir, type TestKms } from '../../helpers/kms.js';

const DATA = b64u('pay 1 coin to bob');

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    const err = e as { name?: string; kind?: string };
    return err.name === 'KmsError' ? err.kind! : `not a KmsError: ${String(e)}`;
  }
}

/** Only the defined variables: KmsHost's `env` takes strings. */
function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

const running = new Set<TestKms>();
const dirs: string[] = [];
afterEach(async () => {
  for (const k of [...running]) {
    await k.stop();
    running.delete(k);
  }
});
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

async function kms(env: Record<string, string>, dir = tempDir('owkms-kc-')): Promise<TestKms> {
  dirs.push(dir);
  const k = await startKms({ dir, env });
  running.add(k);
  return k;
}

describe('keychain sealer through the KMS, with gnome-keyring', () => {
  let session: SecretServiceSession;
  beforeAll(async () => {
    session = await startSecretService();
  });
  afterAll(async () => {
    await session?.stop();
  });

  /** This keystore's entries in gnome-keyring (as secret-tool sees them): username `KEYSTORE_ID/SUFFIX`, the share. */
  function keychainEntries(keystoreId: string): Array<{ username: string; secret: string }> {
    const r = spawnSync('secret-tool', ['search', '--all', '--unlock', 'service', 'owkms'], { env: session.env, encoding: 'utf8' });
    if (r.error) throw new Error('secret-tool not found: install the Debian package `libsecret-tools`');
    const out: Array<{ username: string; secret: string }> = [];
    for (const block of (r.stdout + r.stderr).split(/^\[\//m).slice(1)) {
      const username = /^attribute\.username = (.*)$/m.exec(block)?.[1];
      const secret = /^secret = (.*)$/m.exec(block)?.[1];
      if (username?.startsWith(`${keystoreId}/`) && secret !== undefined) out.push({ username, secret });
    }
    return out;
  }

  /** The share gnome-keyring holds for this keystore, or undefined (one entry at most). */
  function keychainEntry(keystoreId: string): string | undefined {
    const found = keychainEntries(keystoreId);
    expect(found.length).toBeLessThanOrEqual(1);
    return found[0]?.secret;
  }

  it('keychain + passphrase: unlocks with nothing typed; removing the keychain deletes its entry and then the passphrase is needed', async () => {
    const k = await kms(stringEnv(session.env));
    const before = await k.client.call('kms.status', {});
    expect(before.sealers.find((s) => s.kind === 'keychain')).toEqual({ kind: 'keychain', enrolled: false, available: true, detail: 'Secret Service' });

    const { keystoreId } = await k.client.call('kms.init', { sealers: [{ kind: 'keychain' }, { kind: 'passphrase', passphrase: PASSPHRASE }] });
    const entry = keychainEntry(keystoreId);
    expect(entry).toBeDefined();
    expect(Buffer.from(entry!, 'base64url')).toHaveLength(32); // the share itself, in the keyring
    const key = await k.client.call('keys.generate', { algorithm: 'ed25519' });
    const { signature } = await k.client.call('crypto.sign', { id: key.id, data: DATA });

    await k.client.call('kms.lock', {});
    expect(await k.client.call('kms.status', { probe: false })).toMatchObject({ state: 'locked', unlockNeeds: [] });
    expect(await k.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['keychain'] });
    expect((await k.client.call('crypto.sign', { id: key.id, data: DATA })).signature).toBe(signature);

    expect(await k.client.call('kms.changeSealers', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }], passphrase: PASSPHRASE }))
      .toEqual({ sealers: ['passphrase'], unlockPolicy: 'any' });
    expect(keychainEntry(keystoreId)).toBeUndefined();
    const after = await k.client.call('kms.status', {});
    expect(after.sealers.find((s) => s.kind === 'keychain')).toMatchObject({ enrolled: false, available: true });

    await k.client.call('kms.lock', {});
    expect((await k.client.call('kms.status', { probe: false })).unlockNeeds).toEqual(['passphrase']);
    expect(await kindOf(k.client.call('kms.unlock', {}))).toBe('INVALID_REQUEST');
    expect(await k.client.call('kms.unlock', { passphrase: PASSPHRASE })).toEqual({ state: 'unlocked', unlockedBy: ['passphrase'] });
    expect((await k.client.call('crypto.sign', { id: key.id, data: DATA })).signature).toBe(signature);
  });

  it("policy 'all': a sealer change that fails part-way (TPM unreachable) leaves the keychain share that still opens the keystore", async () => {
    const k = await kms(stringEnv(session.env));
    const { keystoreId } = await k.client.call('kms.init', {
      sealers: [{ kind: 'keychain' }, { kind: 'passphrase', passphrase: PASSPHRASE }],
      unlockPolicy: 'all',
    });
    const key = await k.client.call('keys.generate', { algorithm: 'ed25519' });
    const { signature } = await k.client.call('crypto.sign', { id: key.id, data: DATA });
    const share = keychainEntry(keystoreId);
    expect(share).toBeDefined();

    // The keychain comes first in the new set; the TPM after it cannot be reached.
    const failed = await k.client.call('kms.changeSealers', {
      sealers: [{ kind: 'keychain' }, { kind: 'tpm', tcti: 'swtpm:host=127.0.0.1,port=1' }],
      unlockPolicy: 'all',
      passphrase: PASSPHRASE,
    }).catch((e: { kind?: string; message?: string }) => e);
    expect(failed).toMatchObject({ name: 'KmsError', kind: 'UNAVAILABLE' });
    expect(keychainEntry(keystoreId)).toBe(share); // nothing outside the keystore changed either

    await k.client.call('kms.lock', {});
    expect(await k.client.call('kms.unlock', { passphrase: PASSPHRASE })).toEqual({ state: 'unlocked', unlockedBy: ['keychain', 'passphrase'] });
    expect((await k.client.call('crypto.sign', { id: key.id, data: DATA })).signature).toBe(signature);
  });

  it('keychain alone survives a KMS restart, and an entry deleted behind its back is UNAVAILABLE, not a crash', async () => {
    const dir = tempDir('owkms-kc-');
    let k = await kms(stringEnv(session.env), dir);
    const { keystoreId } = await k.client.call('kms.init', { sealers: [{ kind: 'keychain' }] });
    await k.client.call('kms.lock', {});
    await k.stop();
    running.delete(k);

    k = await kms(stringEnv(session.env), dir);
    expect(await k.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['keychain'] });
    await k.client.call('kms.lock', {});
    const [entry] = keychainEntries(keystoreId);
    // `--`: a keystore id is base64url and may begin with '-', which secret-tool would take for an option.
    const cleared = spawnSync('secret-tool', ['clear', '--', 'service', 'owkms', 'username', entry!.username], { env: session.env, encoding: 'utf8' });
    expect(cleared.status, cleared.stderr).toBe(0);
    expect(await kindOf(k.client.call('kms.unlock', {}))).toBe('UNAVAILABLE');
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
  });
});

describe('keychain sealer through the KMS, with no Secret Service', () => {
  let base: string;
  let savedBus: string | undefined;
  beforeAll(() => {
    base = tempDir('owkms-nokc-');
    // KmsHost passes DBUS_SESSION_BUS_ADDRESS from this process: make sure there is none to pass.
    savedBus = process.env.DBUS_SESSION_BUS_ADDRESS;
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
  });
  afterAll(() => {
    if (savedBus !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = savedBus;
    removeDir(base);
  });

  it('status shows keychain available:false with the reason; init with it is UNAVAILABLE, with no fallback', async () => {
    const k = await kms(stringEnv(isolatedEnv(base)));
    const status = await k.client.call('kms.status', {});
    const kc = status.sealers.find((s) => s.kind === 'keychain');
    expect(kc).toMatchObject({ enrolled: false, available: false });
    expect(kc?.detail).toMatch(/^no Secret Service answered: \S/);

    const alone = await k.client.call('kms.init', { sealers: [{ kind: 'keychain' }] }).catch((e: { kind?: string; message?: string }) => e);
    expect(alone).toMatchObject({ name: 'KmsError', kind: 'UNAVAILABLE' });
    expect((alone as { message: string }).message).toMatch(/keychain/);
    // Not even alongside a passphrase: the keystore is not created with fewer sealers than asked for.
    expect(await kindOf(k.client.call('kms.init', { sealers: [{ kind: 'keychain' }, { kind: 'passphrase', passphrase: PASSPHRASE }] }))).toBe('UNAVAILABLE');
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
    // The same KMS still makes a passphrase keystore when asked for one.
    expect((await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] })).state).toBe('unlocked');
  });
});
