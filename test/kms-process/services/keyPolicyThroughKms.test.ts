// Per-key policy where it is easy to get around: unwrapping cannot launder a key into an exportable one, a derived
// child is never more exportable than its seed, and managing a guarded key needs the same approval as using it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, removeDir, startKms, type TestKms, PASSPHRASE } from '../../helpers/kms.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startKms({ callers: ['test', 'ui'] });
  await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
});
afterAll(async () => {
  await kms.stop();
  removeDir(kms.dir);
});

describe('key policy', () => {
  it('a wrapped non-exportable key does not come back exportable', async () => {
    const c = kms.client;
    const kek = await c.call('keys.generate', { algorithm: 'aes-256' });
    const locked = await c.call('keys.generate', { algorithm: 'ed25519' }); // exportable: false
    const { wrapped } = await c.call('crypto.wrapKey', { id: kek.id, keyId: locked.id, mode: 'kwp' });
    expect(await kindOf(c.call('crypto.unwrapKey', { id: kek.id, wrapped, algorithm: 'ed25519', mode: 'kwp', exportable: true }))).toBe('POLICY_DENIED');
    const copy = await c.call('crypto.unwrapKey', { id: kek.id, wrapped, algorithm: 'ed25519', mode: 'kwp' });
    expect(copy.exportable).toBe(false);
    expect(copy.publicKey!.raw).toBe(locked.publicKey!.raw);
    expect(await kindOf(c.call('keys.export', { id: copy.id, format: 'jwk', private: true }))).toBe('POLICY_DENIED');
  });

  it('a child of a non-exportable seed is not exportable, and keeps the seed caller limit', async () => {
    const c = kms.client;
    const seed = await c.call('keys.generate', { algorithm: 'hd-seed', words: 12, callers: ['test'] });
    const child = await c.call('keys.derive', { id: seed.id, path: "m/44'/60'/0'/0/0", exportable: true });
    expect(child.exportable).toBe(false);
    expect(child.callers).toEqual(['test']);
    expect(await kindOf(c.call('crypto.sign', { id: child.id, data: b64u('x') }, { caller: 'ui' }))).toBe('POLICY_DENIED');
  });

  it('the renderer cannot rotate, retire, relabel or delete a guarded key', async () => {
    const c = kms.client;
    const guarded = await c.call('keys.generate', { algorithm: 'aes-256', requiresApproval: true });
    const ui = { caller: 'ui' as const };
    expect(await kindOf(c.call('keys.rotate', { id: guarded.id }, ui))).toBe('APPROVAL_DENIED');
    expect(await kindOf(c.call('keys.update', { id: guarded.id, label: 'mine now' }, ui))).toBe('APPROVAL_DENIED');
    expect(await kindOf(c.call('keys.delete', { id: guarded.id }, ui))).toBe('APPROVAL_DENIED');
    const rotated = await c.call('keys.rotate', { id: guarded.id }); // the test caller speaks for a person
    expect(rotated.version).toBe(2);
    expect(await kindOf(c.call('keys.retireVersions', { id: guarded.id, below: 2 }, ui))).toBe('POLICY_DENIED');
  });
});
