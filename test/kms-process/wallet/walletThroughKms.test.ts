// wallet.export / wallet.import through a real KMS: exportable keys leave in the locked wallet (JWK, mnemonic, HD
// path in the metadata), non-exportable ones only by reference; only `app`/`cli`-class callers may export; a wallet
// imported into another keystore signs and derives exactly as the original; a wallet made by
// @transmute/universal-wallet imports; and `owkms wallet export | owkms wallet import` works end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as transmute from '@transmute/universal-wallet';
import * as vectors from '@transmute/universal-wallet-test-vectors';
import type { KeyInfo } from '../../../kms-process/api/index.js';
import { unlockWallet } from '../../../kms-process/wallet/universalWallet.js';
import { b64u, kindOf, removeDir, startInitializedKms, tempDir, type TestKms } from '../../helpers/kms.js';
import { jsonOut, owkms } from '../../helpers/owkms.js';

const PASSWORD = 'export password 1';
const DATA = b64u('sign me');
let source: TestKms;
const keys: Record<string, KeyInfo> = {};
let exported: { wallet: Record<string, unknown>; exported: number; referenced: number };

beforeAll(async () => {
  source = await startInitializedKms({ callers: ['test', 'ui', 'rest', 'app'] });
  const c = source.client;
  keys.ed = await c.call('keys.generate', { algorithm: 'ed25519', label: 'signing', exportable: true });
  keys.p256 = await c.call('keys.generate', { algorithm: 'p256', exportable: true });
  keys.locked = await c.call('keys.generate', { algorithm: 'secp256k1', label: 'stays home' });
  keys.seed = await c.call('keys.generate', { algorithm: 'hd-seed', exportable: true, words: 12 });
  keys.child = await c.call('keys.derive', { id: keys.seed.id, path: "m/44'/60'/0'/0/0", exportable: true });
  keys.aes = await c.call('keys.generate', { algorithm: 'aes-256', exportable: true });
  exported = await c.call('wallet.export', { password: PASSWORD }, { caller: 'app' });
});

afterAll(async () => {
  await source?.stop();
  removeDir(source?.dir ?? '');
});

describe('wallet.export', () => {
  it('exportable keys in clear inside the lock, the others by reference; HD paths in the metadata', async () => {
    expect(exported.exported).toBe(5);
    expect(exported.referenced).toBe(1);
    expect(exported.wallet.type).toEqual(['VerifiableCredential', 'EncryptedWallet']);
    const text = JSON.stringify(exported.wallet);
    expect(text).not.toContain('privateKeyJwk');
    const contents = await unlockWallet(PASSWORD, exported.wallet);
    const byId = new Map(contents.map((c) => [String(c.id), c]));
    const ref = byId.get(`urn:owkms:key:${keys.locked!.id}`)!;
    expect(ref.type).toBe('OwkmsKeyReference');
    expect(ref).not.toHaveProperty('privateKeyJwk');
    expect(ref.publicKeyJwk).toEqual(keys.locked!.publicKey!.jwk);
    expect(byId.get(`urn:owkms:key:${keys.ed!.id}`)).toMatchObject({ type: 'JsonWebKey2020', name: 'signing', privateKeyJwk: { kty: 'OKP', crv: 'Ed25519', d: expect.any(String) } });
    expect(byId.get(`urn:owkms:key:${keys.seed!.id}`)).toMatchObject({ type: 'Mnemonic', value: expect.stringMatching(/^(\w+ ){11}\w+$/) });
    expect(byId.get(`urn:owkms:key:${keys.child!.id}`)).toMatchObject({ owkms: { derivation: { parentId: keys.seed!.id, path: "m/44'/60'/0'/0/0" } } });
    expect(byId.get(`urn:owkms:key:${keys.aes!.id}`)).toMatchObject({ privateKeyJwk: { kty: 'oct' }, owkms: { algorithm: 'aes-256' } });
  });

  it('the renderer and REST callers may not export or import a wallet', async () => {
    for (const caller of ['ui', 'rest'] as const) {
      expect(await kindOf(source.client.call('wallet.export', { password: PASSWORD }, { caller }))).toBe('POLICY_DENIED');
      expect(await kindOf(source.client.call('wallet.import', { wallet: exported.wallet, password: PASSWORD }, { caller }))).toBe('POLICY_DENIED');
    }
    expect(await kindOf(source.client.call('wallet.export', { password: 'short' }))).toBe('INVALID_REQUEST');
  });
});

describe('wallet.import', () => {
  let target: TestKms;
  beforeAll(async () => {
    target = await startInitializedKms();
  });
  afterAll(async () => {
    await target?.stop();
    removeDir(target?.dir ?? '');
  });

  it('a wrong password imports nothing', async () => {
    expect(await kindOf(target.client.call('wallet.import', { wallet: exported.wallet, password: 'not it' }))).toBe('WRONG_SECRET');
    expect((await target.client.call('keys.list', {})).keys).toHaveLength(0);
  });

  it('into another keystore: the same signatures, the same derived child; the reference is skipped', async () => {
    const r = await target.client.call('wallet.import', { wallet: exported.wallet, password: PASSWORD });
    expect(r.imported).toHaveLength(5);
    expect(r.skipped).toEqual([{ id: `urn:owkms:key:${keys.locked!.id}`, type: 'OwkmsKeyReference', reason: expect.stringMatching(/not exportable/) }]);
    const ed = r.imported.find((k) => k.label === 'signing')!;
    expect(ed.exportable).toBe(false); // imported keys do not export again unless asked
    const sigA = await source.client.call('crypto.sign', { id: keys.ed!.id, data: DATA });
    const sigB = await target.client.call('crypto.sign', { id: ed.id, data: DATA });
    expect(sigB.signature).toBe(sigA.signature); // Ed25519 is deterministic: the same key
    const seed = r.imported.find((k) => k.algorithm === 'hd-seed')!;
    const child = await target.client.call('keys.derive', { id: seed.id, path: "m/44'/60'/0'/0/0" });
    expect(child.publicKey).toEqual(keys.child!.publicKey);
    const aes = r.imported.find((k) => k.algorithm === 'aes-256')!;
    const enc = await source.client.call('crypto.encrypt', { id: keys.aes!.id, data: DATA });
    expect((await target.client.call('crypto.decrypt', { id: aes.id, data: enc.ciphertext, iv: enc.iv, tag: enc.tag })).plaintext).toBe(DATA);
  });

  it('a wallet @transmute/universal-wallet exported: its keys and entropy import, its credential is reported', async () => {
    const contents = vectors.content as unknown as Array<Record<string, unknown>>;
    const wallet = (await transmute.exportContentsAsCredential(vectors.password, [...contents, ...(vectors.wallet_unlocked as unknown as { contents: Array<Record<string, unknown>> }).contents])) as Record<string, unknown>;
    const r = await target.client.call('wallet.import', { wallet, password: vectors.password });
    const ed = r.imported.find((k) => k.algorithm === 'ed25519' && k.publicKey?.jwk?.x === '-lRa1bMYFQRsPjpzEdZsVfnUrPVVxJgQQDrD6s5OXgA');
    expect(ed).toBeDefined();
    expect(r.imported.some((k) => k.algorithm === 'x25519')).toBe(true);
    expect(r.imported.some((k) => k.algorithm === 'hd-seed' && k.label === 'DID Key Secret')).toBe(true);
    expect(r.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/not a key/)]);
  });
});

describe('owkms wallet', () => {
  it('export prints a locked wallet; import reads it on stdin into another keystore', async () => {
    const a = tempDir('owkms-wallet-a-');
    const b = tempDir('owkms-wallet-b-');
    const env = { OWKMS_PASSPHRASE: 'keystore passphrase', OWKMS_WALLET_PASSWORD: 'the wallet password' };
    try {
      for (const dir of [a, b]) expect((await owkms(['--store', dir, '--json', 'init', '--seal', 'passphrase'], { env })).code).toBe(0);
      const key = jsonOut<KeyInfo>(await owkms(['--store', a, '--json', 'keys', 'generate', '--alg', 'ed25519', '--exportable', '--label', 'moved'], { env }));
      const out = await owkms(['--store', a, '--json', 'wallet', 'export'], { env });
      expect(out.code).toBe(0);
      expect(out.stdout).not.toContain('"d"');
      const imported = await owkms(['--store', b, '--json', 'wallet', 'import'], { env, stdin: out.stdout });
      expect(imported.code, imported.stderr).toBe(0);
      const r = jsonOut<{ imported: KeyInfo[] }>(imported);
      expect(r.imported.map((k) => [k.label, k.publicKey?.raw])).toEqual([['moved', key.publicKey?.raw]]);
      const wrong = await owkms(['--store', b, '--json', 'wallet', 'import'], { env: { ...env, OWKMS_WALLET_PASSWORD: 'nope' }, stdin: out.stdout });
      expect(wrong.code).toBe(1);
      expect(jsonOut<{ error: { kind: string } }>(wrong).error.kind).toBe('WRONG_SECRET');
    } finally {
      removeDir(a);
      removeDir(b);
    }
  });
});
