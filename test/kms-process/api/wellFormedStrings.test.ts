// Finding 3 of issue 10: a label with an unpaired surrogate made its key TAMPERED for good (the row MAC covered the
// escaped string, SQLite stored U+FFFD). Every string of every method, member names included, must be well-formed
// Unicode: refused at the boundary (INVALID_REQUEST naming the path), before any schema or handler; and the
// keystore's own encoding refuses one too. Labels with astral characters or U+FFFD still round-trip and verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRequest, isResponse, METHOD_NAMES, METHODS, type RpcResponse } from '../../../kms-process/api/index.js';
import { canonical } from '../../../kms-process/keystore/canonical.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir, type TestKms } from '../../helpers/kms.js';
import { spawnRawKms } from '../../helpers/rawKms.js';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const DATA = b64u('data');
const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
const DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const ETH_TO = '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC';
const JWK = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', key_ops: ['verify'], ext: true };

/** One valid params object per method, with at least one string (or member name) wherever the schema has one. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  'kms.status': { probe: false },
  'kms.init': { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }, { kind: 'tpm', tcti: 'swtpm:port=1', auth: 'pin-1234' }, { kind: 'keychain', service: 'owkms' }, { kind: 'pkcs11', token: 'tok', pin: '1234' }], unlockPolicy: 'all' },
  'kms.unlock': { passphrase: PASSPHRASE, pin: '1234' },
  'kms.changeSealers': { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }], passphrase: PASSPHRASE, pin: '1234' },
  'kms.lock': {},
  'kms.configure': { keyCacheMs: 60_000 },
  'kms.backup': { backupPassphrase: 'a backup passphrase' },
  'kms.restore': { backup: DATA, backupPassphrase: 'a backup passphrase', sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }, { kind: 'keychain', service: 'owkms' }], unlockPolicy: 'any' },
  'kms.doctor': { passphrase: PASSPHRASE, pin: '1234', salvageTo: '/tmp/salvaged' },
  'keys.generate': { algorithm: 'hd-seed', label: 'a label', provider: 'software', words: 12, bip39Passphrase: 'extra words', purposes: ['derive'], callers: ['app'] },
  'keys.import': { format: 'jwk', data: JWK, algorithm: 'ed25519', label: 'imported' },
  'keys.list': { cursor: '12', limit: 10 },
  'keys.get': { id: ID },
  'keys.delete': { id: ID },
  'keys.derive': { id: ID, path: "m/44'/0'", child: 'secp256k1', label: 'child' },
  'keys.rotate': { id: ID },
  'keys.retireVersions': { id: ID, below: 2 },
  'keys.update': { id: ID, label: 'new label', policy: { purposes: ['sign'], callers: ['ui'] } },
  'keys.export': { id: ID, format: 'raw', wrapWith: ID, mode: 'kw' },
  'crypto.sign': { id: ID, data: DATA, scheme: 'eddsa', hash: 'sha256', format: 'der', context: DATA },
  'crypto.verify': { id: ID, data: DATA, signature: DATA },
  'crypto.verifyWithPublicKey': { algorithm: 'ed25519', publicKey: { format: 'jwk', data: JWK }, data: DATA, signature: DATA, scheme: 'eddsa' },
  'crypto.signEthTransaction': { id: ID, tx: { chainId: '1', nonce: '0', to: ETH_TO, value: '1', gasLimit: '21000', maxFeePerGas: '2', maxPriorityFeePerGas: '1', data: '0x00' } },
  'crypto.signTypedData': {
    id: ID,
    typedData: {
      types: { Mail: [{ name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      domain: { name: 'Ether Mail', version: '1', chainId: '1', verifyingContract: ETH_TO, salt: `0x${'00'.repeat(32)}` },
      message: { contents: 'Hello, Bob!' },
    },
  },
  'crypto.encrypt': { id: ID, data: DATA, mode: 'gcm', iv: DATA, aad: DATA },
  'crypto.decrypt': { id: ID, data: DATA, mode: 'gcm', iv: DATA, tag: DATA, aad: DATA },
  'crypto.mac': { id: ID, data: DATA },
  'crypto.macVerify': { id: ID, data: DATA, mac: DATA },
  'crypto.agree': { id: ID, peerPublicKey: JWK, derive: { algorithm: 'aes-256', salt: DATA, info: DATA, label: 'agreed' } },
  'crypto.encapsulate': { id: ID, derive: { label: 'kem' } },
  'crypto.decapsulate': { id: ID, ciphertext: DATA, derive: { label: 'kem' } },
  'crypto.wrapKey': { id: ID, keyId: ID, mode: 'kwp' },
  'crypto.unwrapKey': { id: ID, wrapped: DATA, algorithm: 'ed25519', mode: 'kw', label: 'moved', purposes: ['sign'] },
  'crypto.signJws': { id: ID, payload: DATA, header: { alg: 'EdDSA', kid: 'key-1' } },
  'crypto.random': { length: 16 },
  'crypto.batch': { items: [{ method: 'crypto.sign', params: { id: ID, data: DATA } }, { method: 'crypto.encrypt', params: { id: ID, data: DATA, aad: DATA } }] },
  'audit.list': { cursor: '1', limit: 5 },
  'audit.verify': {},
  'tokens.list': {},
  'tokens.login': { token: 'tok', pin: '1234' },
  'tokens.logout': { token: 'tok' },
  'pkcs11.setPin': { pin: '123456' },
  'pkcs11.login': { pin: '123456' },
  'pkcs11.pinStatus': {},
  'remotes.add': { name: 'hsm', host: 'kmip.example', port: 5696, ca: PEM, cert: PEM, key: PEM, maxVersion: '2.0' },
  'remotes.list': { probe: false },
  'remotes.remove': { name: 'hsm' },
  'wallet.export': { password: PASSPHRASE },
  'wallet.import': { wallet: { type: 'EncryptedWallet', id: 'urn:uuid:1' }, password: PASSPHRASE },
  'webkms.createKeystore': { controller: DID },
  'webkms.listKeystores': {},
  'webkms.generateKey': { keystore: ID, type: 'Ed25519VerificationKey2020' },
  'webkms.wrapKey': { id: ID, unwrappedKey: DATA },
  'webkms.unwrapKey': { id: ID, wrappedKey: DATA },
  'webkms.revoke': { keystore: ID, zcapHash: 'A'.repeat(43), expires: 1 },
  'webkms.audit': { operation: 'sign', outcome: 'REPLAYED', keyId: ID },
};

/** Every variant of `value` with one string (or one member name) made ill-formed, with the path that names it. */
function variants(value: unknown, path: string[] = []): Array<{ value: unknown; path: string }> {
  if (typeof value === 'string') return [{ value: `${value}\ud800`, path: path.join('.') }, { value: `\udfff${value}`, path: path.join('.') }];
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => variants(v, [...path, String(i)]).map((x) => ({ value: value.map((w, j) => (j === i ? x.value : w)), path: x.path })));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const inner = entries.flatMap(([k, v]) =>
      variants(v, [...path, k]).map((x) => ({ value: Object.fromEntries(entries.map(([k2, v2]) => [k2, k2 === k ? x.value : v2])), path: x.path })),
    );
    const names = entries.map(([k]) => ({ value: Object.fromEntries(entries.map(([k2, v2]) => [k2 === k ? `${k}\udbff` : k2, v2])), path: path.join('.') || '(a member name)' }));
    return [...inner, ...names];
  }
  return [];
}

const request = (method: string, params: unknown, extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 7, method, params, ...extra });

describe('the boundary check', () => {
  it('has a valid sample for every method', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...METHOD_NAMES].sort());
    for (const m of METHOD_NAMES) {
      const parsed = METHODS[m].params.safeParse(SAMPLES[m]);
      expect(parsed.success, `${m}: ${parsed.error?.message}`).toBe(true);
      expect(isResponse(checkRequest(request(m, SAMPLES[m])))).toBe(false);
    }
  });

  it('refuses an ill-formed string in every field and member name of every method, naming where', () => {
    let checked = 0;
    for (const m of METHOD_NAMES) {
      for (const v of variants(SAMPLES[m], ['params'])) {
        const r = checkRequest(request(m, v.value)) as RpcResponse;
        expect(isResponse(r), `${m} ${v.path}`).toBe(true);
        expect('error' in r && r.error.data, `${m} ${v.path}`).toEqual({ kind: 'INVALID_REQUEST', path: v.path });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('refuses one in the envelope too (id, method, caller), and answers with a well-formed id', () => {
    for (const extra of [{ id: 'x\ud800' }, { method: 'keys.\udc00list' }, { caller: 'u\ud800i' }]) {
      const r = checkRequest(request('keys.list', {}, extra)) as RpcResponse;
      expect('error' in r && r.error.data.kind).toBe('INVALID_REQUEST');
      expect(r.id === null || typeof r.id === 'number').toBe(true);
    }
  });

  it("the keystore's own encoding refuses a lone surrogate (a MAC must cover exactly the bytes stored)", () => {
    expect(() => canonical('test', ['ok', 'x\ud800'])).toThrow(/well-formed/);
    expect(canonical('test', ['😀', '\ufffd']).toString('utf8')).toBe('["test","😀","\ufffd"]');
  });
});

describe('through the KMS', () => {
  let kms: TestKms;
  beforeAll(async () => {
    kms = await startInitializedKms();
  });
  afterAll(async () => {
    await kms.stop();
    removeDir(kms.dir);
  });

  it("the review's label never reaches the keystore; good astral and U+FFFD labels verify after a restart", async () => {
    const c = kms.client;
    expect(await kindOf(c.call('keys.generate', { algorithm: 'ed25519', label: 'x\ud800' }))).toBe('INVALID_REQUEST');
    const k = await c.call('keys.generate', { algorithm: 'ed25519', label: 'wallet 😀 \ufffd' });
    expect(await kindOf(c.call('keys.update', { id: k.id, label: 'y\udc00' }))).toBe('INVALID_REQUEST');
    expect(await kindOf(c.callUnchecked('crypto.batch', { items: [{ method: 'crypto.sign', params: { id: k.id, data: DATA, scheme: 'eddsa\ud800' } }] }))).toBe('INVALID_REQUEST');
    await c.call('keys.update', { id: k.id, label: '𝔀𝓪𝓵𝓵𝓮𝓽' });
    await kms.restart();
    await kms.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect((await kms.client.call('keys.get', { id: k.id })).label).toBe('𝔀𝓪𝓵𝓵𝓮𝓽');
    expect((await kms.client.call('keys.list', {})).keys).toHaveLength(1);
  });
});

describe('over stdio, bytes that are not UTF-8', () => {
  it('become U+FFFD (well-formed), are stored as such, and the key verifies after a restart', async () => {
    const dir = tempDir();
    const raw = spawnRawKms(dir);
    try {
      await raw.hello();
      await raw.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
      // A CESU-8 encoded surrogate (ED A0 80) and a lone continuation byte inside the label.
      const head = Buffer.from('{"jsonrpc":"2.0","id":5,"method":"keys.generate","params":{"algorithm":"ed25519","label":"a');
      raw.write(Buffer.concat([head, Buffer.from([0xed, 0xa0, 0x80, 0x80]), Buffer.from('b"}}\n')]));
      const made = (await raw.next()) as { result: { id: string; label: string } };
      expect(made.result.label).toMatch(/^a\ufffd+b$/);
      await raw.stop();
      const again = await startKms({ dir });
      await again.client.call('kms.unlock', { passphrase: PASSPHRASE });
      expect((await again.client.call('keys.get', { id: made.result.id })).label).toBe(made.result.label);
      await again.stop();
    } finally {
      await raw.stop();
      removeDir(dir);
    }
  });
});
