// kms.lock ends token logins: after lock and unlock, a token key needs tokens.login (the PIN) again; and a free
// SoftHSM slot (uninitialised token) is not listed as a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, type TestKms } from '../../helpers/kms.js';
import { startSoftHsm, type SoftHsm } from '../../services/softhsm.js';

let hsm: SoftHsm;
let kms: TestKms;
beforeAll(async () => {
  hsm = await startSoftHsm(['lock']);
  kms = await startInitializedKms({ env: { SOFTHSM2_CONF: hsm.confPath } });
});
afterAll(async () => {
  await kms?.stop();
  if (kms) removeDir(kms.dir);
  await hsm?.cleanup();
});

describe('token logins and kms.lock', () => {
  it('lists only initialised tokens', async () => {
    const { tokens } = await kms.client.call('tokens.list', {});
    expect(tokens.map((t) => t.serial)).toEqual([hsm.tokens[0]!.serial]);
  });

  it('logs out of tokens when the keystore locks', async () => {
    const c = kms.client;
    const t = hsm.tokens[0]!;
    await c.call('tokens.login', { token: t.serial, pin: t.pin });
    const key = await c.call('keys.generate', { algorithm: 'p256', provider: `pkcs11:${t.serial}` });
    const data = b64u('locked out');
    expect((await c.call('crypto.sign', { id: key.id, data })).signature.length).toBeGreaterThan(0);
    await c.call('kms.lock', {});
    await c.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await kindOf(c.call('crypto.sign', { id: key.id, data }))).toBe('LOCKED');
    const listed = (await c.call('tokens.list', {})).tokens.find((x) => x.serial === t.serial)!;
    expect(listed.pin.loggedIn).toBe(false);
    await c.call('tokens.login', { token: t.serial, pin: t.pin });
    expect((await c.call('crypto.sign', { id: key.id, data })).signature.length).toBeGreaterThan(0);
  });
});
