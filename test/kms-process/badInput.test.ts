// Bad input on one connection to a real KMS child (stdio): each bad message gets its typed error on the same
// connection, and the next valid request still works. Then the handshake: nothing is served before a good hello.
import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DATA_BYTES, MAX_HELLO_FAILURES, MAX_MESSAGE_BYTES } from '../../kms-process/api/index.js';
import { faultPreload, FORCE_ERROR, FORCE_NULL, FORCE_STRING, FORCE_UNDEFINED } from '../helpers/faultPreload.js';
import { b64u, PASSPHRASE, removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { spawnRawKms, type RawKms, type RawResponse } from '../helpers/rawKms.js';
import { responseProblems } from '../helpers/rpcShape.js';

function expectError(r: RawResponse, kind: string, id: unknown, extra: { code?: number; path?: string } = {}): void {
  expect(responseProblems(r), JSON.stringify(r).slice(0, 300)).toEqual([]);
  expect(r.result).toBeUndefined();
  expect(r.id).toEqual(id);
  expect(r.error?.data.kind, JSON.stringify(r).slice(0, 300)).toBe(kind);
  if (extra.code !== undefined) expect(r.error?.code).toBe(extra.code);
  if (extra.path !== undefined) expect(r.error?.data.path).toBe(extra.path);
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

describe('bad input on one authenticated connection', () => {
  let dir: string;
  let kms: RawKms;
  let key: { id: string; jwk: Record<string, unknown> };
  let round = 0;

  /** A valid request after the bad one: a signature that node:crypto verifies. */
  async function stillWorks(): Promise<void> {
    const message = `still works ${++round}`;
    const r = await kms.call('crypto.sign', { id: key.id, data: b64u(message) });
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    const pub = createPublicKey({ key: key.jwk as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from(message), pub, unb64u(String(r.result!.signature)))).toBe(true);
    expect(kms.unread()).toBe(0);
    expect(kms.alive()).toBe(true);
  }

  beforeAll(async () => {
    dir = tempDir();
    kms = spawnRawKms(dir);
    expect((await kms.hello()).result).toMatchObject({ pid: kms.child.pid, version: expect.any(String) });
    expect((await kms.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] })).result).toMatchObject({ state: 'unlocked' });
    const gen = await kms.call('keys.generate', { algorithm: 'ed25519', label: 'bad-input' });
    key = { id: String(gen.result!.id), jwk: (gen.result!.publicKey as { jwk: Record<string, unknown> }).jwk };
  });

  afterAll(async () => {
    await kms?.stop();
    if (dir) removeDir(dir);
  });

  it('a garbage line is a parse error (INVALID_REQUEST, id null)', async () => {
    kms.write('this is not JSON at all }{\n');
    expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', null, { code: -32700 });
    kms.write(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]));
    expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', null, { code: -32700 });
    await stillWorks();
  });

  it('a truncated message is a parse error; a message that arrives in pieces is fine', async () => {
    kms.write(`{"jsonrpc":"2.0","id":11,"method":"crypto.sign","params":{"id":"${key.id}","da\n`);
    expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', null, { code: -32700 });

    const whole = JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'kms.status', params: {} });
    kms.write(whole.slice(0, 20));
    await new Promise((r) => setTimeout(r, 50));
    expect(kms.unread()).toBe(0); // nothing is answered before the line ends
    kms.write(whole.slice(20) + '\n');
    expect(await kms.next()).toMatchObject({ id: 12, result: { state: 'unlocked' } });
    await stillWorks();
  });

  it('a wrong type is INVALID_REQUEST naming the member, with the request id', async () => {
    expectError(await kms.call('crypto.sign', { id: key.id, data: 12345 }, 21), 'INVALID_REQUEST', 21, { code: -32602, path: 'data' });
    expectError(await kms.call('crypto.random', { length: '32' }, 'twenty-two'), 'INVALID_REQUEST', 'twenty-two', { path: 'length' });
    expectError(await kms.call('keys.get', [key.id], 23), 'INVALID_REQUEST', 23);
    expectError(await kms.call('crypto.sign', { id: key.id, data: b64u('x'), extra: true }, 24), 'INVALID_REQUEST', 24);
    // A wrong type in the envelope itself.
    kms.send({ jsonrpc: '2.0', id: 25, method: ['kms.status'] });
    expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', 25, { code: -32600 });
    await stillWorks();
  });

  it('a huge string is INVALID_REQUEST, below and above the message limit', async () => {
    expectError(await kms.call('keys.generate', { algorithm: 'ed25519', label: 'L'.repeat(100_000) }, 31), 'INVALID_REQUEST', 31, { path: 'label' });
    const tooMuchData = 'A'.repeat(Math.ceil((MAX_DATA_BYTES * 4) / 3) + 2);
    expectError(await kms.call('crypto.sign', { id: key.id, data: tooMuchData }, 32), 'INVALID_REQUEST', 32, { path: 'data' });
    expectError(await kms.call('kms.unlock', { passphrase: 'p'.repeat(5000) }, 33), 'INVALID_REQUEST', 33, { path: 'passphrase' });
    // Over the message limit the line is dropped unread: its id cannot be known.
    kms.send({ jsonrpc: '2.0', id: 34, method: 'crypto.sign', params: { id: key.id, data: 'A'.repeat(MAX_MESSAGE_BYTES) } });
    const r = (await kms.next()) as RawResponse;
    expectError(r, 'INVALID_REQUEST', null);
    expect(r.error!.message).toMatch(/too large/);
    await stillWorks();
  });

  it('deep nesting is INVALID_REQUEST, even 100000 levels deep', async () => {
    expectError(await kms.call('crypto.sign', { id: key.id, data: b64u('x'), n: nested(40) }, 41), 'INVALID_REQUEST', 41, { code: -32600 });
    const depth = 100_000;
    kms.write(`{"jsonrpc":"2.0","id":42,"method":"kms.status","params":${'['.repeat(depth)}${']'.repeat(depth)}}\n`);
    expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', 42, { code: -32600 });
    kms.write(`{"jsonrpc":"2.0","id":43,"method":"kms.status","params":${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}}\n`);
    expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', 43, { code: -32600 });
    await stillWorks();
  });

  it('an unknown method is UNKNOWN_METHOD', async () => {
    expectError(await kms.call('keys.steal', { id: key.id }, 51), 'UNKNOWN_METHOD', 51, { code: -32601 });
    expectError(await kms.call('__proto__', {}, 52), 'UNKNOWN_METHOD', 52);
    expectError(await kms.call('constructor', {}, 53), 'UNKNOWN_METHOD', 53);
    await stillWorks();
  });

  it('a missing key is NOT_FOUND', async () => {
    const missing = randomBytes(16).toString('base64url');
    expectError(await kms.call('keys.get', { id: missing }, 61), 'NOT_FOUND', 61);
    expectError(await kms.call('crypto.sign', { id: missing, data: b64u('x') }, 62), 'NOT_FOUND', 62);
    expectError(await kms.call('keys.delete', { id: missing }, 63), 'NOT_FOUND', 63);
    await stillWorks();
  });

  it('a call while locked is LOCKED; a wrong passphrase is WRONG_SECRET; the right one unlocks', async () => {
    expect((await kms.call('kms.lock', {}, 71)).result).toEqual({ state: 'locked' });
    expectError(await kms.call('crypto.sign', { id: key.id, data: b64u('x') }, 72), 'LOCKED', 72);
    expectError(await kms.call('keys.list', {}, 73), 'LOCKED', 73);
    expectError(await kms.call('keys.generate', { algorithm: 'ed25519' }, 74), 'LOCKED', 74);
    expectError(await kms.call('kms.unlock', { passphrase: 'not the passphrase' }, 75), 'WRONG_SECRET', 75);
    expect((await kms.call('kms.unlock', { passphrase: PASSPHRASE }, 76)).result).toMatchObject({ state: 'unlocked' });
    await stillWorks();
  });

  it('a second hello cannot re-authenticate or widen the channel; a foreign caller is POLICY_DENIED', async () => {
    const wrong = await kms.hello('x'.repeat(43), ['test']);
    expect(wrong.result).toBeUndefined();
    expect(['UNKNOWN_METHOD', 'POLICY_DENIED']).toContain(wrong.error?.data.kind);
    const widen = await kms.hello(kms.token, ['ui', 'app']);
    expect(widen.result).toBeUndefined();
    kms.send({ jsonrpc: '2.0', id: 81, method: 'kms.status', params: {}, caller: 'app' });
    expectError((await kms.next()) as RawResponse, 'POLICY_DENIED', 81);
    kms.send({ jsonrpc: '2.0', id: 82, method: 'kms.status', params: {}, caller: 'ui' });
    expectError((await kms.next()) as RawResponse, 'POLICY_DENIED', 82);
    await stillWorks();
  });

  it('ends with an intact audit chain, no internal error on stderr, and no extra answers', async () => {
    expect((await kms.call('audit.verify', {})).result).toMatchObject({ ok: true });
    const list = await kms.call('audit.list', { limit: 1000 });
    const outcomes = (list.result!.entries as Array<{ method: string; outcome: string }>).map((e) => `${e.method}:${e.outcome}`);
    expect(outcomes).toContain('crypto.sign:NOT_FOUND');
    expect(outcomes).toContain('crypto.sign:LOCKED');
    expect(kms.stderr()).not.toMatch(/internal error|fatal/);
    await new Promise((r) => setTimeout(r, 100));
    expect(kms.unread()).toBe(0);
  });
});

describe('an unauthenticated channel', () => {
  const dirs: string[] = [];
  const running: RawKms[] = [];
  function fresh(): RawKms {
    const dir = tempDir();
    dirs.push(dir);
    const k = spawnRawKms(dir);
    running.push(k);
    return k;
  }
  afterAll(async () => {
    for (const k of running) await k.stop();
    for (const d of dirs) removeDir(d);
  });

  it('answers a request before hello with POLICY_DENIED and closes after three bad hellos', async () => {
    const kms = fresh();
    expectError(await kms.call('kms.status', {}, 1), 'POLICY_DENIED', 1);
    // The right token in the wrong method does not authenticate.
    expectError(await kms.call('kms.status', { token: kms.token, callers: ['test'] }, 2), 'POLICY_DENIED', 2);
    expect(kms.alive()).toBe(true);
    expect(MAX_HELLO_FAILURES).toBe(3);
    expectError(await kms.hello('A'.repeat(43)), 'POLICY_DENIED', 1); // the first id the helper numbers itself
    const exit = await Promise.race([kms.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 5000))]);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('refuses a wrong token, a missing token, unknown callers; a good hello after two failures works', async () => {
    const kms = fresh();
    expectError(await kms.hello(kms.token.slice(0, -1)), 'POLICY_DENIED', 1);
    expectError(await kms.hello(kms.token, ['root']), 'POLICY_DENIED', 2);
    expect(kms.alive()).toBe(true);
    expect((await kms.hello()).result).toMatchObject({ pid: kms.child.pid });
    expect((await kms.call('kms.status', {})).result).toMatchObject({ state: 'uninitialized' });
  });

  it('counts garbage before the hello like a failed hello, and closes after three', async () => {
    const kms = fresh();
    for (let i = 0; i < 3; i++) {
      kms.write('garbage\n');
      expectError((await kms.next()) as RawResponse, 'INVALID_REQUEST', null);
    }
    const exit = await Promise.race([kms.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 5000))]);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('refuses malformed hellos (no callers, not a list)', async () => {
    const kms = fresh();
    for (const callers of [[], 'test']) {
      kms.send({ jsonrpc: '2.0', id: 'h', method: 'channel.hello', params: { token: kms.token, callers } });
      const r = (await kms.next()) as RawResponse;
      if (r.result) throw new Error(`hello with callers ${JSON.stringify(callers)} succeeded`);
      expectError(r, 'POLICY_DENIED', 'h');
    }
    await kms.stop();
  });
});

describe('a fault inside a handler', () => {
  const dir = tempDir();
  const scratch = tempDir();
  let kms: RawKms;
  afterAll(async () => {
    await kms?.stop();
    removeDir(dir);
    removeDir(scratch);
  });

  it('is INTERNAL with a fixed message, whatever was thrown, and the KMS keeps serving', async () => {
    kms = spawnRawKms(dir, { nodeFlags: faultPreload(scratch, ['quoted data']) });
    expect((await kms.hello()).result).toBeDefined();
    await kms.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const gen = await kms.call('keys.generate', { algorithm: 'ed25519' });
    const id = String(gen.result!.id);
    const jwk = (gen.result!.publicKey as { jwk: Record<string, unknown> }).jwk;
    let n = 100;
    for (const marker of [FORCE_ERROR, FORCE_UNDEFINED, FORCE_NULL, FORCE_STRING]) {
      const r = await kms.call('crypto.sign', { id, data: b64u(marker) }, ++n);
      expectError(r, 'INTERNAL', n, { code: -32603 });
      expect(r.error!.message).toBe('internal error in crypto.sign');
      // The next valid request still works.
      const ok = await kms.call('crypto.sign', { id, data: b64u('fine') });
      expect(nodeVerify(null, Buffer.from('fine'), createPublicKey({ key: jwk as never, format: 'jwk' }), unb64u(String(ok.result!.signature)))).toBe(true);
    }
    expect(kms.alive()).toBe(true);
    const stderr = kms.stderr();
    expect(stderr.match(/internal error in crypto\.sign/g)).toHaveLength(4);
    expect(stderr).not.toContain('quoted data');
    // Failed calls are counted in aggregated entries (one per caller, method, outcome and key), not one row each.
    const audit = await kms.call('audit.list', {});
    const internal = (audit.result!.entries as Array<{ outcome: string; count?: number }>).filter((e) => e.outcome === 'INTERNAL');
    expect(internal).toHaveLength(1);
    expect(internal[0]!.count).toBe(4);
  });
});
