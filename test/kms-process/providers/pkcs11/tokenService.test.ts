// Token listing, login/logout and PIN safety against SoftHSM2 (which never locks: the KMS counts and backs off),
// a token unplugged mid-session, module discovery, and ykcs11 loading cleanly with no PC/SC service.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokensMethods } from '../../../../kms-process/api/tokensMethods.js';
import { Pkcs11Modules } from '../../../../kms-process/providers/pkcs11/moduleRegistry.js';
import { discoverModules } from '../../../../kms-process/providers/pkcs11/moduleProfiles.js';
import { JsonFilePinFailureStore, MemoryPinFailureStore } from '../../../../kms-process/providers/pkcs11/pinFailureStore.js';
import { softHsmFixture, storedRef, type Fixture } from './softhsmFixture.js';

let fx: Fixture;
let clock = 1_000_000;
const store = new MemoryPinFailureStore();

beforeAll(async () => {
  fx = await softHsmFixture(['alpha', 'beta'], {
    pinStore: store,
    now: () => clock,
    backoff: { freeAttempts: 2, baseDelayMs: 1000, maxDelayMs: 60_000 },
  });
});
afterAll(async () => fx?.close());

describe('tokens.list', () => {
  it('lists module, slot, label, serial, manufacturer, flags, PIN state and mechanisms', async () => {
    const { modules, tokens } = await fx.tokens.list();
    expect(modules).toEqual([expect.objectContaining({ path: fx.hsm.modulePath, profile: 'softhsm2', loaded: true, manufacturer: 'SoftHSM' })]);
    const alpha = tokens.find((t) => t.label === 'alpha');
    expect(alpha).toMatchObject({ serial: fx.hsm.tokens[0]!.serial, manufacturer: 'SoftHSM project', module: fx.hsm.modulePath });
    expect(typeof alpha!.slot).toBe('number');
    expect(alpha!.flags).toEqual(expect.arrayContaining(['loginRequired', 'userPinInitialized', 'tokenInitialized']));
    expect(alpha!.pin).toMatchObject({ loggedIn: false, locked: false, finalTry: false, kmsFailures: 0, retryAfterMs: 0 });
    expect(alpha!.mechanisms).toEqual(expect.arrayContaining(['CKM_ECDSA', 'CKM_EDDSA', 'CKM_AES_GCM', 'CKM_EC_EDWARDS_KEY_PAIR_GEN']));
    expect(tokens.filter((t) => t.label === 'beta')).toHaveLength(1);
    // What the dispatcher will send back must pass the protocol's result schema.
    expect(() => tokensMethods['tokens.list'].result.parse({ modules, tokens })).not.toThrow();
  });
});

describe('tokens.login / tokens.logout', () => {
  it('logs in by serial or label and out again', async () => {
    const alpha = fx.hsm.tokens[0]!;
    await expect(fx.tokens.login('alpha', alpha.pin)).resolves.toEqual({ serial: alpha.serial, loggedIn: true });
    expect((await fx.tokens.list()).tokens.find((t) => t.serial === alpha.serial)!.pin.loggedIn).toBe(true);
    await expect(fx.tokens.logout(alpha.serial)).resolves.toEqual({ serial: alpha.serial, loggedIn: false });
  });

  it('counts wrong PINs for a token that does not, backs off with LOCKED_OUT, and resets on success', async () => {
    const beta = fx.hsm.tokens[1]!;
    const wrong = beta.pin === '00000000' ? '11111111' : '00000000';
    await expect(fx.tokens.login(beta.serial, wrong)).rejects.toMatchObject({ kind: 'WRONG_SECRET' });
    expect(store.read(beta.serial).failures).toBe(1);
    const second = await fx.tokens.login(beta.serial, wrong).catch((e: unknown) => e);
    expect(second).toMatchObject({ kind: 'WRONG_SECRET', data: { retryAfterMs: 1000 } });
    expect((second as Error).message).not.toContain(wrong);
    // Within the backoff even the right PIN is not tried.
    clock += 500;
    await expect(fx.tokens.login(beta.serial, beta.pin)).rejects.toMatchObject({ kind: 'LOCKED_OUT', data: { retryAfterMs: 500 } });
    expect((await fx.tokens.list()).tokens.find((t) => t.serial === beta.serial)!.pin).toMatchObject({ kmsFailures: 2, retryAfterMs: 500 });
    clock += 500;
    await expect(fx.tokens.login(beta.serial, wrong)).rejects.toMatchObject({ kind: 'WRONG_SECRET', data: { retryAfterMs: 2000 } });
    clock += 2000;
    await expect(fx.tokens.login(beta.serial, beta.pin)).resolves.toMatchObject({ loggedIn: true });
    expect(store.read(beta.serial).failures).toBe(0);
    await fx.tokens.logout(beta.serial);
  });

  it('always checks the PIN, even when the token is already logged in', async () => {
    const alpha = fx.hsm.tokens[0]!;
    await fx.tokens.login(alpha.serial, alpha.pin);
    await expect(fx.tokens.login(alpha.serial, `${alpha.pin}9`)).rejects.toMatchObject({ kind: 'WRONG_SECRET' });
    await fx.tokens.login(alpha.serial, alpha.pin);
  });

  it('answers NOT_FOUND for an unknown serial', async () => {
    await expect(fx.tokens.login('ffffffffffffffff', '1234')).rejects.toMatchObject({ kind: 'NOT_FOUND' });
    await expect(fx.tokens.logout('no-such-token')).rejects.toMatchObject({ kind: 'NOT_FOUND' });
  });
});

describe('a token removed mid-session', () => {
  it('fails with TOKEN_ERROR while away and recovers (after a new login) when it returns', async () => {
    const alpha = fx.hsm.tokens[0]!;
    await fx.tokens.login(alpha.serial, alpha.pin);
    const made = await fx.provider.generate(alpha.serial, 'p256', { label: 'unplug', id: 'unplug01' });
    const key = storedRef('p256', made.ref, made.publicRaw);
    const data = Uint8Array.of(1, 2, 3);
    await fx.provider.sign(key, { data });

    const plugBack = await fx.hsm.unplug(alpha.serial);
    await expect(fx.provider.sign(key, { data })).rejects.toMatchObject({ kind: 'TOKEN_ERROR' });
    await expect(fx.provider.sign(key, { data })).rejects.toMatchObject({ kind: 'TOKEN_ERROR' });
    expect((await fx.tokens.list()).tokens.map((t) => t.serial)).not.toContain(alpha.serial);

    await plugBack();
    await expect(fx.provider.sign(key, { data })).rejects.toMatchObject({ kind: 'LOCKED' });
    await fx.tokens.login(alpha.serial, alpha.pin);
    const sig = await fx.provider.sign(key, { data });
    expect(await fx.provider.verify(key, { data, signature: sig })).toBe(true);
    // The other token of the module still answers (after its own login: the module was re-initialised).
    await expect(fx.tokens.login(fx.hsm.tokens[1]!.serial, fx.hsm.tokens[1]!.pin)).resolves.toMatchObject({ loggedIn: true });
  });
});

describe('PIN failure store', () => {
  it('the JSON file store persists counters across instances', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'owkms-pin-'));
    try {
      const file = path.join(dir, 'pins.json');
      new JsonFilePinFailureStore(file).write('abc', { failures: 3, lastFailureAt: 42 });
      expect(new JsonFilePinFailureStore(file).read('abc')).toEqual({ failures: 3, lastFailureAt: 42 });
      expect(new JsonFilePinFailureStore(file).read('other')).toEqual({ failures: 0, lastFailureAt: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('module discovery and loading', () => {
  it('OWKMS_PKCS11_MODULES overrides the known profiles', () => {
    expect(discoverModules({ env: { OWKMS_PKCS11_MODULES: '/a.so:/b.so' }, platform: 'linux' })).toEqual([
      { path: '/a.so', source: 'env' },
      { path: '/b.so', source: 'env' },
    ]);
    const found = discoverModules({ env: {}, platform: 'linux', exists: (p) => p.includes('softhsm') || p.includes('ykcs11') });
    expect(found.map((f) => f.path)).toEqual(['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/libykcs11.so']);
  });

  it('reports a module that fails to load instead of failing', () => {
    const modules = Pkcs11Modules.load([{ path: '/nonexistent/libnothing.so', source: 'config' }]);
    expect(modules.list()[0]).toMatchObject({ loaded: false, error: expect.stringContaining('cannot load module') });
    modules.close();
  });

  it('loads ykcs11 and reports zero tokens without pcscd (Debian package ykcs11)', async () => {
    const { TokenService } = await import('../../../../kms-process/providers/pkcs11/tokenService.js');
    const modules = Pkcs11Modules.load([{ path: '/usr/lib/x86_64-linux-gnu/libykcs11.so', source: 'config' }]);
    const service = new TokenService({ modules });
    try {
      const listing = await service.list();
      expect(listing.modules[0]).toMatchObject({ profile: 'ykcs11', loaded: true, manufacturer: expect.stringContaining('Yubico') });
      expect(listing.tokens).toEqual([]);
      await expect(service.login('9a', '123456')).rejects.toMatchObject({ kind: 'NOT_FOUND' });
    } finally {
      service.close();
    }
  });
});
