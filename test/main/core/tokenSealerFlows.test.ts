// Onboarding with a security token as a sealer, against a real KMS and a real SoftHSM2 token, with scripted prompts:
// with the `all` policy (passphrase and token) the wallet is created with both secrets and unlocked only with both
// (the passphrase prompt, then the PIN prompt); a wrong PIN is said in the PIN prompt and the wallet stays locked;
// a token-only wallet unlocks with its PIN alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSoftHsm, type SoftHsm, type SoftHsmToken } from '../../services/softhsm.js';
import { startCore, TOP, type CoreFixture } from './brokerFixture.js';
import { cancel, submit } from './scriptedPrompts.js';

const PASS = 'token sealer passphrase';

describe('a token among the sealers', () => {
  let hsm: SoftHsm;
  let token: SoftHsmToken;
  let f: CoreFixture;
  let settingsDir: string;
  const call = (method: string, params?: unknown) => f.core.broker.handle(TOP, { method, params });
  const ok = async <T>(method: string, params?: unknown): Promise<T> => {
    const r = await call(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.kind} ${r.error.message}`);
    return r.result as T;
  };
  const state = async () => (await ok<{ state: string }>('kms.status', { probe: false })).state;

  beforeAll(async () => {
    hsm = await startSoftHsm([]);
    process.env.OWKMS_PKCS11_MODULES = hsm.modulePath;
  });
  afterAll(async () => {
    delete process.env.OWKMS_PKCS11_MODULES;
    await hsm?.cleanup();
  });
  beforeEach(async () => {
    token = await hsm.initToken(`sealer-${Date.now() % 100000}`);
    settingsDir = mkdtempSync(join(tmpdir(), 'owkms-settings-'));
    f = await startCore({ settingsFile: join(settingsDir, 'desktop-settings.json') });
  });
  afterEach(async () => {
    await f.close();
    rmSync(settingsDir, { recursive: true, force: true });
  });

  it('policy all: created with the passphrase and the PIN; unlocked only with both, the wrong PIN said in its prompt', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    f.prompts.script('pin', () => submit({ pin: token.pin }));
    expect(await ok('flow.createWallet', { sealers: ['passphrase', 'pkcs11'], unlockPolicy: 'all', token: token.serial })).toEqual({ state: 'unlocked' });
    const status = await ok<{ sealers: Array<{ kind: string; enrolled: boolean }>; unlockPolicy: string }>('kms.status', { probe: false });
    expect(status.unlockPolicy).toBe('all');
    expect(status.sealers.filter((s) => s.enrolled).map((s) => s.kind).sort()).toEqual(['passphrase', 'pkcs11']);
    await ok('kms.lock');
    expect((await ok<{ unlockNeeds: string[] }>('kms.status', { probe: false })).unlockNeeds.sort()).toEqual(['passphrase', 'pin']);

    // The passphrase, then a wrong PIN (said in the PIN prompt), then the user gives up: still locked.
    f.prompts.script('unlock', () => submit({ passphrase: PASS }));
    const wrong = [submit({ pin: '999999' }), cancel];
    f.prompts.script('pin', (_v, turn) => wrong[turn]!);
    expect(await ok('flow.unlock')).toEqual({ state: 'locked' });
    const pinViews = f.prompts.shown.filter((s) => s.kind === 'pin').slice(-2).map((s) => s.view);
    expect(pinViews[0]?.purpose).toBe('unlock');
    expect(String(pinViews[1]?.error)).toMatch(/^Wrong passphrase or PIN\..*cancel and unlock again/);
    expect(await state()).toBe('locked');

    // Both right: unlocked (after the backoff the wrong attempt earned, which the PIN prompt is told).
    f.prompts.script('unlock', () => submit({ passphrase: PASS }));
    f.prompts.script('pin', async (view) => {
      const wait = Number(view.retryAfterMs ?? 0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait + 50));
      return submit({ pin: token.pin });
    });
    expect(await ok('flow.unlock')).toEqual({ state: 'unlocked' });
  }, 60_000);

  it('a token-only wallet asks for the PIN alone', async () => {
    f.prompts.script('pin', () => submit({ pin: token.pin }));
    expect(await ok('flow.createWallet', { sealers: ['pkcs11'], token: token.serial })).toEqual({ state: 'unlocked' });
    await ok('kms.lock');
    f.prompts.script('pin', () => submit({ pin: token.pin }));
    expect(await ok('flow.unlock')).toEqual({ state: 'unlocked' });
    expect(f.prompts.shown.map((s) => s.kind)).toEqual(['pin', 'pin']);
  }, 60_000);
});
