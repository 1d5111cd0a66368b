// `owkms keys generate --alg A` for EVERY algorithm id as a real one-shot command, then each key does its operations
// through the CLI: `owkms rpc` carries many calls per process (one-shot runs cost a process, a KMS child and an
// unlock each), and one-shot commands cover the operations test/cli/owkms.test.ts does not (keys derive, agree,
// encapsulate / decapsulate, jws, wrap / unwrap, keys rotate / retire, decrypt --key-version). Every result is
// checked outside the KMS (node:crypto, @noble/*, @scure/*, micro-eth-signer).
import {
  constants,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  verify as nodeVerify,
  type CipherGCMTypes,
} from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { addr } from 'micro-eth-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHM_IDS, type AlgorithmId, type KeyInfo } from '../../kms-process/api/index.js';
import { b64u, removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { jsonOut, owkms, type OwkmsRun } from '../helpers/owkms.js';

const PASSPHRASE = 'owkms algorithms test passphrase';
const BIP39_PASSPHRASE = 'cli bip39 passphrase';
const ENV = { OWKMS_PASSPHRASE: PASSPHRASE };

/** Two keystores, so the one-shot commands run as two chains side by side (a keystore admits one KMS at a time). */
let stores: [string, string];
const keys: Partial<Record<AlgorithmId, KeyInfo>> = {};
const storeOf: Partial<Record<AlgorithmId, string>> = {};

async function ok<T = Record<string, unknown>>(store: string, args: string[], stdin?: string | Uint8Array, env: Record<string, string> = {}): Promise<T> {
  const run = await owkms(['--store', store, '--json', ...args], { env: { ...ENV, ...env }, timeoutMs: 60_000, ...(stdin === undefined ? {} : { stdin }) });
  expect(run.timedOut).toBe(false);
  expect(run.code, JSON.stringify({ args, stderr: run.stderr.slice(0, 500), stdout: run.stdout.slice(0, 300) })).toBe(0);
  expect(run.stdout.trimEnd()).not.toContain('\n'); // exactly one JSON value
  return jsonOut<T>(run);
}

async function fails(store: string, args: string[], kind: string, stdin?: string | Uint8Array): Promise<void> {
  const run = await owkms(['--store', store, '--json', ...args], { env: ENV, timeoutMs: 60_000, ...(stdin === undefined ? {} : { stdin }) });
  expect({ args, code: run.code }).toEqual({ args, code: 1 });
  expect(jsonOut<{ error: { kind: string } }>(run).error.kind).toBe(kind);
}

interface RpcAnswer {
  id: string;
  result?: Record<string, unknown>;
  error?: { data: { kind: string } };
}

/** One `owkms rpc` process: every request a line, every answer found by its id (answers may come in any order). */
async function rpcAnswers(store: string, requests: Array<[string, string, Record<string, unknown>]>): Promise<Map<string, RpcAnswer>> {
  if (requests.length === 0) return new Map();
  const stdin = requests.map(([id, method, params]) => JSON.stringify({ jsonrpc: '2.0', id, method, params })).join('\n') + '\n';
  const run: OwkmsRun = await owkms(['--store', store, 'rpc'], { env: ENV, stdin, timeoutMs: 60_000 });
  expect(run.timedOut).toBe(false);
  expect(run.code, run.stderr).toBe(0);
  const answers = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as RpcAnswer);
  expect(answers.map((a) => a.id).sort()).toEqual(requests.map(([id]) => id).sort());
  return new Map(answers.map((a) => [a.id, a]));
}

/** Like rpcAnswers, where every line must succeed: the results by id. */
async function rpc(store: string, requests: Array<[string, string, Record<string, unknown>]>): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [id, a] of await rpcAnswers(store, requests)) {
    expect(a.error, `${id}: ${JSON.stringify(a.error)}`).toBeUndefined();
    out.set(id, a.result!);
  }
  return out;
}

const msg = Buffer.from('owkms algorithms: signed, sealed, delivered');
const SALT = Buffer.from('cli salt');
const INFO = Buffer.from('cli info');
const DERIVE = { algorithm: 'aes-256', salt: b64u(SALT), info: b64u(INFO) };
const hkdf = (shared: Uint8Array) => Buffer.from(hkdfSync('sha256', shared, SALT, INFO, 32));
const NIST_HASH: Record<string, string> = { p224: 'sha224', p256: 'sha256', p384: 'sha384', p521: 'sha512' };
const ML_DSA = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const;

function openGcm(key: Buffer, sealed: Record<string, unknown>, alg: CipherGCMTypes = 'aes-256-gcm'): Buffer {
  const d = createDecipheriv(alg, key, unb64u(String(sealed.iv)));
  d.setAuthTag(unb64u(String(sealed.tag)));
  return Buffer.concat([d.update(unb64u(String(sealed.ciphertext))), d.final()]);
}

beforeAll(async () => {
  stores = [tempDir('owkms-alg-a-'), tempDir('owkms-alg-b-')];
  await Promise.all(stores.map(async (s) => expect(await ok(s, ['init', '--seal', 'passphrase'])).toMatchObject({ state: 'unlocked' })));
}, 120_000);
afterAll(() => {
  for (const s of stores ?? []) removeDir(s);
});

describe('owkms keys generate --alg, for every algorithm id', () => {
  it('one one-shot command per algorithm id makes a key of it', async () => {
    const chains: AlgorithmId[][] = [[], []];
    ALGORITHM_IDS.forEach((alg, i) => chains[i % 2]!.push(alg));
    await Promise.all(
      chains.map(async (algs, c) => {
        for (const alg of algs) {
          const args = ['keys', 'generate', '--alg', alg, '--label', `cli ${alg}`, '--exportable'];
          if (alg === 'hd-seed') args.push('--words', '12');
          // The BIP39 passphrase comes from the environment, never an argument.
          const info = await ok<KeyInfo>(stores[c]!, args, undefined, alg === 'hd-seed' ? { OWKMS_BIP39_PASSPHRASE: BIP39_PASSPHRASE } : {});
          expect(info).toMatchObject({ algorithm: alg, label: `cli ${alg}`, provider: 'software', exportable: true, requiresApproval: false });
          expect(info.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
          keys[alg] = info;
          storeOf[alg] = stores[c]!;
        }
      }),
    );
    expect(Object.keys(keys).sort()).toEqual([...ALGORITHM_IDS].sort());
  }, 240_000);

  it('an unknown --alg is a usage error (exit code 2) naming the algorithms there are', async () => {
    const run = await owkms(['--store', stores[0], '--json', 'keys', 'generate', '--alg', 'rsa-1024'], { env: ENV });
    expect(run.code).toBe(2);
    expect(jsonOut<{ error: { kind: string; message: string } }>(run).error).toMatchObject({ kind: 'INVALID_REQUEST', message: expect.stringMatching(/rsa-2048.*not 'rsa-1024'/) });
  });
});

describe('each key does its operations through owkms rpc, checked outside the KMS', () => {
  it('sign, encrypt, mac, agree, encapsulate and derive for every algorithm id', async () => {
    const x25519Peer = generateKeyPairSync('x25519');
    const p = (alg: AlgorithmId) => keys[alg]!.id;
    // Round 1: the operations (and the exports an outside check needs: keys are --exportable, caller cli confirms).
    const requests: Record<string, Array<[string, string, Record<string, unknown>]>> = { [stores[0]]: [], [stores[1]]: [] };
    const add = (alg: AlgorithmId, tag: string, method: string, params: Record<string, unknown>) =>
      requests[storeOf[alg]!]!.push([`${alg}/${tag}`, method, params]);
    const data = b64u(msg);
    for (const alg of ALGORITHM_IDS) {
      const id = p(alg);
      switch (alg) {
        case 'ed25519':
        case 'secp256k1':
        case 'p224':
        case 'p256':
        case 'p384':
        case 'p521':
        case 'rsa-2048':
        case 'rsa-3072':
        case 'rsa-4096':
          add(alg, 'sign', 'crypto.sign', { id, data });
          add(alg, 'spki', 'keys.export', { id, format: 'spki' });
          if (alg === 'secp256k1') add(alg, 'bip340', 'crypto.sign', { id, data: b64u(msg.subarray(0, 32)), scheme: 'bip340' });
          if (alg.startsWith('rsa')) {
            add(alg, 'encrypt', 'crypto.encrypt', { id, data });
            add(alg, 'pkcs8', 'keys.export', { id, format: 'pkcs8', private: true });
          }
          break;
        case 'ml-dsa-44':
        case 'ml-dsa-65':
        case 'ml-dsa-87':
          add(alg, 'sign', 'crypto.sign', { id, data, context: b64u('cli') });
          break;
        case 'aes-128':
        case 'aes-256':
        case 'chacha20-poly1305':
        case 'xchacha20-poly1305':
          add(alg, 'encrypt', 'crypto.encrypt', { id, data, aad: b64u('aad') });
          add(alg, 'key', 'keys.export', { id, format: 'raw', private: true });
          break;
        case 'hmac-sha256':
        case 'hmac-sha384':
        case 'hmac-sha512':
          add(alg, 'mac', 'crypto.mac', { id, data });
          add(alg, 'key', 'keys.export', { id, format: 'raw', private: true });
          break;
        case 'x25519':
          add(alg, 'agree', 'crypto.agree', { id, peerPublicKey: String(x25519Peer.publicKey.export({ format: 'jwk' }).x), derive: DERIVE });
          break;
        case 'ml-kem-768':
          add(alg, 'encapsulate', 'crypto.encapsulate', { id, derive: DERIVE });
          add(alg, 'jwk', 'keys.export', { id, format: 'jwk', private: true });
          break;
        case 'hd-seed':
          add(alg, 'mnemonic', 'keys.export', { id, format: 'mnemonic', private: true });
          add(alg, 'derive', 'keys.derive', { id, path: "m/44'/60'/0'/0/0" });
          break;
        default:
          throw new Error(`no CLI operation for ${alg satisfies never}`);
      }
    }
    const [r0, r1] = await Promise.all(stores.map((s) => rpc(s, requests[s]!)));
    const res = (alg: AlgorithmId, tag: string) => (storeOf[alg] === stores[0] ? r0! : r1!).get(`${alg}/${tag}`)!;
    const bytesOf = (alg: AlgorithmId, tag: string, field: string) => unb64u(String(res(alg, tag)[field]));
    const spki = (alg: AlgorithmId) => createPublicKey({ key: bytesOf(alg, 'spki', 'data'), format: 'der', type: 'spki' });

    expect(nodeVerify(null, msg, spki('ed25519'), bytesOf('ed25519', 'sign', 'signature'))).toBe(true);
    const k1 = unb64u(keys.secp256k1!.publicKey!.raw);
    expect(secp256k1.verify(bytesOf('secp256k1', 'sign', 'signature'), msg, k1, { lowS: true })).toBe(true);
    expect(schnorr.verify(bytesOf('secp256k1', 'bip340', 'signature'), msg.subarray(0, 32), k1.subarray(1))).toBe(true);
    for (const alg of ['p224', 'p256', 'p384', 'p521'] as const) {
      expect(nodeVerify(NIST_HASH[alg]!, msg, { key: spki(alg), dsaEncoding: 'ieee-p1363' }, bytesOf(alg, 'sign', 'signature')), alg).toBe(true);
    }
    for (const alg of ['rsa-2048', 'rsa-3072', 'rsa-4096'] as const) {
      const pss = { key: spki(alg), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      expect(nodeVerify('sha256', msg, pss, bytesOf(alg, 'sign', 'signature')), alg).toBe(true);
      const priv = createPrivateKey({ key: bytesOf(alg, 'pkcs8', 'data'), format: 'der', type: 'pkcs8' });
      const opened = privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, bytesOf(alg, 'encrypt', 'ciphertext'));
      expect(opened, alg).toEqual(msg);
    }
    for (const alg of ['ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87'] as const) {
      const ok1 = ML_DSA[alg].verify(bytesOf(alg, 'sign', 'signature'), msg, unb64u(keys[alg]!.publicKey!.raw), { context: Buffer.from('cli') });
      expect(ok1, alg).toBe(true);
    }
    for (const alg of ['aes-128', 'aes-256'] as const) {
      const d = createDecipheriv(`${alg}-gcm` as CipherGCMTypes, bytesOf(alg, 'key', 'data'), bytesOf(alg, 'encrypt', 'iv'));
      d.setAAD(Buffer.from('aad'));
      d.setAuthTag(bytesOf(alg, 'encrypt', 'tag'));
      expect(Buffer.concat([d.update(bytesOf(alg, 'encrypt', 'ciphertext')), d.final()]), alg).toEqual(msg);
    }
    {
      const s = (tag: string, f: string) => bytesOf('chacha20-poly1305', tag, f);
      const d = createDecipheriv('chacha20-poly1305', s('key', 'data'), s('encrypt', 'iv'), { authTagLength: 16 });
      d.setAAD(Buffer.from('aad'), { plaintextLength: msg.length });
      d.setAuthTag(s('encrypt', 'tag'));
      expect(Buffer.concat([d.update(s('encrypt', 'ciphertext')), d.final()])).toEqual(msg);
      const x = (tag: string, f: string) => bytesOf('xchacha20-poly1305', tag, f);
      const sealed = Buffer.concat([x('encrypt', 'ciphertext'), x('encrypt', 'tag')]);
      expect(Buffer.from(xchacha20poly1305(x('key', 'data'), x('encrypt', 'iv'), Buffer.from('aad')).decrypt(sealed))).toEqual(msg);
    }
    for (const alg of ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const) {
      expect(bytesOf(alg, 'mac', 'mac'), alg).toEqual(createHmac(alg.slice(5), bytesOf(alg, 'key', 'data')).update(msg).digest());
    }
    // hd-seed: the words (and the BIP39 passphrase from the environment) give the same BIP32 key in @scure/bip32.
    const mnemonic = String(res('hd-seed', 'mnemonic').mnemonic);
    expect(mnemonic.split(' ')).toHaveLength(12);
    const node = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic, BIP39_PASSPHRASE)).derive("m/44'/60'/0'/0/0");
    const child = res('hd-seed', 'derive') as unknown as KeyInfo;
    expect(unb64u(child.publicKey!.raw)).toEqual(Buffer.from(node.publicKey!));
    expect(child.extra!.ethereumAddress).toBe(addr.fromPublicKey(node.publicKey!));

    // Round 2: the stored keys that agreement and encapsulation made seal what node:crypto opens with HKDF of the
    // shared secret computed outside (X25519 by node:crypto, ML-KEM decapsulated by noble from the exported seed).
    const agreed = (res('x25519', 'agree').key as KeyInfo).id;
    const encapsulated = (res('ml-kem-768', 'encapsulate').key as KeyInfo).id;
    const round2Lines = new Map<string, Array<[string, string, Record<string, unknown>]>>(stores.map((st) => [st, []]));
    round2Lines.get(storeOf.x25519!)!.push(
      ['x25519/seal', 'crypto.encrypt', { id: agreed, data }],
      // A key made with the CLI has no allowRawAgreement: a raw secret is refused, by agree and by decapsulate.
      ['x25519/raw', 'crypto.agree', { id: p('x25519'), peerPublicKey: String(x25519Peer.publicKey.export({ format: 'jwk' }).x), raw: true }],
    );
    round2Lines.get(storeOf['ml-kem-768']!)!.push(
      ['ml-kem/seal', 'crypto.encrypt', { id: encapsulated, data }],
      ['ml-kem/raw', 'crypto.decapsulate', { id: p('ml-kem-768'), ciphertext: res('ml-kem-768', 'encapsulate').ciphertext, raw: true }],
    );
    const round2 = new Map<string, RpcAnswer>();
    for (const answers of await Promise.all(stores.map((st) => rpcAnswers(st, round2Lines.get(st)!)))) for (const [k, v] of answers) round2.set(k, v);
    expect(round2.get('x25519/raw')!.error!.data.kind).toBe('POLICY_DENIED');
    expect(round2.get('ml-kem/raw')!.error!.data.kind).toBe('POLICY_DENIED');
    const xShared = diffieHellman({ privateKey: x25519Peer.privateKey, publicKey: createPublicKey({ key: keys.x25519!.publicKey!.jwk as never, format: 'jwk' }) });
    expect(openGcm(hkdf(xShared), round2.get('x25519/seal')!.result!)).toEqual(msg);
    const { secretKey } = ml_kem768.keygen(unb64u(String((res('ml-kem-768', 'jwk').jwk as Record<string, string>).priv)));
    const kemShared = ml_kem768.decapsulate(unb64u(String(res('ml-kem-768', 'encapsulate').ciphertext)), secretKey);
    expect(openGcm(hkdf(kemShared), round2.get('ml-kem/seal')!.result!)).toEqual(msg);
  }, 120_000);
});

/** Two sealings under one IV: equal ciphertexts and tags exactly when the two stored keys are the same key. */
function sealTwiceLines(a: string, b: string): Array<[string, string, Record<string, unknown>]> {
  const iv = b64u(Buffer.alloc(12, 7));
  return [
    ['a', 'crypto.encrypt', { id: a, data: b64u(msg), iv }],
    ['b', 'crypto.encrypt', { id: b, data: b64u(msg), iv }],
  ];
}

describe('one-shot commands for the operations beyond sign, encrypt and mac', () => {
  it('keys derive, agree (two parties), encapsulate / decapsulate, jws, wrap / unwrap, keys rotate / retire', async () => {
    const tasks: Array<{ store: string; run: () => Promise<void> }> = [];

    // keys derive: BIP32 secp256k1 (checked by @scure/bip32 from the exported words) and SLIP-10 ed25519.
    tasks.push({
      store: storeOf['hd-seed']!,
      run: async () => {
        const st = storeOf['hd-seed']!;
        const seed = keys['hd-seed']!.id;
        const derived = await ok<KeyInfo>(st, ['keys', 'derive', seed, '--path', "m/44'/0'/0'/0/1", '--label', 'btc 1']);
        expect(derived).toMatchObject({ algorithm: 'secp256k1', label: 'btc 1', derivation: { parentId: seed, path: "m/44'/0'/0'/0/1" } });
        const edChild = await ok<KeyInfo>(st, ['keys', 'derive', seed, '--path', "m/44'/501'/0'/0'", '--child', 'ed25519']);
        expect(edChild).toMatchObject({ algorithm: 'ed25519', derivation: { path: "m/44'/501'/0'/0'" } });
        await fails(st, ['keys', 'derive', seed, '--path', "m/44'/501'/0'/0", '--child', 'ed25519'], 'INVALID_REQUEST');
        const words = await rpc(st, [['m', 'keys.export', { id: seed, format: 'mnemonic', private: true }]]);
        const root = HDKey.fromMasterSeed(mnemonicToSeedSync(String(words.get('m')!.mnemonic), BIP39_PASSPHRASE));
        expect(unb64u(derived.publicKey!.raw)).toEqual(Buffer.from(root.derive("m/44'/0'/0'/0/1").publicKey!));
      },
    });

    // agree: two X25519 keys of one keystore each store a key from the other's public key; they are the same key.
    tasks.push({
      store: storeOf.x25519!,
      run: async () => {
        const xs = storeOf.x25519!;
        const mine = keys.x25519!;
        const other = await ok<KeyInfo>(xs, ['keys', 'generate', '--alg', 'x25519']);
        const a = await ok<{ key: KeyInfo }>(xs, ['agree', mine.id, '--peer', other.publicKey!.raw]);
        const b = await ok<{ key: KeyInfo }>(xs, ['agree', other.id, '--peer', mine.publicKey!.raw, '--derive-alg', 'aes-256', '--label', 'from A']);
        expect(a.key).toMatchObject({ algorithm: 'aes-256', derivation: { parentId: mine.id } });
        expect(b.key).toMatchObject({ algorithm: 'aes-256', label: 'from A', derivation: { parentId: other.id } });
        await fails(xs, ['agree', mine.id, '--peer', other.publicKey!.raw, '--raw'], 'POLICY_DENIED'); // no allowRawAgreement
        const sealed = await rpc(xs, sealTwiceLines(a.key.id, b.key.id));
        expect(sealed.get('a')).toEqual(sealed.get('b'));
      },
    });

    // ML-KEM: encapsulate prints the ciphertext and stores a key; decapsulate of that ciphertext stores the same key.
    tasks.push({
      store: storeOf['ml-kem-768']!,
      run: async () => {
        const ks = storeOf['ml-kem-768']!;
        const enc = await ok<{ ciphertext: string; key: KeyInfo }>(ks, ['encapsulate', keys['ml-kem-768']!.id]);
        expect(unb64u(enc.ciphertext)).toHaveLength(ml_kem768.lengths.cipherText!);
        const dec = await ok<{ key: KeyInfo }>(ks, ['decapsulate', keys['ml-kem-768']!.id, '--ciphertext', enc.ciphertext]);
        expect(dec.key.algorithm).toBe('aes-256');
        const sealed = await rpc(ks, sealTwiceLines(enc.key.id, dec.key.id));
        expect(sealed.get('a')).toEqual(sealed.get('b'));
      },
    });

    // JWS (ES256K): node:crypto verifies the compact form over its signing input.
    tasks.push({
      store: storeOf.secp256k1!,
      run: async () => {
        const payload = Buffer.from('{"sub":"cli"}');
        const { jws } = await ok<{ jws: string }>(storeOf.secp256k1!, ['jws', keys.secp256k1!.id, '--header', '{"alg":"ES256K","kid":"k1"}'], payload);
        const [h, pl, s] = jws.split('.');
        expect(JSON.parse(unb64u(h!).toString())).toEqual({ alg: 'ES256K', kid: 'k1' });
        expect(unb64u(pl!)).toEqual(payload);
        const k1pub = createPublicKey({ key: keys.secp256k1!.publicKey!.jwk as never, format: 'jwk' });
        expect(nodeVerify('sha256', Buffer.from(`${h}.${pl}`), { key: k1pub, dsaEncoding: 'ieee-p1363' }, unb64u(s!))).toBe(true);
      },
    });

    // wrap / unwrap: an HMAC key of the same keystore under an AES-128 key made to wrap (--purposes wrap,unwrap: a
    // key that wraps does nothing else), unwrapped as a new key with the same MACs.
    const ws = storeOf['aes-128']!;
    const hmacAlg = (['hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const).find((x) => storeOf[x] === ws)!;
    tasks.push({
      store: ws,
      run: async () => {
        const kek = await ok<KeyInfo>(ws, ['keys', 'generate', '--alg', 'aes-128', '--purposes', 'wrap,unwrap']);
        expect(kek.purposes).toEqual(['wrap', 'unwrap']);
        await fails(ws, ['wrap', keys['aes-128']!.id, '--key', keys[hmacAlg]!.id, '--mode', 'kwp'], 'POLICY_DENIED');
        const w = await ok<{ wrapped: string; algorithm: string }>(ws, ['wrap', kek.id, '--key', keys[hmacAlg]!.id, '--mode', 'kwp']);
        expect(w.algorithm).toBe(hmacAlg);
        const un = await ok<KeyInfo>(ws, ['unwrap', kek.id, '--alg', hmacAlg, '--wrapped', w.wrapped, '--mode', 'kwp', '--label', 'unwrapped']);
        expect(un).toMatchObject({ algorithm: hmacAlg, label: 'unwrapped', exportable: false });
        const macs = await rpc(ws, [
          ['orig', 'crypto.mac', { id: keys[hmacAlg]!.id, data: b64u(msg) }],
          ['copy', 'crypto.mac', { id: un.id, data: b64u(msg) }],
        ]);
        expect(macs.get('copy')).toEqual(macs.get('orig'));
      },
    });

    // keys rotate / decrypt --key-version / keys retire, on the AES-128 key (after the wrap above in the same chain).
    tasks.push({
      store: ws,
      run: async () => {
        const id = keys['aes-128']!.id;
        const v1 = await ok<{ ciphertext: string; iv: string; tag: string; version: number }>(ws, ['encrypt', id], msg);
        expect(v1.version).toBe(1);
        const rotated = await ok<KeyInfo>(ws, ['keys', 'rotate', id]);
        expect(rotated.version).toBe(2);
        const open = await ok<{ plaintext: string }>(ws, ['decrypt', id, '--iv', v1.iv, '--tag', v1.tag, '--key-version', '1'], unb64u(v1.ciphertext));
        expect(unb64u(open.plaintext)).toEqual(msg);
        expect(await ok(ws, ['keys', 'retire', id, '--below', '2'])).toMatchObject({ id, retired: 1, versions: [2] });
        await fails(ws, ['decrypt', id, '--iv', v1.iv, '--tag', v1.tag, '--key-version', '1'], 'NOT_FOUND', unb64u(v1.ciphertext));
        // The new version seals what node:crypto opens with the (exportable) key's current bytes.
        const cur = await rpc(ws, [
          ['v2', 'crypto.encrypt', { id, data: b64u(msg) }],
          ['k', 'keys.export', { id, format: 'raw', private: true }],
        ]);
        expect(cur.get('v2')!.version).toBe(2);
        expect(openGcm(unb64u(String(cur.get('k')!.data)), cur.get('v2')!, 'aes-128-gcm')).toEqual(msg);
      },
    });

    // Each keystore's tasks in order (one KMS per keystore at a time); the two keystores side by side.
    await Promise.all(
      stores.map(async (st) => {
        for (const t of tasks.filter((x) => x.store === st)) await t.run();
      }),
    );
  }, 240_000);
});
