// Issue 17: the crypto workers. A worker signs with a key whose secret was transferred to it (nothing left behind
// on the main thread), drops it when told (cache eviction, lock) or by itself, and is sent the key again when it
// needs it; errors keep their kind. Through a real KMS: signatures made on the workers while calls queue up are the
// very ones the main thread makes one at a time (RFC 6979 ECDSA is deterministic), also after a lock and unlock.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createAlgorithmRegistry } from '../../../kms-process/algorithms/all.js';
import { KmsError } from '../../../kms-process/api/errors.js';
import { CryptoPool } from '../../../kms-process/workers/cryptoPool.js';
import { b64u, PASSPHRASE, removeDir, startInitializedKms, type TestKms, unb64u } from '../../helpers/kms.js';

const running: TestKms[] = [];
const pools: CryptoPool[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
  for (const k of running) {
    await k.stop();
    removeDir(k.dir);
  }
});

const spec = createAlgorithmRegistry().get('secp256k1');
const material = spec.generate();
const digest = new Uint8Array(32).fill(7);

/** The compiled worker (`npm run build`): a worker thread runs JavaScript, not this repository's TypeScript. */
const WORKER = new URL('../../../dist/kms-process/workers/cryptoWorker.js', import.meta.url);

function pool(idleMs = 60_000, size = 2): CryptoPool {
  const p = new CryptoPool({ idleMs }, size, WORKER);
  pools.push(p);
  return p;
}

/** A sign job for the test key, counting how often its secret had to be handed over (and keeping each copy). */
function signer(p: CryptoPool) {
  const copies: Uint8Array[] = [];
  const sign = (input: Record<string, unknown> = {}) =>
    p.run({ op: 'sign', algorithm: 'secp256k1', cacheId: 'k1', input: { data: digest, prehashed: true, ...input }, publicRaw: material.publicRaw }, () => {
      const c = new Uint8Array(material.secret!);
      copies.push(c);
      return c;
    }) as Promise<Uint8Array>;
  return { sign, copies };
}

describe('crypto workers', () => {
  it('sign on every worker with the same result as the main thread, the secret transferred, not copied', async () => {
    const p = pool();
    const { sign, copies } = signer(p);
    const sigs = await Promise.all(Array.from({ length: 40 }, () => sign()));
    const local = spec.sign!(spec.loadPrivate(material), { data: digest, prehashed: true });
    for (const s of sigs) expect(Buffer.from(s).equals(Buffer.from(local))).toBe(true);
    expect(p.started).toBe(2);
    expect(copies.length).toBe(2); // once per worker, not once per job
    for (const c of copies) expect(c.buffer.byteLength).toBe(0); // detached here: the worker owns it
    expect(secp256k1.verify(sigs[0]!.slice(0, 64), digest, material.publicRaw!, { prehash: false })).toBe(true);
  });

  it('a key the main cache let go (forget, clear) is zeroized in the workers and sent again when needed', async () => {
    const p = pool(60_000, 1);
    const { sign, copies } = signer(p);
    await sign();
    await sign();
    expect(copies.length).toBe(1);
    p.forget('k1');
    await sign();
    expect(copies.length).toBe(2);
    p.clear();
    await sign();
    expect(copies.length).toBe(3);
  });

  it("a worker's own expiry (twice the cache's idle time) is answered by sending the key again", async () => {
    const p = pool(200, 1);
    const { sign, copies } = signer(p);
    await sign();
    await new Promise((r) => setTimeout(r, 900));
    const s = await sign();
    expect(s.length).toBeGreaterThan(0);
    expect(copies.length).toBe(2);
  });

  it("an algorithm file's refusal keeps its kind and message", async () => {
    const p = pool(60_000, 1);
    const { sign } = signer(p);
    const e = await sign({ hash: 'md5', prehashed: false }).catch((x: unknown) => x);
    let local: unknown;
    try {
      spec.sign!(spec.loadPrivate(material), { data: digest, hash: 'md5' });
    } catch (x) {
      local = x;
    }
    expect(e).toBeInstanceOf(KmsError);
    expect((e as KmsError).kind).toBe((local as KmsError).kind);
    expect((e as KmsError).message).toBe((local as KmsError).message);
  });

  it('through the KMS: queued signatures equal one-at-a-time ones, before and after a lock', async () => {
    const k = await startInitializedKms();
    running.push(k);
    const key = await k.client.call('keys.generate', { algorithm: 'secp256k1' });
    const data = Array.from({ length: 16 }, (_, i) => b64u(`message ${i}`));
    const one = async () => {
      const out: string[] = [];
      for (const d of data) out.push((await k.client.call('crypto.sign', { id: key.id, data: d })).signature);
      return out;
    };
    const queued = () => Promise.all(data.map((d) => k.client.call('crypto.sign', { id: key.id, data: d }).then((r) => r.signature)));
    const sequential = await one();
    expect(await queued()).toEqual(sequential);
    const batch = await k.client.call('crypto.batch', { items: data.map((d) => ({ method: 'crypto.sign' as const, params: { id: key.id, data: d } })) });
    expect(batch.results.map((r) => ('result' in r ? (r.result as { signature: string }).signature : r))).toEqual(sequential);
    await k.client.call('kms.lock', {});
    expect((await queued().catch((e: KmsError) => e)) as KmsError).toMatchObject({ kind: 'LOCKED' });
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await queued()).toEqual(sequential);
    const info = await k.client.call('keys.get', { id: key.id });
    const pub = unb64u(info.publicKey!.raw);
    expect(secp256k1.verify(unb64u(sequential[0]!), Buffer.from(`message 0`), pub)).toBe(true);
  });
});
