// Load: 32 clients, each its own connection to one `owkms agent` (one KMS), hammer it with mixed operations for 10 s
// (OWKMS_LOAD_SECONDS): signatures (Ed25519, P-256, secp256k1), MACs and AES-GCM with keys whose bytes this test
// knows, random bytes, key reads, and writes (a new key, used, then deleted). Every answer is checked independently
// of the KMS: signatures by node:crypto over the exact bytes that client sent (unique per request, so an answer meant
// for another request fails), MACs recomputed, ciphertexts opened here and the KMS asked to open ours. No answer may
// be lost (none within 60 s), wrong, or later than 10 s; the KMS's and the agent's memory must stay flat once warm.
// CI runs 10 s (the whole suite has a budget); OWKMS_LOAD_SECONDS=30 is the figure.
import { createCipheriv, createDecipheriv, createHmac, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import type { ChannelClient } from '../../kms-process/client/channelClient.js';
import { agentSession } from '../../cli/session.js';
import { startAgent, type TestAgent } from '../helpers/agent.js';
import { b64u, unb64u } from '../helpers/kms.js';

const CLIENTS = 32;
const SECONDS = Number(process.env.OWKMS_LOAD_SECONDS ?? 10);
const LATE_MS = 10_000;
/** An answer that has not come after this long is counted lost (and the client goes on). */
const LOST_MS = 60_000;
const AES_KEY = randomBytes(32);
const MAC_KEY = randomBytes(32);

let agent: TestAgent;
const signers: KeyInfo[] = [];
let aesId = '';
let macId = '';

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

function kmsPid(agentPid: number): number {
  const children = readFileSync(`/proc/${agentPid}/task/${agentPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  const kms = children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kms-process'));
  if (!kms) throw new Error('the agent has no KMS child');
  return kms;
}

function verifies(k: KeyInfo, data: Buffer, signature: string): boolean {
  const key = createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' });
  const sig = unb64u(signature);
  return k.algorithm === 'ed25519' ? nodeVerify(null, data, key, sig) : nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

interface Tally {
  ops: number;
  wrong: string[];
  late: number;
  lost: string[];
  maxMs: number;
  byOp: Record<string, number>;
}

async function client(c: ChannelClient, n: number, until: number, t: Tally): Promise<void> {
  let seq = 0;
  const timed = async <T>(op: string, p: Promise<T>): Promise<T> => {
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${op} after ${LOST_MS} ms`)), LOST_MS)));
    let v: T;
    try {
      v = await Promise.race([p, deadline]);
    } catch (e) {
      if (!String(e).includes('no answer')) throw e;
      t.lost.push(`client ${n}: ${op}`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const ms = performance.now() - start;
    t.maxMs = Math.max(t.maxMs, ms);
    if (ms > LATE_MS) t.late++;
    t.ops++;
    t.byOp[op] = (t.byOp[op] ?? 0) + 1;
    return v;
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) t.wrong.push(`client ${n}: ${what}`);
  };
  while (Date.now() < until) {
    const data = Buffer.from(`client ${n} request ${seq++} ${randomBytes(8).toString('hex')}`);
    const r = seq % 10;
    if (r < 4) {
      const k = signers[(n + seq) % signers.length]!;
      const { signature } = await timed('sign', c.call('crypto.sign', { id: k.id, data: b64u(data) }));
      check(verifies(k, data, signature), `${k.algorithm} signature over its own request`);
    } else if (r === 4) {
      const { mac } = await timed('mac', c.call('crypto.mac', { id: macId, data: b64u(data) }));
      check(mac === createHmac('sha256', MAC_KEY).update(data).digest('base64url'), 'HMAC');
    } else if (r === 5) {
      const e = await timed('encrypt', c.call('crypto.encrypt', { id: aesId, data: b64u(data) }));
      const d = createDecipheriv('aes-256-gcm', AES_KEY, unb64u(e.iv!));
      d.setAuthTag(unb64u(e.tag!));
      check(Buffer.concat([d.update(unb64u(e.ciphertext)), d.final()]).equals(data), 'AES-GCM opened here');
    } else if (r === 6) {
      const iv = randomBytes(12);
      const enc = createCipheriv('aes-256-gcm', AES_KEY, iv);
      const ct = Buffer.concat([enc.update(data), enc.final()]);
      const { plaintext } = await timed('decrypt', c.call('crypto.decrypt', { id: aesId, data: b64u(ct), iv: b64u(iv), tag: b64u(enc.getAuthTag()) }));
      check(plaintext === b64u(data), 'AES-GCM made here, opened by the KMS');
    } else if (r === 7) {
      const { bytes } = await timed('random', c.call('crypto.random', { length: 32 }));
      check(unb64u(bytes).length === 32, 'random length');
    } else if (r === 8) {
      const k = signers[seq % signers.length]!;
      const got = await timed('get', c.call('keys.get', { id: k.id }));
      check(JSON.stringify(got) === JSON.stringify(k), 'keys.get');
    } else {
      const made = await timed('generate', c.call('keys.generate', { algorithm: 'ed25519', label: `load ${n}/${seq}` }));
      const { signature } = await timed('sign', c.call('crypto.sign', { id: made.id, data: b64u(data) }));
      check(verifies(made, data, signature), 'signature of a new key');
      await timed('delete', c.call('keys.delete', { id: made.id }));
    }
  }
}

beforeAll(async () => {
  agent = await startAgent();
  for (const alg of ['ed25519', 'p256', 'secp256k1']) signers.push(await agent.generate(alg, `load ${alg}`));
  aesId = (await agent.client.call('keys.import', { format: 'raw', algorithm: 'aes-256', data: b64u(AES_KEY) })).id;
  macId = (await agent.client.call('keys.import', { format: 'raw', algorithm: 'hmac-sha256', data: b64u(MAC_KEY) })).id;
}, 60_000);

afterAll(async () => {
  await agent?.cleanup();
});

describe(`${CLIENTS} clients on one KMS for ${SECONDS} s`, () => {
  it('every answer right, none lost or late, memory flat', async () => {
    const sessions = await Promise.all(Array.from({ length: CLIENTS }, () => agentSession(agent.store, agent.env)));
    const kms = kmsPid(agent.child.pid!);
    const samples: Array<{ t: number; kms: number; agent: number }> = [];
    const started = Date.now();
    const sampler = setInterval(() => samples.push({ t: Date.now() - started, kms: rssKb(kms), agent: rssKb(agent.child.pid!) }), 1000);
    const tally: Tally = { ops: 0, wrong: [], late: 0, lost: [], maxMs: 0, byOp: {} };
    try {
      // Every client runs to its end; a failure (an error answer, a lost one) is reported after all have stopped.
      const ends = await Promise.allSettled(sessions.map((s, i) => client(s!.client, i, started + SECONDS * 1000, tally)));
      for (const e of ends) if (e.status === 'rejected' && !String(e.reason).includes('no answer')) tally.wrong.push(String(e.reason));
    } finally {
      clearInterval(sampler);
      await Promise.all(sessions.map((s) => s?.close()));
    }
    const elapsed = (Date.now() - started) / 1000;
    const mb = (kb: number) => Math.round(kb / 1024);
    // Warm-up: the first third (caches, JIT, SQLite's page cache); then the last third must not be above it.
    const third = (from: number, to: number, f: 'kms' | 'agent') => {
      const s = samples.filter((x) => x.t >= from * SECONDS * 1000 && x.t < to * SECONDS * 1000).map((x) => x[f]);
      return s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
    };
    const growth = { kms: mb(third(2 / 3, 1, 'kms') - third(1 / 3, 2 / 3, 'kms')), agent: mb(third(2 / 3, 1, 'agent') - third(1 / 3, 2 / 3, 'agent')) };
    console.log(
      `load: ${CLIENTS} clients, ${tally.ops} answers in ${elapsed.toFixed(1)} s (${Math.round(tally.ops / elapsed)}/s) ${JSON.stringify(tally.byOp)}; slowest ${Math.round(tally.maxMs)} ms; ` +
        `KMS RSS ${mb(Math.min(...samples.map((s) => s.kms)))}-${mb(Math.max(...samples.map((s) => s.kms)))} MB (last third vs middle third: ${growth.kms >= 0 ? '+' : ''}${growth.kms} MB), agent ${mb(Math.min(...samples.map((s) => s.agent)))}-${mb(Math.max(...samples.map((s) => s.agent)))} MB (${growth.agent >= 0 ? '+' : ''}${growth.agent} MB)`,
    );
    expect(tally.wrong).toEqual([]);
    expect(tally.lost).toEqual([]);
    expect(tally.late).toBe(0);
    expect(tally.ops).toBeGreaterThan(CLIENTS * 20);
    expect(growth.kms).toBeLessThan(32);
    expect(growth.agent).toBeLessThan(32);
    // The keystore is still whole: the per-client keys were all deleted, the audit chain verifies.
    expect((await agent.client.call('keys.list', { limit: 1000 })).keys).toHaveLength(5);
    expect((await agent.client.call('audit.verify', {})).ok).toBe(true);
  }, SECONDS * 1000 + LOST_MS + 60_000);
});
