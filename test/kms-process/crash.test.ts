// Crash safety: SIGKILL the KMS at random points while keys.generate calls run (one at a time and pipelined, with
// signatures in between), over several rounds; reopen; every acknowledged key is there, the same key, and usable.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { KmsHost } from '../../kms-process/client/kmsHost.js';
import { b64u, kindOf, PASSPHRASE, removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { prng } from '../helpers/prng.mjs';

const ROUNDS = 6;
const CALLS_PER_ROUND = 200;
const SEED = Number(process.env.OWKMS_CRASH_SEED ?? Date.now() % 2 ** 31);

function verifies(info: Pick<KeyInfo, 'algorithm' | 'publicKey'>, message: string, signature: string): boolean {
  const key = createPublicKey({ key: info.publicKey!.jwk as never, format: 'jwk' });
  const data = Buffer.from(message);
  return info.algorithm === 'ed25519'
    ? nodeVerify(null, data, key, unb64u(signature))
    : nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, unb64u(signature));
}

async function listAll(host: KmsHost): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await host.client.call('keys.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.keys);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

async function auditAll(host: KmsHost): Promise<Array<{ method: string; keyId?: string | undefined; outcome: string }>> {
  const out: Array<{ method: string; keyId?: string | undefined; outcome: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await host.client.call('audit.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('a KMS killed with SIGKILL in the middle of writes', () => {
  const dir = tempDir();
  afterAll(() => removeDir(dir));

  it(`keeps every acknowledged key (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const acked = new Map<string, KeyInfo>();
    const unexpected: string[] = [];
    let killsMidRound = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const host = await KmsHost.start({ storeDir: dir, callers: ['test'], stderr: 'pipe', transport: round % 2 === 0 ? 'ipc' : 'stdio' });
      let stderr = '';
      host.child!.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<void>((resolve) => host.onExit(() => resolve()));
      let killed = false;
      const kill = () => {
        if (!killed) host.child!.kill('SIGKILL');
        killed = true;
      };
      // One round in six dies during unlock (while the unlock transaction may be sealing audit entries).
      const duringUnlock = round > 0 && random() < 1 / 6;
      const status = await host.client.call('kms.status', {});
      if (duringUnlock) setTimeout(kill, Math.floor(random() * 150));
      try {
        if (status.state === 'uninitialized') await host.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
        else await host.client.call('kms.unlock', { passphrase: PASSPHRASE });
      } catch (e) {
        expect(killed, `unlock failed without a kill: ${String(e)} (seed ${SEED})`).toBe(true);
      }

      if (!killed) {
        // Everything acknowledged in earlier rounds survived this restart.
        const present = new Set((await listAll(host)).map((k) => k.id));
        for (const id of acked.keys()) expect(present.has(id), `key ${id} lost before round ${round} (seed ${SEED})`).toBe(true);
        setTimeout(kill, Math.floor(random() * 350));
      }

      const track = (p: Promise<unknown>, onOk?: (v: unknown) => void): Promise<void> =>
        p.then(
          (v) => onOk?.(v),
          (e: unknown) => {
            const kind = (e as { kind?: string }).kind;
            if (!killed || kind !== 'UNAVAILABLE') unexpected.push(`${kind ?? String(e)} (killed: ${killed})`);
          },
        );
      const generate = () =>
        track(host.client.call('keys.generate', { algorithm: random() < 0.5 ? 'ed25519' : 'p256', label: `r${round}` }), (info) => {
          acked.set((info as KeyInfo).id, info as KeyInfo);
        });
      const signSome = () => {
        const ids = [...acked.keys()];
        if (ids.length === 0) return Promise.resolve();
        const id = ids[Math.floor(random() * ids.length)]!;
        return track(host.client.call('crypto.sign', { id, data: b64u('crash') }));
      };

      let calls = 0;
      while (!killed && calls < CALLS_PER_ROUND) {
        const chunk = 1 + Math.floor(random() * 40);
        if (random() < 0.5) {
          for (let i = 0; i < chunk && !killed && calls < CALLS_PER_ROUND; i++, calls++) await generate();
        } else {
          const burst: Array<Promise<void>> = [];
          for (let i = 0; i < chunk && calls < CALLS_PER_ROUND; i++, calls++) {
            burst.push(generate());
            if (random() < 0.3) burst.push(signSome());
          }
          await Promise.all(burst);
        }
      }
      if (!killed) kill();
      else killsMidRound++;
      await exited;
      expect(stderr, `stderr of round ${round} (seed ${SEED})`).not.toMatch(/internal error|fatal/);
    }
    expect(unexpected, `calls that failed other than by the kill (seed ${SEED})`).toEqual([]);
    expect(killsMidRound, 'the kills should land while calls run').toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(0);

    // Reopen: every acknowledged key is present, the same key, and signs; the audit chain is intact.
    const host = await KmsHost.start({ storeDir: dir, callers: ['test'], stderr: 'pipe' });
    try {
      expect((await host.client.call('kms.status', {})).state).toBe('locked');
      await host.client.call('kms.unlock', { passphrase: PASSPHRASE });
      const listed = await listAll(host);
      const byId = new Map(listed.map((k) => [k.id, k]));
      const got = await Promise.all([...acked.keys()].map((id) => host.client.call('keys.get', { id })));
      for (const g of got) {
        const info = acked.get(g.id)!;
        expect(g.publicKey, `key ${g.id} (seed ${SEED})`).toEqual(info.publicKey);
        expect(g.algorithm).toBe(info.algorithm);
        expect(byId.has(g.id), `keys.list misses ${g.id}`).toBe(true);
      }
      // Every key that made it to disk (acknowledged or not) is whole: it signs, and the signature verifies.
      const results = await Promise.all(
        listed.map(async (k) => {
          const { signature } = await host.client.call('crypto.sign', { id: k.id, data: b64u(`after the crash ${k.id}`) });
          return verifies(acked.get(k.id) ?? k, `after the crash ${k.id}`, signature);
        }),
      );
      expect(results.filter((ok) => !ok).length).toBe(0);
      expect(listed.length).toBeGreaterThanOrEqual(acked.size);

      const verdict = await host.client.call('audit.verify', {});
      expect(verdict, `audit (seed ${SEED})`).toMatchObject({ ok: true, unsealed: 0 });
      // A key's creation is audited in the transaction that stores it: no acknowledged key lacks its entry.
      const created = new Set((await auditAll(host)).filter((e) => e.method === 'keys.generate' && e.outcome === 'ok').map((e) => e.keyId));
      for (const id of acked.keys()) expect(created.has(id), `no audit entry for ${id}`).toBe(true);
      for (const k of listed) expect(created.has(k.id), `stored key ${k.id} without an audit entry`).toBe(true);
      expect(await kindOf(host.client.call('keys.get', { id: 'AAAAAAAAAAAAAAAAAAAAAA' }))).toBe('NOT_FOUND');
    } finally {
      await host.stop();
    }
  }, 90_000);
});
