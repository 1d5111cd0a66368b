// Model-based test of issue 10 (fast-check): random sequences of every method the renderer (`ui`) can reach, mixed
// with calls of the trusted app (`app`), against a real KMS child over a keystore holding canary keys whose secrets
// the test knows (software keys, and an AES key made on a SoftHSM2 token with a known value). After every step:
//   1. no answer to `ui` contains a canary secret in any encoding, nor does anything the attacker can decrypt offline
//      with what it knows (the peers' halves of agreements, the KEM ciphertexts it made);
//   2. no key's rights grew through a `ui` call, and a key made from another by `ui` is no looser than its parent;
//   3. every answer is a typed error (never INTERNAL) or a result that matches its schema (signatures verified);
//   4. a crypto.batch item gets exactly the outcome of the same call outside a batch.
// Fixed seed and run count (RUNS x up to STEPS steps) keep it under a minute on the CI machines.
import { createCipheriv, createDecipheriv, createECDH, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import fc from 'fast-check';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS, METHODS, type Caller, type KeyInfo, type MethodName } from '../../../kms-process/api/index.js';
import { PASSPHRASE, removeDir, startKms, type TestKms } from '../../helpers/kms.js';
import { startSoftHsm, type SoftHsm, type SoftHsmToken } from '../../services/softhsm.js';
import { DERIVE_PATHS, importCanaries, LeakScanner, type Canary } from './canaries.js';

const SEED = 20261210;
const RUNS = 20;
const STEPS = 40;

type Params = Record<string, unknown>;
type Outcome = { ok: true; result: unknown } | { ok: false; kind: string };

let hsm: SoftHsm;
let token: SoftHsmToken;
let kms: TestKms;
const scanner = new LeakScanner();
let canaries: Canary[] = [];
const canaryInfo = new Map<string, KeyInfo>();
/** AES keys whose value the attacker knows (HKDF of agreements with its own peers, KEM secrets it made). */
const attackerKeys: Buffer[] = [];
/** Everything the renderer was given that could be a ciphertext or a wrapped key, and the encryptions it made. */
const received: Buffer[] = [];
const ciphertexts: Array<{ id: string; data: string; iv?: string; tag?: string; version?: number; mode: string }> = [];
const stats = new Map<string, number>();

const peers = {
  x25519: generateKeyPairSync('x25519'),
  p256: (() => { const e = createECDH('prime256v1'); e.generateKeys(); return e; })(),
  secp256k1: (() => { const e = createECDH('secp256k1'); e.generateKeys(); return e; })(),
};

async function call(method: string, params: Params, caller: Caller): Promise<Outcome> {
  try {
    return { ok: true, result: await kms.client.callUnchecked(method, params, { caller }) };
  } catch (e) {
    return { ok: false, kind: (e as { kind?: string }).kind ?? `not a KmsError: ${String(e)}` };
  }
}

async function snapshot(): Promise<Map<string, KeyInfo>> {
  const r = (await kms.client.call('keys.list', { limit: 1000 })) as { keys: KeyInfo[] };
  return new Map(r.keys.map((k) => [k.id, k]));
}

/** A software AES key made on the token with a value the test knows: sensitive, never extractable. */
function tokenAesCanary(t: SoftHsmToken): { ckaId: string; value: Buffer } {
  const lib = new pkcs11js.PKCS11();
  lib.load(hsm.modulePath);
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).serialNumber.trim() === t.serial)!;
    const s = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    lib.C_Login(s, pkcs11js.CKU_USER, t.pin);
    const value = randomBytes(32);
    const ckaId = randomBytes(8);
    lib.C_CreateObject(s, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_WRAP, value: true },
      { type: pkcs11js.CKA_UNWRAP, value: true },
      { type: pkcs11js.CKA_ID, value: ckaId },
      { type: pkcs11js.CKA_VALUE, value },
    ]);
    lib.C_CloseSession(s);
    return { ckaId: ckaId.toString('hex'), value };
  } finally {
    lib.C_Finalize();
    lib.close();
  }
}

let tokenCanary: { ckaId: string; value: Buffer };

async function adoptTokenCanary(): Promise<void> {
  const info = (await kms.client.callUnchecked('keys.import', { format: 'token', provider: `pkcs11:${token.serial}`, locator: tokenCanary.ckaId, label: 'canary token aes' }, { caller: 'app' })) as KeyInfo;
  canaries = canaries.filter((c) => c.name !== 'token aes').concat({ name: 'token aes', id: info.id, policy: {} });
  canaryInfo.set(info.id, info);
}

beforeAll(async () => {
  hsm = await startSoftHsm(['model']);
  token = hsm.tokens[0]!;
  tokenCanary = tokenAesCanary(token);
  scanner.addSecret('token aes', tokenCanary.value);
  kms = await startKms({ callers: ['test', 'ui', 'app'], env: { SOFTHSM2_CONF: hsm.confPath }, timeoutMs: 60_000 });
  await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
  await kms.client.call('tokens.login', { token: token.serial, pin: token.pin }, { caller: 'app' });
  canaries = await importCanaries(kms.client, scanner);
  for (const c of canaries) canaryInfo.set(c.id, (await kms.client.call('keys.get', { id: c.id })) as KeyInfo);
  await adoptTokenCanary();
  await makeTokenP256();
}, 120_000);

/** A P-256 key made on the token (its secret is unknown to everyone; it signs and agrees in the sequences). */
async function makeTokenP256(): Promise<void> {
  const p256 = (await kms.client.callUnchecked('keys.generate', { algorithm: 'p256', provider: `pkcs11:${token.serial}`, label: 'token p256' }, { caller: 'app' })) as KeyInfo;
  canaries = canaries.filter((c) => c.name !== 'token p256').concat({ name: 'token p256', id: p256.id, policy: {} });
  canaryInfo.set(p256.id, p256);
}

afterAll(async () => {
  await kms?.stop();
  if (kms) removeDir(kms.dir);
  await hsm?.cleanup();
});

// ---------------------------------------------------------------------------------------------------------------
// Actions

const caller = fc.constantFrom<Caller>('ui', 'ui', 'ui', 'app');
const pick = fc.nat(1000);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const ops = ['sign', 'verify', 'encrypt', 'decrypt', 'mac', 'macVerify', 'agree', 'wrap', 'unwrap', 'derive', 'encapsulate', 'decapsulate'] as const;
/** Mostly the algorithm's own purposes (a random set is mostly UNSUPPORTED), sometimes a random or narrow one. */
const purposes = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.subarray([...ops]) },
  { weight: 2, arbitrary: fc.constantFrom<Array<(typeof ops)[number]>>(['sign'], ['verify'], ['encrypt'], ['wrap', 'unwrap'], ['agree'], ['derive'], ['mac'], []) },
);
const policy = fc.record(
  {
    purposes,
    exportable: fc.boolean(),
    requiresApproval: fc.boolean(),
    callers: fc.subarray<Caller>(['ui', 'app', 'cli', 'rest', 'test']),
    allowRawAgreement: fc.boolean(),
  },
  { requiredKeys: [] },
);
const GEN_ALGS = ['ed25519', 'secp256k1', 'p256', 'x25519', 'aes-256', 'hmac-sha256', 'chacha20-poly1305', 'hd-seed', 'ml-kem-768'] as const;

const action = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('generate' as const), caller, alg: fc.constantFrom(...GEN_ALGS), onToken: fc.boolean(), flags: policy }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('update' as const), caller, k: pick, label: maybe(fc.string({ maxLength: 8 })), policy: maybe(policy) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('derive' as const), caller, k: pick, path: fc.constantFrom(...DERIVE_PATHS), ed: fc.boolean(), flags: policy }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('rotate' as const, 'delete' as const, 'get' as const), caller, k: pick }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('export' as const), caller, k: pick, format: fc.constantFrom('jwk', 'jwk', 'raw', 'pkcs8', 'spki', 'mnemonic'), priv: fc.boolean(), wrapWith: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: pick }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('wrap' as const), caller, k: pick, target: pick, mode: maybe(fc.constantFrom('kw', 'kwp', 'oaep')) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('unwrap' as const), caller, k: pick, blob: pick, alg: fc.constantFrom('ed25519', 'aes-256', 'hd-seed', 'hmac-sha256'), mode: maybe(fc.constantFrom('kw', 'kwp')), flags: policy }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('encrypt' as const), caller, k: pick, mode: maybe(fc.constantFrom('gcm', 'cbc', 'ctr', 'ecb')) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('decrypt' as const), caller, k: pick, c: pick, own: fc.boolean(), mode: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('ecb', 'cbc', 'ctr', 'oaep') }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constantFrom('sign' as const, 'mac' as const), caller, k: pick }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('agree' as const), caller, k: pick, raw: fc.boolean(), alg: maybe(fc.constantFrom('aes-256', 'hmac-sha256')) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('encapsulate' as const, 'decapsulate' as const), caller, k: pick, raw: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('batch' as const), caller, items: fc.array(fc.record({ op: fc.constantFrom('crypto.sign', 'crypto.encrypt', 'crypto.decrypt', 'crypto.mac', 'crypto.verify'), k: pick, c: pick }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('list' as const, 'audit' as const, 'lock' as const, 'logout' as const), caller: fc.constant<Caller>('ui') }) },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** The JSON-RPC calls one action makes, given the keys there are now. */
function plan(a: Action, keys: KeyInfo[]): Array<{ method: string; params: Params }> {
  // Half the picks aim at a canary (what the attacker is after), half at any key.
  const canaryIds = new Set(canaries.map((c) => c.id));
  const key = (n: number, filter: (k: KeyInfo) => boolean = () => true) => {
    const fitting = keys.filter(filter);
    const aimed = n % 2 === 0 ? fitting.filter((k) => canaryIds.has(k.id)) : fitting;
    const pool = aimed.length ? aimed : fitting.length ? fitting : keys;
    return pool[Math.floor(n / 2) % pool.length]!;
  };
  const anyBlob = (n: number) => (received.length ? received[n % received.length]! : randomBytes(40));
  /** A ciphertext this key made, or anything the renderer holds (wrapped keys included) as raw blocks. */
  const ct = (n: number, k: KeyInfo, mode?: string) => {
    const mine = ciphertexts.filter((c) => c.id === k.id);
    const c = mine.length ? mine[n % mine.length]! : undefined;
    if (c && !mode) return { data: c.data, ...(c.iv ? { iv: c.iv } : {}), ...(c.tag ? { tag: c.tag } : {}), ...(c.version ? { version: c.version } : {}), mode: c.mode };
    const blob = anyBlob(n);
    const blocks = blob.length >= 16 ? blob.subarray(0, blob.length - (blob.length % 16)) : randomBytes(32);
    return { data: b64(blocks), mode: mode ?? 'ecb', ...(mode && mode !== 'ecb' && mode !== 'oaep' ? { iv: b64(randomBytes(16)) } : {}) };
  };
  switch (a.t) {
    case 'generate':
      return [{ method: 'keys.generate', params: { algorithm: a.alg, ...a.flags, ...(a.onToken && ['p256', 'aes-256', 'ed25519'].includes(a.alg) ? { provider: `pkcs11:${token.serial}` } : {}), ...(a.alg === 'hd-seed' ? { words: 12 } : {}) } }];
    case 'update':
      return [{ method: 'keys.update', params: { id: key(a.k).id, ...(a.label !== undefined ? { label: a.label } : {}), ...(a.policy ? { policy: a.policy } : {}) } }];
    case 'derive':
      return [{ method: 'keys.derive', params: { id: key(a.k, (k) => k.algorithm === 'hd-seed').id, path: a.ed ? "m/44'/501'/0'" : a.path, ...(a.ed ? { child: 'ed25519' } : {}), ...a.flags } }];
    case 'rotate':
    case 'get':
      return [{ method: `keys.${a.t}`, params: { id: key(a.k).id } }];
    case 'delete': {
      // The app may delete anything; the model keeps its canaries (the renderer is refused where it matters).
      const k = a.caller === 'app' ? keys.filter((x) => !canaries.some((c) => c.id === x.id))[a.k % Math.max(1, keys.length - canaries.length)] : key(a.k);
      return k ? [{ method: 'keys.delete', params: { id: k.id } }] : [];
    }
    case 'export':
      return [{ method: 'keys.export', params: { id: key(a.k).id, format: a.wrapWith !== undefined ? 'raw' : a.format, ...(a.priv ? { private: true } : {}), ...(a.wrapWith !== undefined ? { wrapWith: key(a.wrapWith, (k) => k.purposes.includes('wrap')).id } : {}) } }];
    case 'wrap':
      return [{ method: 'crypto.wrapKey', params: { id: key(a.k, (k) => k.purposes.includes('wrap')).id, keyId: key(a.target).id, ...(a.mode ? { mode: a.mode } : {}) } }];
    case 'unwrap': {
      const kek = key(a.k, (k) => k.purposes.includes('unwrap'));
      return [{ method: 'crypto.unwrapKey', params: { id: kek.id, wrapped: b64(anyBlob(a.blob)), algorithm: a.alg, ...(a.mode ? { mode: a.mode } : {}), ...a.flags } }];
    }
    case 'encrypt':
      return [{ method: 'crypto.encrypt', params: { id: key(a.k, (k) => k.purposes.includes('encrypt')).id, data: b64(randomBytes(24)), ...(a.mode ? { mode: a.mode } : {}) } }];
    case 'decrypt': {
      // Either one of the ciphertexts the sequence made, under its own key, or anything held, under any key.
      const own = a.own && ciphertexts.length ? keys.find((x) => x.id === ciphertexts[a.c % ciphertexts.length]!.id) : undefined;
      const k = own ?? key(a.k, (x) => x.purposes.includes('decrypt') || x.purposes.includes('unwrap'));
      return [{ method: 'crypto.decrypt', params: { id: k.id, ...ct(own ? ciphertexts.filter((c) => c.id === k.id).indexOf(ciphertexts[a.c % ciphertexts.length]!) : a.c, k, own ? undefined : a.mode) } }];
    }
    case 'sign':
      return [{ method: 'crypto.sign', params: { id: key(a.k, (k) => k.purposes.includes('sign')).id, data: b64(Buffer.from('model')) } }];
    case 'mac':
      return [{ method: 'crypto.mac', params: { id: key(a.k, (k) => k.purposes.includes('mac')).id, data: b64(Buffer.from('model')) } }];
    case 'agree': {
      const k = key(a.k, (x) => ['x25519', 'p256', 'secp256k1'].includes(x.algorithm));
      const peer = k.algorithm === 'x25519' ? peers.x25519.publicKey.export({ format: 'jwk' }).x! : b64((k.algorithm === 'p256' ? peers.p256 : peers.secp256k1).getPublicKey());
      return [{ method: 'crypto.agree', params: { id: k.id, peerPublicKey: peer, ...(a.raw ? { raw: true } : { derive: { algorithm: a.alg ?? 'aes-256' } }) } }];
    }
    case 'encapsulate':
    case 'decapsulate': {
      const k = key(a.k, (x) => x.algorithm === 'ml-kem-768');
      const extra = a.t === 'decapsulate' && k.publicKey ? { ciphertext: b64(attackerKem(k)) } : a.t === 'decapsulate' ? { ciphertext: b64(randomBytes(1088)) } : {};
      return [{ method: `crypto.${a.t}`, params: { id: k.id, ...extra, ...(a.raw ? { raw: true } : {}) } }];
    }
    case 'batch':
      return [{ method: 'crypto.batch', params: { items: a.items.map((i) => {
        const k = key(i.k);
        if (i.op === 'crypto.decrypt') return { method: i.op, params: { id: k.id, ...ct(i.c, k) } };
        if (i.op === 'crypto.verify') return { method: i.op, params: { id: k.id, data: b64(Buffer.from('model')), signature: b64(randomBytes(64)) } };
        return { method: i.op, params: { id: k.id, data: b64(Buffer.from('model')) } };
      }) } }];
    case 'list':
      return [{ method: 'keys.list', params: {} }];
    case 'audit':
      return [{ method: 'audit.list', params: { limit: 50 } }, { method: 'audit.verify', params: {} }];
    case 'lock':
      return [{ method: 'kms.lock', params: {} }];
    case 'logout':
      return [{ method: 'tokens.logout', params: { token: token.serial } }];
  }
}

/** The attacker's own KEM ciphertext to a key's public part: it knows the shared secret, hence the stored key. */
function attackerKem(k: KeyInfo): Uint8Array {
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(Buffer.from(k.publicKey!.raw, 'base64url'));
  attackerKeys.push(Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.alloc(0), 'owkms/shared-secret/aes-256', 32)));
  return cipherText;
}

/** What the attacker learns from an agreement with its own peer key: the shared secret, then the stored AES key. */
function learnAgreement(k: KeyInfo): void {
  const pub = Buffer.from(k.publicKey!.raw, 'base64url');
  const shared =
    k.algorithm === 'x25519'
      ? diffieHellman({ privateKey: peers.x25519.privateKey, publicKey: createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' }) })
      : (k.algorithm === 'p256' ? peers.p256 : peers.secp256k1).computeSecret(pub);
  attackerKeys.push(Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), 'owkms/shared-secret/aes-256', 32)));
}

/** Every AES-KW(P) unwrap the attacker can do offline with the keys it knows, over everything it received. */
function offlineLeak(blobs: Buffer[]): string | undefined {
  for (const blob of blobs) {
    if (blob.length < 24 || blob.length % 8 !== 0) continue;
    for (const key of attackerKeys.slice(-16)) {
      for (const [cipher, iv] of [['id-aes256-wrap', 'a6a6a6a6a6a6a6a6'], ['id-aes256-wrap-pad', 'a65959a6']] as const) {
        try {
          const d = createDecipheriv(cipher, key, Buffer.from(iv, 'hex'));
          const found = scanner.findInBytes(Buffer.concat([d.update(blob), d.final()]));
          if (found) return `${found} (unwrapped offline with a key the attacker knows)`;
        } catch {
          // not wrapped under this key
        }
      }
    }
  }
  return undefined;
}

function blobsIn(value: unknown, out: Buffer[] = []): Buffer[] {
  if (typeof value === 'string' && value.length >= 16 && /^[A-Za-z0-9_-]+$/.test(value)) out.push(Buffer.from(value, 'base64url'));
  else if (Array.isArray(value)) value.forEach((v) => blobsIn(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => blobsIn(v, out));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Invariants

function checkAnswer(method: string, params: Params, caller: Caller, o: Outcome, keys: Map<string, KeyInfo>): void {
  stats.set(`${caller} ${method} ${o.ok ? 'ok' : o.kind}`, (stats.get(`${caller} ${method} ${o.ok ? 'ok' : o.kind}`) ?? 0) + 1);
  if (!o.ok) {
    expect(ERROR_KINDS as readonly string[], `${caller} ${method}`).toContain(o.kind);
    expect(o.kind, `${caller} ${method} ${JSON.stringify(params).slice(0, 300)}`).not.toBe('INTERNAL');
    return;
  }
  const parsed = METHODS[method as MethodName].result.safeParse(o.result);
  expect(parsed.success, `${method} result: ${parsed.error?.message}`).toBe(true);
  if (method === 'crypto.sign') {
    const k = keys.get(params.id as string)!;
    const sig = Buffer.from((o.result as { signature: string }).signature, 'base64url');
    if (k.algorithm === 'ed25519' || k.algorithm === 'p256') {
      const pub = createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' });
      const ok = k.algorithm === 'ed25519' ? nodeVerify(null, Buffer.from('model'), pub, sig) : nodeVerify('sha256', Buffer.from('model'), { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
      expect(ok, `signature by ${k.algorithm} ${k.provider}`).toBe(true);
    }
  }
  if (caller !== 'ui') return;
  const leak = scanner.find(o.result);
  expect(leak, `${method} answered the renderer with a canary: ${JSON.stringify(params).slice(0, 200)}`).toBeUndefined();
  const blobs = blobsIn(o.result);
  received.push(...blobs.filter((b) => b.length >= 16));
  if (received.length > 200) received.splice(0, received.length - 200);
  expect(offlineLeak(blobs)).toBeUndefined();
}

const RANK = (k: KeyInfo) => ({ purposes: new Set(k.purposes), callers: k.callers ? new Set(k.callers) : undefined });

/** Rights of every key after a `ui` step: none wider than before; a key made from a parent no looser than it. */
function checkRights(before: Map<string, KeyInfo>, after: Map<string, KeyInfo>, what: string): void {
  for (const [id, now] of after) {
    const was = before.get(id);
    if (was) {
      const r = RANK(was);
      expect(now.purposes.filter((p) => !r.purposes.has(p)), `${what}: purposes of ${id}`).toEqual([]);
      if (!was.exportable) expect(now.exportable, `${what}: exportable ${id}`).toBe(false);
      if (was.requiresApproval) expect(now.requiresApproval, `${what}: approval ${id}`).toBe(true);
      if (!was.allowRawAgreement) expect(now.allowRawAgreement, `${what}: raw agreement ${id}`).toBeUndefined();
      if (r.callers) expect(now.callers && now.callers.every((c) => r.callers!.has(c)), `${what}: callers ${id}`).toBe(true);
      continue;
    }
    const parent = now.derivation ? before.get(now.derivation.parentId) : undefined;
    if (!parent) continue;
    if (parent.requiresApproval) expect(now.requiresApproval, `${what}: child approval`).toBe(true);
    if (!parent.exportable) expect(now.exportable, `${what}: child exportable`).toBe(false);
    if (!parent.allowRawAgreement) expect(now.allowRawAgreement, `${what}: child raw agreement`).toBeUndefined();
    if (parent.callers) expect(now.callers && now.callers.every((c) => parent.callers!.includes(c)), `${what}: child callers`).toBe(true);
  }
}

function remember(params: Params, result: unknown): void {
  const r = result as { ciphertext: string; iv?: string; tag?: string; version?: number; mode: string };
  ciphertexts.push({ id: params.id as string, data: r.ciphertext, iv: r.iv, tag: r.tag, version: r.version, mode: r.mode });
}

async function step(a: Action): Promise<void> {
  const before = await snapshot();
  const keys = [...before.values()];
  for (const { method, params } of plan(a, keys)) {
    const o = await call(method, params, a.caller);
    checkAnswer(method, params, a.caller, o, before);
    if (o.ok && method === 'crypto.encrypt') remember(params, o.result);
    if (o.ok && method === 'crypto.agree' && !params.raw && (params.derive as { algorithm: string }).algorithm === 'aes-256') learnAgreement(before.get(params.id as string)!);
    // The KMS must not rely on the broker keeping wrapped keys from the renderer: assume it sees them all.
    const wrappedWith = method === 'crypto.wrapKey' ? (params.id as string) : method === 'keys.export' ? (params.wrapWith as string | undefined) : undefined;
    if (o.ok && wrappedWith) {
      if (a.caller === 'app') received.push(...blobsIn(o.result));
      // Wrapped bytes are a ciphertext of the wrapping key too: the sequence tries to decrypt them with it.
      const data = (o.result as { wrapped?: string; data?: string }).wrapped ?? (o.result as { data: string }).data;
      ciphertexts.push({ id: wrappedWith, data, mode: before.get(wrappedWith)?.algorithm.startsWith('rsa') ? 'oaep' : 'ecb' });
    }
    if (method === 'crypto.batch' && o.ok) {
      // Each item on its own: the same outcome (the batchable calls change nothing).
      const items = (params as { items: Array<{ method: string; params: Params }> }).items;
      const results = (o.result as { results: Array<{ error?: { kind: string } }> }).results;
      for (const [i, item] of items.entries()) {
        const single = await call(item.method, item.params, a.caller);
        if (single.ok && item.method === 'crypto.encrypt') remember(item.params, single.result);
        expect(results[i]!.error?.kind ?? 'ok', `batch item ${i} ${item.method}`).toBe(single.ok ? 'ok' : single.kind);
        checkAnswer(item.method, item.params, a.caller, single, before);
      }
    }
  }
  if (a.t === 'lock') await kms.client.call('kms.unlock', { passphrase: PASSPHRASE }, { caller: 'app' });
  // A lock ends token logins too (the KMS logs out of every token): the app logs in again, as after a logout.
  if (a.t === 'lock' || a.t === 'logout') await kms.client.call('tokens.login', { token: token.serial, pin: token.pin }, { caller: 'app' });
  if (a.caller === 'ui') checkRights(before, await snapshot(), `${a.t} by ui`);
}

/** Back to the canaries alone, with their first policies (so every run starts from the same keystore). */
async function reset(): Promise<void> {
  const now = await snapshot();
  const keep = new Set(canaries.map((c) => c.id));
  for (const id of now.keys()) if (!keep.has(id)) await kms.client.call('keys.delete', { id }, { caller: 'app' });
  // Token keys hold no secret in the keystore, so the renderer may delete their records: make them again.
  if (!now.has(canaries.find((c) => c.name === 'token aes')!.id)) await adoptTokenCanary();
  if (!now.has(canaries.find((c) => c.name === 'token p256')!.id)) await makeTokenP256();
  for (const c of canaries) {
    const first = canaryInfo.get(c.id)!;
    await kms.client.callUnchecked('keys.update', { id: c.id, label: first.label, policy: {
      purposes: first.purposes, exportable: first.exportable, requiresApproval: first.requiresApproval,
      callers: first.callers ?? ['ui', 'app', 'cli', 'test', 'rest'], allowRawAgreement: first.allowRawAgreement === true,
    } }, { caller: 'app' });
  }
  ciphertexts.length = 0;
}

describe('the renderer against canary keys (model-based)', () => {
  it(`${RUNS} random sequences of up to ${STEPS} calls by ui and app keep every invariant`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 10, maxLength: STEPS, size: 'max' }), async (actions) => {
        try {
          for (const a of actions) await step(a);
        } finally {
          await reset();
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (process.env.MODEL_STATS) console.log([...stats].sort().map(([k, n]) => `${n}\t${k}`).join("\n"));
    // The sequences reached what they are about: the renderer's refused attempts and the app's allowed ones.
    const seen = (s: string) => [...stats.keys()].some((k) => k.startsWith(s));
    for (const s of ['ui crypto.wrapKey POLICY_DENIED', 'ui crypto.unwrapKey POLICY_DENIED', 'ui keys.export ok', 'ui crypto.decrypt', 'ui crypto.agree ok', 'ui keys.update ok', 'ui keys.derive ok', 'app crypto.wrapKey ok', 'ui crypto.batch ok']) {
      expect(seen(s), `no step reached "${s}"`).toBe(true);
    }
    expect(attackerKeys.length).toBeGreaterThan(0);
  }, 240_000);

  it('the model is not blind: an answer with a canary, and a wrap under a key the attacker knows, are found', () => {
    const aes = canaries.find((c) => c.name === 'aes-256 data')!;
    expect(aes).toBeDefined();
    const secretText = (scanner as unknown as { texts: Array<{ name: string; text: string }> }).texts.find((t) => t.name === 'aes-256 data')!.text;
    expect(scanner.find({ data: Buffer.from(secretText, 'hex').toString('base64url') })).toMatch(/aes-256 data/);
    const known = randomBytes(32);
    attackerKeys.push(known);
    const c = createCipheriv('id-aes256-wrap', known, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    expect(offlineLeak([Buffer.concat([c.update(Buffer.from(secretText, 'hex')), c.final()])])).toMatch(/aes-256 data/);
  });
});
