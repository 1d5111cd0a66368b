// Property tests: arbitrary JSON and arbitrary bytes thrown at a real KMS child's stdio transport, and arbitrary
// methods and params at the dispatcher in-process. No crash, no hang, every answer well formed, never INTERNAL for
// bad input, and a valid request still works afterwards.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALLERS,
  isMethodName,
  isResponse,
  MAX_MESSAGE_BYTES,
  METHOD_NAMES,
  METHODS,
  parseRequestText,
  type Caller,
  type RpcRequest,
  type RpcResponse,
} from '../../../kms-process/api/index.js';
import { Dispatcher } from '../../../kms-process/dispatcher.js';
import { KmsContext } from '../../../kms-process/kmsContext.js';
import { b64u, PASSPHRASE, removeDir, tempDir, unb64u } from '../../helpers/kms.js';
import { spawnRawKms, type RawKms, type RawResponse } from '../../helpers/rawKms.js';
import { answerKind, responseProblems } from '../../helpers/rpcShape.js';

const RUNS = Number(process.env.OWKMS_FUZZ_RUNS ?? 300);
const ANSWER_TIMEOUT_MS = 5000;
const ALGORITHMS = ['ed25519', 'p256', 'secp256k1', 'p384', 'aes-256', 'aes-128', 'hmac-sha256', 'x25519', 'hd-seed', 'ml-dsa-44'];
const OPERATIONS = ['sign', 'verify', 'encrypt', 'decrypt', 'mac', 'macVerify', 'agree', 'derive'];
// No 'passphrase' or 'pin': wrong unlock attempts would lock the keystore out for the rest of the run.
const FIELDS = ['id', 'data', 'algorithm', 'label', 'format', 'length', 'cursor', 'limit', 'sealers', 'mode', 'iv', 'tag', 'aad', 'signature', 'mac', 'policy', 'private', 'scheme', 'hash', 'prehashed', 'purposes', 'exportable', 'callers', 'provider', 'version', 'unlockPolicy', 'wrapWith'];

/** The keys a run may name: the ones made before it and every key a run generated. */
type KeyPool = () => string[];

const b64 = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u).toString('base64url'));
const b64len = (lengths: number[]) => fc.constantFrom(...lengths).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((u) => Buffer.from(u).toString('base64url'));
const sub = <T>(xs: readonly T[]) => fc.subarray([...xs]);

function keyIdArb(pool: KeyPool) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(null).chain(() => (pool().length > 0 ? fc.constantFrom(...pool()) : fc.constant('AAAAAAAAAAAAAAAA'))) },
    { weight: 1, arbitrary: b64len([12, 16, 48]) },
    { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
  );
}

/** JWKs of the right shape with random (mostly wrong) members, so the algorithm parsers see real-looking input. */
const jwkArb = fc.record(
  {
    kty: fc.constantFrom('OKP', 'EC', 'oct', 'RSA', 'okp'),
    crv: fc.constantFrom('Ed25519', 'X25519', 'P-256', 'P-384', 'P-521', 'P-224', 'secp256k1', 'Ed448'),
    x: b64len([0, 31, 32, 33, 48, 66]),
    y: b64len([0, 32, 48, 66]),
    d: b64len([0, 16, 32, 48, 66]),
    k: b64len([0, 16, 32, 64]),
    alg: fc.constantFrom('A256GCM', 'A128GCM', 'HS256', 'ES256', 'none'),
    ext: fc.boolean(),
    key_ops: fc.array(fc.constantFrom('sign', 'verify', 'encrypt'), { maxLength: 3 }),
  },
  { requiredKeys: ['kty'] },
);

/** Params near a valid example of each method, so requests get past the schema into handlers and parsers. */
function nearValidParams(method: string, pool: KeyPool) {
  const id = keyIdArb(pool);
  const data = b64(120);
  const signOpts = {
    scheme: fc.constantFrom('ecdsa', 'bip340', 'eddsa', 'pss', 'pkcs1', 'ml-dsa', 'eip191'),
    hash: fc.constantFrom('sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'keccak256'),
    prehashed: fc.boolean(),
    format: fc.constantFrom('p1363', 'der', 'recoverable'),
  };
  const flags = {
    label: fc.string({ maxLength: 20 }),
    purposes: fc.oneof(fc.constantFrom([], ['sign'], ['sign', 'verify'], ['encrypt', 'decrypt'], ['mac', 'macVerify'], ['verify']), sub(OPERATIONS)),
    exportable: fc.boolean(),
    requiresApproval: fc.boolean(),
    callers: sub(CALLERS),
    allowRawAgreement: fc.boolean(),
  };
  const mode = fc.constantFrom('gcm', 'cbc', 'ctr', 'ecb', 'chacha20-poly1305', 'xchacha20-poly1305', 'oaep');
  const opt = <T extends Record<string, fc.Arbitrary<unknown>>>(required: (keyof T)[], shape: T) => fc.record(shape, { requiredKeys: required as never });
  const table: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    'keys.generate': opt(['algorithm'], { algorithm: fc.constantFrom(...ALGORITHMS), provider: fc.constantFrom('software', 'pkcs11:abc', 'kmip:x'), ...flags }),
    'keys.import': fc.oneof(
      opt(['format', 'data'], { format: fc.constant('jwk'), data: jwkArb, algorithm: fc.constantFrom(...ALGORITHMS), ...flags }),
      opt(['format', 'data'], { format: fc.constantFrom('raw', 'pkcs8', 'spki'), data: b64len([0, 16, 32, 33, 44, 48, 65, 91]), algorithm: fc.constantFrom(...ALGORITHMS), ...flags }),
      opt(['format', 'data'], { format: fc.constant('mnemonic'), data: fc.string({ minLength: 1, maxLength: 40 }) }),
    ),
    'keys.list': opt([], { limit: fc.integer({ min: 0, max: 1001 }), cursor: fc.oneof(fc.nat().map(String), fc.string({ maxLength: 10 })) }),
    'keys.get': opt(['id'], { id }),
    'keys.delete': opt(['id'], { id }),
    'keys.update': opt(['id'], { id, label: flags.label, policy: opt([], { purposes: flags.purposes, exportable: flags.exportable, requiresApproval: flags.requiresApproval, callers: flags.callers }) }),
    'keys.export': opt(['id', 'format'], { id, format: fc.constantFrom('jwk', 'spki', 'raw', 'pkcs8'), private: fc.boolean(), wrapWith: id }),
    'crypto.sign': opt(['id', 'data'], { id, data, ...signOpts }),
    'crypto.verify': opt(['id', 'data', 'signature'], { id, data, signature: b64len([0, 63, 64, 65, 70, 72]), ...signOpts }),
    'crypto.encrypt': opt(['id', 'data'], { id, data, mode, iv: b64len([0, 8, 12, 16, 24]), aad: b64(20) }),
    'crypto.decrypt': opt(['id', 'data'], { id, data, mode, iv: b64len([0, 12, 16]), tag: b64len([0, 12, 16]), aad: b64(20), version: fc.integer({ min: 1, max: 3 }) }),
    'crypto.mac': opt(['id', 'data'], { id, data }),
    'crypto.macVerify': opt(['id', 'data', 'mac'], { id, data, mac: b64len([0, 16, 32, 64]) }),
    'crypto.random': opt(['length'], { length: fc.integer({ min: -1, max: 70_000 }) }),
    'audit.list': opt([], { limit: fc.integer({ min: 0, max: 1001 }), cursor: fc.oneof(fc.nat().map(String), fc.string({ maxLength: 10 })) }),
  };
  const base = table[method] ?? fc.constant({});
  // Sometimes one member is replaced by any JSON value, or one unknown member is added.
  return fc.tuple(base, fc.nat({ max: 9 }), fc.jsonValue({ maxDepth: 2 })).map(([p, roll, junk]) => {
    const keys = Object.keys(p);
    if (roll === 0 && keys.length > 0) return { ...p, [keys[JSON.stringify(junk).length % keys.length]!]: junk };
    if (roll === 1) return { ...p, unexpected: junk };
    return p;
  });
}

function requestArb(pool: KeyPool) {
  const anyParams = fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(fc.jsonValue({ maxDepth: 3 }), keyIdArb(pool), b64(40)), { maxKeys: 6 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );
  const known = fc.constantFrom(...METHOD_NAMES.filter((m) => m !== 'kms.unlock' && m !== 'kms.init'));
  const methodAndParams = fc.oneof(
    { weight: 6, arbitrary: known.chain((m) => fc.tuple(fc.constant<string>(m), nearValidParams(m, pool))) },
    { weight: 2, arbitrary: fc.tuple(known as fc.Arbitrary<string>, anyParams) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('channel.hello', '__proto__', 'constructor', 'toString', 'kms.', 'keys.get ', 'KMS.STATUS'), anyParams) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 70 }), anyParams) },
  );
  return fc
    .record({
      jsonrpc: fc.oneof({ weight: 19, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
      id: fc.oneof({ weight: 4, arbitrary: fc.nat() }, { weight: 2, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
      mp: methodAndParams,
      omitParams: fc.nat({ max: 9 }),
      caller: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('test', 'ui', 'rest', 'cli', 'root', '') }),
    })
    .map(({ jsonrpc, id, mp: [method, params], omitParams, caller }) => ({
      jsonrpc,
      id,
      method,
      ...(omitParams === 0 ? {} : { params }),
      ...(caller === undefined ? {} : { caller }),
    }));
}

/** Bytes for one write: raw noise, text, truncated or split requests, invalid UTF-8, blank lines, huge lines. */
function bytesArb() {
  const valid = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'kms.status', params: {} });
  const invalidUtf8 = fc.constantFrom([0xff], [0xc0, 0xaf], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf0, 0x9f]);
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')) },
    { weight: 2, arbitrary: fc.nat({ max: valid.length }).map((n) => Buffer.from(valid.slice(0, n))) },
    { weight: 2, arbitrary: fc.nat({ max: valid.length }).map((n) => Buffer.from(`${valid.slice(0, n)}\n${valid.slice(n)}`)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.nat({ max: valid.length }), invalidUtf8).map(([n, bad]) => Buffer.concat([Buffer.from(valid.slice(0, n)), Buffer.from(bad), Buffer.from(valid.slice(n))])),
    },
    {
      weight: 2,
      arbitrary: invalidUtf8.map((bad) =>
        Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"u","method":"keys.generate","params":{"algorithm":"ed25519","label":"'), Buffer.from(bad), Buffer.from('"}}')]),
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n', '\n\n\n', '   \n', '\r', '\t\n', '\u00a0\n', '\ufeff\n', '{}\r\n').map((s) => Buffer.from(s)) },
    {
      weight: 1,
      arbitrary: fc.record({ extra: fc.integer({ min: 1, max: 70_000 }), fill: fc.integer({ min: 0x20, max: 0x7e }), json: fc.boolean() }).map(({ extra, fill, json }) => {
        const size = MAX_MESSAGE_BYTES + extra;
        const buf = Buffer.alloc(size, fill);
        if (json) Buffer.from('{"jsonrpc":"2.0","id":3,"method":"kms.status","params":{"pad":"').copy(buf);
        return buf;
      }),
    },
  );
}

/** How many answers a write of `bytes` plus a newline must get: one per non-blank line, one per oversized line. */
function expectedAnswers(bytes: Buffer): number {
  let n = 0;
  let start = 0;
  const all = Buffer.concat([bytes, Buffer.from('\n')]);
  for (;;) {
    const nl = all.indexOf(0x0a, start);
    if (nl === -1) return n;
    const line = all.subarray(start, nl);
    if (line.length > MAX_MESSAGE_BYTES || line.toString('utf8').replace(/\r$/, '').trim().length > 0) n++;
    start = nl + 1;
  }
}

describe('the stdio transport of a real KMS child', () => {
  let dir: string;
  let kms: RawKms;
  const keyIds: string[] = [];
  let sentinel = 0;

  async function ensureUnlocked(): Promise<void> {
    const status = await kms.call('kms.status', {});
    if (status.result?.state === 'locked') {
      const r = await kms.call('kms.unlock', { passphrase: PASSPHRASE });
      expect(r.result?.state, JSON.stringify(r)).toBe('unlocked');
    }
  }

  /** Write `bytes`, then a sentinel request; return every answer before the sentinel's, checked. */
  async function throwAt(bytes: Uint8Array, expected: number): Promise<unknown[]> {
    const id = `sentinel-${++sentinel}`;
    kms.write(bytes);
    kms.write('\n');
    kms.send({ jsonrpc: '2.0', id, method: 'kms.status', params: {} });
    const others: unknown[] = [];
    let sawSentinel = false;
    while (!sawSentinel || others.length < expected) {
      const a = (await kms.next(ANSWER_TIMEOUT_MS)) as RawResponse;
      if (a.id === id) {
        // BUSY only while a kms.doctor thrown just before holds the keystore file (a typed answer: it still serves).
        if (a.error) expect(a.error.data?.kind, JSON.stringify(a)).toBe('BUSY');
        else expect(a.result?.state, JSON.stringify(a)).toMatch(/^(locked|unlocked)$/);
        sawSentinel = true;
      } else others.push(a);
    }
    expect(others.length).toBe(expected);
    for (const a of others) {
      expect(responseProblems(a), JSON.stringify(a).slice(0, 300)).toEqual([]);
      expect(answerKind(a), JSON.stringify(a).slice(0, 300)).not.toBe('INTERNAL');
    }
    expect(kms.alive()).toBe(true);
    return others;
  }

  beforeAll(async () => {
    dir = tempDir();
    kms = spawnRawKms(dir);
    expect((await kms.hello()).result).toMatchObject({ pid: kms.child.pid });
    expect((await kms.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] })).result?.state).toBe('unlocked');
    for (const algorithm of ['ed25519', 'p256', 'aes-256', 'hmac-sha256', 'secp256k1']) {
      const r = await kms.call('keys.generate', { algorithm });
      keyIds.push(String(r.result?.id));
    }
  });

  afterAll(async () => {
    await kms?.stop();
    if (dir) removeDir(dir);
  });

  it('answers arbitrary JSON values, one well-formed answer per line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }) }, { weight: 4, arbitrary: requestArb(() => keyIds) }), async (value) => {
        const [answer] = await throwAt(Buffer.from(JSON.stringify(value)), 1);
        const made = (answer as RawResponse).result;
        if (typeof made?.id === 'string' && typeof made.algorithm === 'string') keyIds.push(made.id);
        const sent = value as { id?: unknown };
        const parsed = parseRequestText(JSON.stringify(value));
        // A request that passed the envelope check is answered with its own id; anything else with null.
        expect((answer as RawResponse).id).toEqual(isResponse(parsed) ? parsed.id : sent.id);
        await ensureUnlocked();
      }),
      { numRuns: RUNS },
    );
  });

  it('answers arbitrary bytes (noise, invalid UTF-8, split and truncated messages, blank and huge lines)', async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb(), async (bytes) => {
        await throwAt(bytes, expectedAnswers(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it('takes a line of exactly MAX_MESSAGE_BYTES and refuses one byte more, keeping the channel', async () => {
    const head = '{"jsonrpc":"2.0","id":"edge","method":"kms.status","params":{"pad":"';
    const tail = '"}}';
    const exact = head + 'x'.repeat(MAX_MESSAGE_BYTES - head.length - tail.length) + tail;
    const [atLimit] = (await throwAt(Buffer.from(exact), 1)) as RawResponse[];
    expect(atLimit).toMatchObject({ id: 'edge', error: { data: { kind: 'INVALID_REQUEST', path: '' } } });
    const over = head + 'x'.repeat(MAX_MESSAGE_BYTES - head.length - tail.length + 1) + tail;
    const [overLimit] = (await throwAt(Buffer.from(over), 1)) as RawResponse[];
    expect(overLimit).toMatchObject({ id: null, error: { data: { kind: 'INVALID_REQUEST' } } });
    expect(overLimit!.error!.message).toMatch(/too large/);
  });

  it('still generates and signs correctly after all of that', async () => {
    await ensureUnlocked();
    const gen = await kms.call('keys.generate', { algorithm: 'ed25519' });
    const jwk = (gen.result?.publicKey as { jwk?: Record<string, unknown> } | undefined)?.jwk;
    expect(jwk, JSON.stringify(gen)).toBeDefined();
    const data = b64u('after the fuzz');
    const r = await kms.call('crypto.sign', { id: String(gen.result!.id), data });
    expect(r.error).toBeUndefined();
    const pub = createPublicKey({ key: jwk as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from('after the fuzz'), pub, unb64u(String(r.result!.signature)))).toBe(true);
    expect((await kms.call('audit.verify', {})).result).toMatchObject({ ok: true });
    expect(kms.unread()).toBe(0);
    expect(kms.stderr()).not.toMatch(/internal error|fatal/);
  });
});

describe('the dispatcher in-process', () => {
  let dir: string;
  let ctx: KmsContext;
  let dispatcher: Dispatcher;
  const keyIds: string[] = [];
  const callers: Caller[] = ['test', 'ui', 'rest'];

  async function handle(req: RpcRequest, caller: Caller = 'test'): Promise<RpcResponse> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${req.method} hung for ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
    });
    try {
      return await Promise.race([dispatcher.handle(req, caller, callers), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  function checkAnswer(req: RpcRequest, res: RpcResponse): void {
    const show = JSON.stringify({ req, res }).slice(0, 400);
    expect(responseProblems(res), show).toEqual([]);
    expect(res.id, show).toEqual(req.id);
    if ('result' in res) {
      expect(isMethodName(req.method), show).toBe(true);
      const schema = METHODS[req.method as keyof typeof METHODS].result;
      expect(schema.safeParse(res.result).success, `result does not match its schema: ${show}`).toBe(true);
      const made = res.result as { id?: unknown; algorithm?: unknown };
      if (typeof made.id === 'string' && typeof made.algorithm === 'string') keyIds.push(made.id);
    } else {
      expect(res.error.data.kind, show).not.toBe('INTERNAL');
    }
  }

  beforeAll(async () => {
    dir = tempDir();
    ctx = new KmsContext({ storeDir: dir, holder: 'fuzz', keyCacheMs: 500 });
    dispatcher = new Dispatcher(ctx);
    const init = await handle({ jsonrpc: '2.0', id: 1, method: 'kms.init', params: { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] } });
    expect(init).toMatchObject({ result: { state: 'unlocked' } });
    for (const algorithm of ['ed25519', 'p256', 'secp256k1', 'aes-256', 'hmac-sha256']) {
      const r = await handle({ jsonrpc: '2.0', id: 2, method: 'keys.generate', params: { algorithm } });
      keyIds.push((r as { result: { id: string } }).result.id);
    }
  });

  afterAll(() => {
    ctx?.close();
    if (dir) removeDir(dir);
  });

  async function unlockIfLocked(): Promise<void> {
    if (ctx.keystore.state === 'locked') {
      const r = await handle({ jsonrpc: '2.0', id: 'u', method: 'kms.unlock', params: { passphrase: PASSPHRASE } });
      expect(r).toMatchObject({ result: { state: 'unlocked' } });
    }
  }

  it('answers arbitrary methods, params and callers with a well-formed result or typed error', async () => {
    const channelCallers = fc.oneof({ weight: 4, arbitrary: fc.constant<Caller>('test') }, { weight: 1, arbitrary: fc.constantFrom<Caller>('ui', 'rest') });
    await fc.assert(
      fc.asyncProperty(requestArb(() => keyIds), channelCallers, async (msg, channelCaller) => {
        const checked = parseRequestText(JSON.stringify(msg));
        if (isResponse(checked)) {
          expect(responseProblems(checked)).toEqual([]);
          return;
        }
        checkAnswer(checked, await handle(checked, channelCaller));
        await unlockIfLocked();
      }),
      { numRuns: RUNS },
    );
  });

  it('answers requests built straight from arbitrary JSON (no envelope check first)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...METHOD_NAMES), fc.string({ maxLength: 40 })),
        fc.jsonValue({ maxDepth: 4 }),
        fc.option(fc.constantFrom(...CALLERS, 'admin'), { nil: undefined }),
        async (method, params, caller) => {
          const req: RpcRequest = { jsonrpc: '2.0', id: 5, method, params, ...(caller === undefined ? {} : { caller }) };
          checkAnswer(req, await handle(req));
          await unlockIfLocked();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps serving: a fresh key signs and node:crypto verifies', async () => {
    await unlockIfLocked();
    const gen = await handle({ jsonrpc: '2.0', id: 'g', method: 'keys.generate', params: { algorithm: 'p256' } });
    const key = (gen as { result: { id: string; publicKey: { jwk: Record<string, unknown> } } }).result;
    const sig = await handle({ jsonrpc: '2.0', id: 's', method: 'crypto.sign', params: { id: key.id, data: b64u('still here') } });
    const signature = unb64u((sig as { result: { signature: string } }).result.signature);
    const pub = createPublicKey({ key: key.publicKey.jwk as never, format: 'jwk' });
    expect(nodeVerify('sha256', Buffer.from('still here'), { key: pub, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    const audit = await handle({ jsonrpc: '2.0', id: 'a', method: 'audit.verify', params: {} });
    expect(audit).toMatchObject({ result: { ok: true } });
  });
});
