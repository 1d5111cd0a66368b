// Key policy against a hostile renderer (issue 10), through a real KMS child whose channel speaks for `ui`, `app`,
// `rest` and `test`: usage separation (finding 1), no key material moved for the renderer (finding 2 and the
// coordinator's rule), inherited guards (finding 4), rights that only go down from `ui` (finding 5), deletion, and
// crypto.batch items checked exactly like single calls. Each test is one of the review's attacks or its class.
import { createCipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, KeyInfo } from '../../../kms-process/api/index.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startKms, tempDir, type TestKms } from '../../helpers/kms.js';
import { keystoreWithStoredKeys } from '../../helpers/inProcessKeystore.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startKms({ callers: ['test', 'ui', 'app', 'rest'] });
  await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
});
afterAll(async () => {
  await kms.stop();
  removeDir(kms.dir);
});

type Params = Record<string, unknown>;
const as = (caller: Caller) => (method: string, params: Params) => kms.client.callUnchecked(method, params, { caller });
const ui = as('ui');
const app = as('app');
const rest = as('rest');
const key = async (caller: (m: string, p: Params) => Promise<unknown>, params: Params) => (await caller('keys.generate', params)) as KeyInfo;
const data = b64u('attack at dawn');
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('usage separation: a key that wraps or unwraps does nothing else (finding 1)', () => {
  it('new keys leave wrap/unwrap out by default; mixing them with any other use is refused everywhere a policy is set', async () => {
    const rsa = await key(ui, { algorithm: 'rsa-2048' });
    expect(rsa.purposes.sort()).toEqual(['decrypt', 'encrypt', 'sign', 'verify']);
    expect((await key(ui, { algorithm: 'aes-256' })).purposes).toEqual(['encrypt', 'decrypt']);
    expect((await key(app, { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] })).purposes).toEqual(['wrap', 'unwrap']);
    for (const caller of [ui, app]) {
      expect(await kindOf(caller('keys.generate', { algorithm: 'rsa-2048', purposes: ['wrap', 'decrypt'] }))).toBe('POLICY_DENIED');
      expect(await kindOf(caller('keys.generate', { algorithm: 'aes-256', purposes: ['unwrap', 'encrypt'] }))).toBe('POLICY_DENIED');
    }
    expect(await kindOf(app('keys.import', { format: 'raw', algorithm: 'aes-256', data: b64u(randomBytes(32)), purposes: ['wrap', 'encrypt'] }))).toBe('POLICY_DENIED');
    expect(await kindOf(app('keys.update', { id: rsa.id, policy: { purposes: ['decrypt', 'wrap'] } }))).toBe('POLICY_DENIED');
    const kek = await key(app, { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] });
    const target = await key(app, { algorithm: 'aes-128' });
    const { wrapped } = (await app('crypto.wrapKey', { id: kek.id, keyId: target.id })) as { wrapped: string };
    expect(await kindOf(app('crypto.unwrapKey', { id: kek.id, wrapped, algorithm: 'aes-128', purposes: ['encrypt', 'unwrap'] }))).toBe('POLICY_DENIED');
    // Keys made from a shared secret are known to the peer: they never wrap, whoever asks.
    const x = await key(app, { algorithm: 'x25519' });
    const peer = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!;
    const shared = (await app('crypto.agree', { id: x.id, peerPublicKey: peer })) as { key: KeyInfo };
    expect(shared.key.purposes).toEqual(['encrypt', 'decrypt']);
    expect(await kindOf(app('keys.update', { id: shared.key.id, policy: { purposes: ['wrap', 'unwrap'] } }))).toBe('POLICY_DENIED');
  });

  it("the review's extractions fail for every caller: RSA wrap-then-decrypt, wrapped export, AES-KW undone with ECB", async () => {
    const secret = randomBytes(32);
    const target = (await app('keys.import', { format: 'raw', algorithm: 'hmac-sha256', data: b64u(secret) })) as KeyInfo;
    const seed = (await app('keys.import', { format: 'mnemonic', data: MNEMONIC })) as KeyInfo;
    for (const caller of [ui, app]) {
      const rsaKek = await key(caller, { algorithm: 'rsa-2048', purposes: ['wrap', 'unwrap'] });
      const aesKek = await key(caller, { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] });
      for (const kek of [rsaKek, aesKek]) {
        expect(await kindOf(caller('crypto.decrypt', { id: kek.id, data: b64u(randomBytes(256)), mode: kek.algorithm === 'aes-256' ? 'ecb' : 'oaep' }))).toBe('POLICY_DENIED');
        expect(await kindOf(caller('crypto.encrypt', { id: kek.id, data, mode: kek.algorithm === 'aes-256' ? 'ecb' : 'oaep' }))).toBe('POLICY_DENIED');
      }
    }
    // The renderer cannot wrap at all (nor export wrapped), so there is nothing to decrypt.
    const uiKek = await key(ui, { algorithm: 'rsa-2048', purposes: ['wrap', 'unwrap'] });
    for (const id of [target.id, seed.id]) {
      expect(await kindOf(ui('crypto.wrapKey', { id: uiKek.id, keyId: id }))).toBe('POLICY_DENIED');
      expect(await kindOf(ui('keys.export', { id, format: 'raw', wrapWith: uiKek.id }))).toBe('POLICY_DENIED');
    }
    // The app may wrap (after its prompt), and the wrapped bytes still open with no key of this keystore but by unwrap.
    const appKek = await key(app, { algorithm: 'rsa-2048', purposes: ['wrap', 'unwrap'] });
    const { wrapped } = (await app('crypto.wrapKey', { id: appKek.id, keyId: seed.id })) as { wrapped: string };
    expect(await kindOf(app('crypto.decrypt', { id: appKek.id, data: wrapped }))).toBe('POLICY_DENIED');
  });

  it('keys stored before the rule with both kinds keep their data purposes; wrap and unwrap are refused until app narrows them', async () => {
    const dir = tempDir();
    const [legacyAes, legacyRsa] = await keystoreWithStoredKeys(dir, [
      { algorithm: 'aes-256', policy: { purposes: ['encrypt', 'decrypt', 'wrap', 'unwrap'], exportable: false, requiresApproval: false } },
      { algorithm: 'rsa-2048', policy: { purposes: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap'], exportable: false, requiresApproval: false } },
    ]);
    const old = await startKms({ dir, callers: ['test', 'ui', 'app'] });
    try {
      const c = old.client;
      await c.call('kms.unlock', { passphrase: PASSPHRASE });
      const other = await c.call('keys.generate', { algorithm: 'aes-128' });
      for (const id of [legacyAes!, legacyRsa!]) {
        expect(await kindOf(c.call('crypto.wrapKey', { id, keyId: other.id }, { caller: 'app' }))).toBe('POLICY_DENIED');
        expect(await kindOf(c.call('crypto.unwrapKey', { id, wrapped: b64u(randomBytes(40)), algorithm: 'aes-128' }, { caller: 'app' }))).toBe('POLICY_DENIED');
      }
      const ct = await c.call('crypto.encrypt', { id: legacyAes!, data }, { caller: 'ui' });
      expect((await c.call('crypto.decrypt', { id: legacyAes!, data: ct.ciphertext, iv: ct.iv!, tag: ct.tag! }, { caller: 'ui' })).plaintext).toBe(data);
      // The renderer may narrow but not pick the key-moving side (that would be a right the key does not have now).
      expect(await kindOf(c.call('keys.update', { id: legacyAes!, policy: { purposes: ['wrap'] } }, { caller: 'ui' }))).toBe('POLICY_DENIED');
      const narrowed = await c.call('keys.update', { id: legacyRsa!, label: 'old rsa' }, { caller: 'ui' });
      expect(narrowed.purposes).toContain('wrap'); // a label change stores nothing new about purposes
      const relabelled = await c.call('keys.update', { id: legacyRsa!, policy: { exportable: false } }, { caller: 'ui' });
      expect(relabelled.purposes.sort()).toEqual(['decrypt', 'encrypt', 'sign', 'verify']);
      const kekNow = await c.call('keys.update', { id: legacyAes!, policy: { purposes: ['wrap', 'unwrap'] } }, { caller: 'app' });
      expect(kekNow.purposes).toEqual(['wrap', 'unwrap']);
      expect(await kindOf(c.call('crypto.decrypt', { id: legacyAes!, data: ct.ciphertext, iv: ct.iv!, tag: ct.tag! }, { caller: 'app' }))).toBe('POLICY_DENIED');
      await c.call('crypto.wrapKey', { id: legacyAes!, keyId: other.id }, { caller: 'app' });
    } finally {
      await old.stop();
      removeDir(dir);
    }
  });
});

describe('moving key material is never a renderer (or REST) operation (finding 2)', () => {
  it('no unwrap (planting), no private, wrapped or mnemonic export, no raw shared secret, whatever the key allows', async () => {
    // The review's planting: encrypt chosen bytes under its own key, then unwrap them into a key of its choosing.
    const kek = await key(app, { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] });
    const chosen = randomBytes(32);
    const c = createCipheriv('id-aes256-wrap', randomBytes(32), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const blob = b64u(Buffer.concat([c.update(chosen), c.final()]));
    for (const caller of [ui, rest]) {
      expect(await kindOf(caller('crypto.unwrapKey', { id: kek.id, wrapped: blob, algorithm: 'ed25519' }))).toBe('POLICY_DENIED');
    }
    const exportable = await key(app, { algorithm: 'ed25519', exportable: true });
    const seed = await key(app, { algorithm: 'hd-seed', words: 12, exportable: true });
    const raw = await key(app, { algorithm: 'x25519', allowRawAgreement: true });
    const kem = await key(app, { algorithm: 'ml-kem-768', allowRawAgreement: true });
    const peer = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!;
    for (const caller of [ui, rest]) {
      expect(await kindOf(caller('keys.export', { id: exportable.id, format: 'jwk', private: true }))).toBe('POLICY_DENIED');
      expect(await kindOf(caller('keys.export', { id: exportable.id, format: 'pkcs8', private: true }))).toBe('POLICY_DENIED');
      expect(await kindOf(caller('keys.export', { id: seed.id, format: 'mnemonic', private: true }))).toBe('POLICY_DENIED');
      expect(await kindOf(caller('crypto.agree', { id: raw.id, peerPublicKey: peer, raw: true }))).toBe('POLICY_DENIED');
      expect(await kindOf(caller('crypto.encapsulate', { id: kem.id, raw: true }))).toBe('POLICY_DENIED');
    }
    // A caller that speaks for the user (the app after its trusted prompt) still can.
    expect(((await app('keys.export', { id: exportable.id, format: 'jwk', private: true })) as { jwk: { d?: string } }).jwk.d).toBeDefined();
    expect(((await app('crypto.agree', { id: raw.id, peerPublicKey: peer, raw: true })) as { sharedSecret?: string }).sharedSecret).toBeDefined();
    // ...and the renderer keeps what is public.
    expect(((await ui('keys.export', { id: exportable.id, format: 'jwk' })) as { jwk: { d?: string } }).jwk.d).toBeUndefined();
  });
});

describe("a key made from another inherits its guards (finding 4)", () => {
  it('HD children, agreed and decapsulated secrets and unwrapped keys keep approval, caller limits and non-exportability', async () => {
    const seed = await key(app, { algorithm: 'hd-seed', words: 12, requiresApproval: true, callers: ['app', 'ui'] });
    expect(await kindOf(ui('keys.derive', { id: seed.id, path: "m/44'/60'/0'/0/0" }))).toBe('APPROVAL_DENIED');
    const child = (await app('keys.derive', { id: seed.id, path: "m/44'/60'/0'/0/0", requiresApproval: false, exportable: true, callers: ['app', 'cli'] })) as KeyInfo;
    expect(child).toMatchObject({ requiresApproval: true, exportable: false, callers: ['app'] });
    expect(await kindOf(ui('crypto.sign', { id: child.id, data }))).toBe('POLICY_DENIED');

    const x = await key(app, { algorithm: 'x25519', requiresApproval: true, callers: ['app', 'ui'] });
    const peer = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!;
    expect(await kindOf(ui('crypto.agree', { id: x.id, peerPublicKey: peer }))).toBe('APPROVAL_DENIED');
    const agreed = ((await app('crypto.agree', { id: x.id, peerPublicKey: peer })) as { key: KeyInfo }).key;
    expect(agreed).toMatchObject({ requiresApproval: true, exportable: false, callers: ['app', 'ui'], derivation: { parentId: x.id, path: 'shared-secret' } });
    expect(await kindOf(ui('crypto.encrypt', { id: agreed.id, data }))).toBe('APPROVAL_DENIED');

    const kem = await key(app, { algorithm: 'ml-kem-768', callers: ['app'] });
    const enc = (await app('crypto.encapsulate', { id: kem.id })) as { ciphertext: string; key: KeyInfo };
    const dec = ((await app('crypto.decapsulate', { id: kem.id, ciphertext: enc.ciphertext })) as { key: KeyInfo }).key;
    for (const k of [enc.key, dec]) {
      expect(k.callers).toEqual(['app']);
      expect(await kindOf(ui('crypto.encrypt', { id: k.id, data }))).toBe('POLICY_DENIED');
    }

    const kek = await key(app, { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'], requiresApproval: true, callers: ['app', 'cli'] });
    const inner = await key(app, { algorithm: 'ed25519' });
    const { wrapped } = (await app('crypto.wrapKey', { id: kek.id, keyId: inner.id })) as { wrapped: string };
    const unwrapped = (await app('crypto.unwrapKey', { id: kek.id, wrapped, algorithm: 'ed25519', requiresApproval: false })) as KeyInfo;
    expect(unwrapped).toMatchObject({ requiresApproval: true, exportable: false, callers: ['app', 'cli'], derivation: { parentId: kek.id, path: 'unwrapped' } });
  });
});

describe('from the renderer, rights only go down (finding 5)', () => {
  it('every widening is refused from ui and allowed from app; every narrowing is allowed from ui', async () => {
    const k = await key(app, { algorithm: 'p256', callers: ['ui', 'app'] });
    for (const policy of [{ exportable: true }, { allowRawAgreement: true }, { callers: ['ui', 'app', 'rest'] }]) {
      expect(await kindOf(ui('keys.update', { id: k.id, policy })), JSON.stringify(policy)).toBe('POLICY_DENIED');
    }
    const narrowed = (await ui('keys.update', { id: k.id, policy: { purposes: ['verify'] } })) as KeyInfo;
    expect(narrowed.purposes).toEqual(['verify']);
    expect(await kindOf(ui('keys.update', { id: k.id, policy: { purposes: ['verify', 'sign'] } }))).toBe('POLICY_DENIED');
    expect(await kindOf(ui('crypto.sign', { id: k.id, data }))).toBe('POLICY_DENIED');
    const guarded = (await ui('keys.update', { id: k.id, policy: { requiresApproval: true } })) as KeyInfo;
    expect(guarded.requiresApproval).toBe(true);
    expect(await kindOf(ui('keys.update', { id: k.id, policy: { requiresApproval: false } }))).toBe('APPROVAL_DENIED');
    // The app (after its prompt) widens again, so nothing the renderer narrows is lost for good.
    const back = (await app('keys.update', { id: k.id, policy: { purposes: ['sign', 'verify'], requiresApproval: false, exportable: true } })) as KeyInfo;
    expect(back).toMatchObject({ requiresApproval: false, exportable: true });
    // Even a key the renderer shut the app out of.
    const shut = (await ui('keys.update', { id: k.id, policy: { callers: ['ui'], exportable: false } })) as KeyInfo;
    expect(shut.callers).toEqual(['ui']);
    expect(await kindOf(app('crypto.sign', { id: k.id, data }))).toBe('POLICY_DENIED');
    expect(((await app('keys.update', { id: k.id, policy: { callers: ['ui', 'app'] } })) as KeyInfo).callers).toEqual(['ui', 'app']);
    // The exportable flag the app set does not make a private export reachable for the renderer.
    await app('keys.update', { id: k.id, policy: { exportable: true } });
    expect(await kindOf(ui('keys.export', { id: k.id, format: 'jwk', private: true }))).toBe('POLICY_DENIED');
  });

  it('deleting a key that holds a secret needs the app; what can be had again (public-only, an HD child) the renderer may delete', async () => {
    const secret = await key(ui, { algorithm: 'ed25519' });
    expect(await kindOf(ui('keys.delete', { id: secret.id }))).toBe('APPROVAL_DENIED');
    expect(await kindOf(rest('keys.delete', { id: secret.id }))).toBe('POLICY_DENIED');
    const pub = (await app('keys.import', { format: 'raw', algorithm: 'ed25519', data: secret.publicKey!.raw })) as KeyInfo;
    expect(await ui('keys.delete', { id: pub.id })).toEqual({ id: pub.id, deleted: true });
    const seed = await key(app, { algorithm: 'hd-seed', words: 12 });
    const child = (await ui('keys.derive', { id: seed.id, path: "m/0'" })) as KeyInfo;
    expect(await ui('keys.delete', { id: child.id })).toEqual({ id: child.id, deleted: true });
    expect(await kindOf(ui('keys.delete', { id: seed.id }))).toBe('APPROVAL_DENIED');
    expect(await app('keys.delete', { id: secret.id })).toEqual({ id: secret.id, deleted: true });
  });
});

describe('crypto.batch: each item gets exactly the checks of the same call outside a batch', () => {
  it('the same kinds, item by item, for ui and rest', async () => {
    const guarded = await key(app, { algorithm: 'ed25519', requiresApproval: true });
    const appOnly = await key(app, { algorithm: 'hmac-sha256', callers: ['app'] });
    const kek = await key(app, { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] });
    const plain = await key(app, { algorithm: 'ed25519' });
    const items = [
      { method: 'crypto.sign', params: { id: guarded.id, data } },
      { method: 'crypto.mac', params: { id: appOnly.id, data } },
      { method: 'crypto.decrypt', params: { id: kek.id, data: b64u(randomBytes(32)), mode: 'ecb' } },
      { method: 'crypto.encrypt', params: { id: kek.id, data, mode: 'ecb' } },
      { method: 'crypto.sign', params: { id: plain.id, data } },
      { method: 'crypto.verify', params: { id: guarded.id, data, signature: b64u(randomBytes(64)) } },
    ];
    for (const caller of [ui, rest]) {
      const single = await Promise.all(items.map((i) => kindOf(caller(i.method, i.params))));
      const { results } = (await caller('crypto.batch', { items })) as { results: Array<{ result?: unknown; error?: { kind: string } }> };
      expect(results.map((r) => r.error?.kind ?? 'resolved')).toEqual(single);
      expect(single).toEqual(['APPROVAL_DENIED', 'POLICY_DENIED', 'POLICY_DENIED', 'POLICY_DENIED', 'resolved', 'resolved']);
    }
  });
});
