// The KMS as a real child process: init, unlock, generate, sign, verify, lock, restart, unlock again; wrong
// passphrases, persistent lockout, the single-opener lock and a damaged file.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { b64u, kindOf, PASSPHRASE, removeDir, startKms, tempDir, type TestKms, unb64u } from '../helpers/kms.js';

const running: TestKms[] = [];
async function kms(dir?: string, transport: 'ipc' | 'stdio' = 'ipc') {
  const k = await startKms({ dir, transport });
  running.push(k);
  return k;
}
afterEach(async () => {
  for (const k of running.splice(0)) await k.stop();
});

describe.each(['ipc', 'stdio'] as const)('KMS child process over %s', (transport) => {
  it('inits, signs, locks, restarts and unlocks again', async () => {
    const dir = tempDir();
    const k = await kms(dir, transport);
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
    await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const key = await k.client.call('keys.generate', { algorithm: 'ed25519', label: 'first' });
    const data = b64u('a message');
    const { signature } = await k.client.call('crypto.sign', { id: key.id, data });
    const pub = createPublicKey({ key: key.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from('a message'), pub, unb64u(signature))).toBe(true);
    expect((await k.client.call('crypto.verify', { id: key.id, data, signature })).valid).toBe(true);

    await k.client.call('kms.lock', {});
    expect(await kindOf(k.client.call('crypto.sign', { id: key.id, data }))).toBe('LOCKED');
    expect(await kindOf(k.client.call('keys.list', {}))).toBe('LOCKED');

    await k.restart();
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const again = await k.client.call('crypto.sign', { id: key.id, data });
    expect(again.signature).toBe(signature); // Ed25519 is deterministic: same key after the restart
    expect((await k.client.call('keys.get', { id: key.id })).label).toBe('first');
    removeDir(dir);
  });
});

describe('unlocking', () => {
  it('tells a wrong passphrase from a corrupt file', async () => {
    const dir = tempDir();
    const k = await kms(dir);
    await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    await k.client.call('kms.lock', {});
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: 'not the passphrase' }))).toBe('WRONG_SECRET');
    await k.stop();

    const other = tempDir();
    writeFileSync(join(other, 'keystore.sqlite'), Buffer.alloc(8192, 0x41));
    const bad = await kms(other);
    expect(await kindOf(bad.client.call('kms.status', {}))).toBe('CORRUPT');
    expect(await kindOf(bad.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('CORRUPT');
    removeDir(dir);
    removeDir(other);
  });

  it('locks out after repeated wrong passphrases, across a restart', async () => {
    const dir = tempDir();
    const k = await kms(dir);
    await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    await k.client.call('kms.lock', {});
    const wrong = (i: number) => kindOf(k.client.call('kms.unlock', { passphrase: `wrong ${i} wrong` }));
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) kinds.push(await wrong(i));
    expect(kinds).toEqual(['WRONG_SECRET', 'WRONG_SECRET', 'WRONG_SECRET', 'LOCKED_OUT']);
    // Two more failures after waiting out the backoff (1 s, then 2 s): the next wait is 4 s, longer than a restart.
    await new Promise((r) => setTimeout(r, 1050));
    expect(await wrong(5)).toBe('WRONG_SECRET');
    await new Promise((r) => setTimeout(r, 2050));
    expect(await wrong(6)).toBe('WRONG_SECRET');

    await k.restart();
    const err = await k.client.call('kms.unlock', { passphrase: PASSPHRASE }).catch((e: unknown) => e as { kind: string; data: { retryAfterMs?: number } });
    expect((err as { kind: string }).kind).toBe('LOCKED_OUT');
    const retry = (err as { data: { retryAfterMs?: number } }).data.retryAfterMs!;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(4000);
    const status = await k.client.call('kms.status', { probe: false });
    expect(status.failedAttempts).toBe(5);

    await new Promise((r) => setTimeout(r, retry + 50));
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    await k.client.call('kms.lock', {});
    expect((await k.client.call('kms.status', { probe: false })).failedAttempts).toBe(0); // success resets the counter
    removeDir(dir);
  });

  it('refuses a second opener and names the holder', async () => {
    const dir = tempDir();
    const first = await kms(dir);
    await first.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const second = await kms(dir);
    const err = await second.client.call('kms.status', {}).catch((e: unknown) => e as Error & { kind: string });
    expect((err as { kind: string }).kind).toBe('BUSY');
    expect((err as Error).message).toContain(String(first.host.child!.pid));
    removeDir(dir);
  });

  it('refuses a short passphrase and a second init', async () => {
    const k = await kms();
    expect(await kindOf(k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: 'short' }] }))).toBe('INVALID_REQUEST');
    await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    expect(await kindOf(k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }))).toBe('ALREADY_INITIALIZED');
    removeDir(k.dir);
  });
});

describe('the channel', () => {
  it('fails pending calls when the KMS dies, and serves again after a restart', async () => {
    const k = await kms();
    const pending = k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    k.host.child!.kill('SIGKILL');
    expect(await kindOf(pending)).toBe('UNAVAILABLE');
    await k.restart();
    expect(['uninitialized', 'locked', 'unlocked']).toContain((await k.client.call('kms.status', { probe: false })).state);
    removeDir(k.dir);
  });
});
