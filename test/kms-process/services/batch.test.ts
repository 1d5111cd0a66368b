// crypto.batch: each item answered on its own, in order, under the same policy and audit as a single call.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, removeDir, startInitializedKms, type TestKms, unb64u } from '../../helpers/kms.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startInitializedKms();
});
afterAll(async () => {
  await kms.stop();
  removeDir(kms.dir);
});

describe('crypto.batch', () => {
  it('answers every item with its own result or error, in order', async () => {
    const c = kms.client;
    const ed = await c.call('keys.generate', { algorithm: 'ed25519' });
    const signOnly = await c.call('keys.generate', { algorithm: 'ed25519', purposes: ['verify'] });
    const mac = await c.call('keys.generate', { algorithm: 'hmac-sha256' });
    const data = b64u('batched');
    const { results } = await c.call('crypto.batch', {
      items: [
        { method: 'crypto.sign', params: { id: ed.id, data } },
        { method: 'crypto.sign', params: { id: 'AAAAAAAAAAAAAAAAAAAAAA', data } },
        { method: 'crypto.sign', params: { id: signOnly.id, data } },
        { method: 'crypto.mac', params: { id: mac.id, data } },
      ],
    });
    expect(results).toHaveLength(4);
    const sig = (results[0] as { result: { signature: string } }).result.signature;
    const pub = createPublicKey({ key: ed.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from('batched'), pub, unb64u(sig))).toBe(true);
    expect(results[1]).toMatchObject({ error: { kind: 'NOT_FOUND' } });
    expect(results[2]).toMatchObject({ error: { kind: 'POLICY_DENIED' } });
    const tag = (results[3] as { result: { mac: string } }).result.mac;
    expect((await c.call('crypto.macVerify', { id: mac.id, data, mac: tag })).valid).toBe(true);

    // Each item is audited on its own: successes in order, refused items counted (written when their window closes).
    const log = (await c.call('audit.list', { limit: 1000 })).entries;
    const batchEntries = log.filter((e) => e.method === 'crypto.sign' || e.method === 'crypto.mac');
    expect(batchEntries.map((e) => [e.method, e.outcome, e.keyId, e.count ?? 1])).toEqual([
      ['crypto.sign', 'ok', ed.id, 1],
      ['crypto.mac', 'ok', mac.id, 1],
      ['crypto.sign', 'NOT_FOUND', 'AAAAAAAAAAAAAAAAAAAAAA', 1],
      ['crypto.sign', 'POLICY_DENIED', signOnly.id, 1],
    ]);
    expect((await c.call('audit.verify', {})).ok).toBe(true);
  });

  it('refuses methods that cannot be batched and oversized batches', async () => {
    const c = kms.client;
    expect(await kindOf(c.callUnchecked('crypto.batch', { items: [{ method: 'keys.delete', params: { id: 'AAAAAAAAAAAAAAAAAAAAAA' } }] }))).toBe('INVALID_REQUEST');
    expect(await kindOf(c.callUnchecked('crypto.batch', { items: [] }))).toBe('INVALID_REQUEST');
    const many = Array.from({ length: 1025 }, () => ({ method: 'crypto.random', params: { length: 1 } }));
    expect(await kindOf(c.callUnchecked('crypto.batch', { items: many }))).toBe('INVALID_REQUEST');
  });
});
