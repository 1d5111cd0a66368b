// Backups, round trip: a keystore holding every key type (each algorithm, an HD seed and its children, rotated
// symmetric keys with earlier versions, an imported key, a public-only key, narrowed and guarded policies, a key on
// a SoftHSM2 token, a KMIP server with a key on PyKMIP, the PKCS#11 module's PIN) is backed up, restored into an
// empty store under a new passphrase, and then does exactly what it did before: same ids, public keys, addresses and
// policies; deterministic signatures and MACs byte for byte; ciphertexts of the old keystore (every version) open;
// other signatures verify in the old keystore; the seed derives the same children; the token and KMIP keys sign.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHM_IDS, type KeyInfo } from '../../kms-process/api/index.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startKms, tempDir, unb64u, type TestKms } from '../helpers/kms.js';
import { startPyKmip, type PyKmip } from '../services/pykmip.js';
import { startSoftHsm, type SoftHsm } from '../services/softhsm.js';

const BACKUP_PASSPHRASE = 'a backup passphrase of some length';
const NEW_PASSPHRASE = 'the restored keystore passphrase';
const DATA = b64u('the same message, before and after');
const SIGNERS = ['ed25519', 'secp256k1', 'p224', 'p256', 'p384', 'p521', 'rsa-2048', 'ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87'];
const DETERMINISTIC = new Set(['ed25519', 'secp256k1']);
const CIPHERS = ['aes-128', 'aes-256', 'chacha20-poly1305', 'xchacha20-poly1305'];
const MACS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'];

let hsm: SoftHsm;
let kmip: PyKmip;
let a: TestKms;
let b: TestKms;
const dirs: string[] = [];
const byLabel = new Map<string, KeyInfo>();
let listA: KeyInfo[] = [];
const encrypted = new Map<string, Array<{ plaintext: string; ct: { ciphertext: string; iv?: string; tag?: string; mode: string; version?: number } }>>();
let backup = '';

async function listAll(k: TestKms): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await k.client.call('keys.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.keys);
    cursor = page.nextCursor;
  } while (cursor);
  return out.sort((x, y) => (x.id < y.id ? -1 : 1));
}

function env(): Record<string, string> {
  return { SOFTHSM2_CONF: hsm.confPath };
}

beforeAll(async () => {
  [hsm, kmip] = await Promise.all([startSoftHsm(['backup-token']), startPyKmip()]);
  const sandbox = { connect: [`${kmip.host}:${kmip.port}`] };
  const dirA = tempDir('owkms-bk-a-');
  dirs.push(dirA);
  a = await startKms({ dir: dirA, env: env(), sandbox, callers: ['test', 'ui', 'rest', 'pkcs11'] });
  await a.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
  const gen = async (label: string, params: Record<string, unknown>) => {
    const k = await a.client.call('keys.generate', { label, ...params } as never);
    byLabel.set(label, k);
    return k;
  };
  for (const alg of ALGORITHM_IDS) await gen(alg, { algorithm: alg, ...(alg === 'hd-seed' ? { exportable: true } : {}) });
  await gen('guarded', { algorithm: 'p256', requiresApproval: true, callers: ['app', 'cli', 'test'] });
  await gen('narrow', { algorithm: 'ed25519', purposes: ['verify'] });
  await gen('exportable', { algorithm: 'secp256k1', exportable: true });
  const seed = byLabel.get('hd-seed')!;
  byLabel.set('eth-child', await a.client.call('keys.derive', { id: seed.id, path: "m/44'/60'/0'/0/0", label: 'eth-child' }));
  byLabel.set('sol-child', await a.client.call('keys.derive', { id: seed.id, path: "m/44'/501'/0'/0'", child: 'ed25519', label: 'sol-child' }));
  const pub = await a.client.call('keys.export', { id: byLabel.get('p384')!.id, format: 'spki' });
  byLabel.set('public-only', await a.client.call('keys.import', { format: 'spki', data: pub.data!, algorithm: 'p384', label: 'public-only' }));
  // Symmetric keys: a ciphertext from every version of the rotated ones.
  for (const alg of CIPHERS) {
    const id = byLabel.get(alg)!.id;
    const list: Array<{ plaintext: string; ct: never }> = [];
    for (let v = 0; v < (alg === 'aes-256' ? 3 : 1); v++) {
      if (v > 0) await a.client.call('keys.rotate', { id });
      const plaintext = b64u(randomBytes(40));
      list.push({ plaintext, ct: (await a.client.call('crypto.encrypt', { id, data: plaintext })) as never });
    }
    encrypted.set(alg, list);
  }
  // A key on a SoftHSM2 token, a KMIP server with a key on it, and the PKCS#11 module's PIN.
  const tok = hsm.tokens[0]!;
  await a.client.call('tokens.login', { token: tok.serial, pin: tok.pin });
  await gen('token-key', { algorithm: 'p256', provider: `pkcs11:${tok.serial}` });
  await a.client.call('remotes.add', {
    name: 'pykmip',
    host: kmip.host,
    port: kmip.port,
    ca: kmip.pem(kmip.caPath),
    cert: kmip.pem(kmip.client.cert),
    key: kmip.pem(kmip.client.key),
  });
  await gen('kmip-key', { algorithm: 'rsa-2048', provider: 'kmip:pykmip' });
  await a.client.call('pkcs11.setPin', { pin: '246810' });
  listA = await listAll(a);
  const r = await a.client.call('kms.backup', { backupPassphrase: BACKUP_PASSPHRASE });
  expect(r).toMatchObject({ keys: listA.length, versions: 2, remotes: 1 });
  backup = r.backup;
  const dirB = tempDir('owkms-bk-b-');
  dirs.push(dirB);
  b = await startKms({ dir: dirB, env: env(), sandbox, callers: ['test', 'pkcs11'] });
  const restored = await b.client.call('kms.restore', { backup, backupPassphrase: BACKUP_PASSPHRASE, sealers: [{ kind: 'passphrase', passphrase: NEW_PASSPHRASE }] });
  expect(restored).toMatchObject({ state: 'unlocked', keys: listA.length, versions: 2, remotes: 1 });
  expect(restored.keystoreId).not.toBe((await a.client.call('kms.status', { probe: false })).keystoreId);
  await b.client.call('tokens.login', { token: tok.serial, pin: tok.pin });
}, 240_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  for (const d of dirs) removeDir(d);
  await Promise.all([hsm?.cleanup(), kmip?.dispose()]);
});

describe('a restored keystore', () => {
  it('lists the same keys: ids, labels, public keys, addresses, policies, versions, derivations, times', async () => {
    expect(await listAll(b)).toEqual(listA);
  });

  it('signs as before: deterministic signatures are byte-identical, others verify in the original keystore', async () => {
    for (const alg of [...SIGNERS, 'eth-child', 'sol-child', 'exportable', 'token-key', 'kmip-key']) {
      const id = byLabel.get(alg)!.id;
      const sb = await b.client.call('crypto.sign', { id, data: DATA });
      const verdict = await a.client.call('crypto.verify', { id, data: DATA, signature: sb.signature });
      expect(verdict.valid, alg).toBe(true);
      if (DETERMINISTIC.has(byLabel.get(alg)!.algorithm)) {
        expect(sb.signature, alg).toBe((await a.client.call('crypto.sign', { id, data: DATA })).signature);
      }
    }
    // A guarded key stays guarded, a verify-only key still cannot sign.
    expect(await kindOf(b.client.call('crypto.sign', { id: byLabel.get('narrow')!.id, data: DATA }))).toBe('POLICY_DENIED');
  });

  it('opens every ciphertext of the old keystore, every version; MACs are identical', async () => {
    for (const [alg, list] of encrypted) {
      for (const { plaintext, ct } of list) {
        const d = await b.client.call('crypto.decrypt', { id: byLabel.get(alg)!.id, data: ct.ciphertext, iv: ct.iv, tag: ct.tag, mode: ct.mode as never, version: ct.version });
        expect(d.plaintext, `${alg} v${ct.version}`).toBe(plaintext);
      }
    }
    for (const alg of MACS) {
      const id = byLabel.get(alg)!.id;
      expect((await b.client.call('crypto.mac', { id, data: DATA })).mac).toBe((await a.client.call('crypto.mac', { id, data: DATA })).mac);
    }
    const rsa = byLabel.get('rsa-2048')!.id;
    const oaep = await a.client.call('crypto.encrypt', { id: rsa, data: DATA });
    expect((await b.client.call('crypto.decrypt', { id: rsa, data: oaep.ciphertext, mode: oaep.mode })).plaintext).toBe(DATA);
  });

  it('agrees and decapsulates to the same secrets', async () => {
    const peer = await a.client.call('keys.generate', { algorithm: 'x25519' });
    const derive = { algorithm: 'hmac-sha256' as const, info: b64u('restore test') };
    const ka = await a.client.call('crypto.agree', { id: byLabel.get('x25519')!.id, peerPublicKey: peer.publicKey!.raw, derive });
    const kb = await b.client.call('crypto.agree', { id: byLabel.get('x25519')!.id, peerPublicKey: peer.publicKey!.raw, derive });
    expect((await b.client.call('crypto.mac', { id: kb.key!.id, data: DATA })).mac).toBe((await a.client.call('crypto.mac', { id: ka.key!.id, data: DATA })).mac);
    const kem = byLabel.get('ml-kem-768')!.id;
    const enc = await a.client.call('crypto.encapsulate', { id: kem, derive });
    const dec = await b.client.call('crypto.decapsulate', { id: kem, ciphertext: enc.ciphertext, derive });
    expect((await b.client.call('crypto.mac', { id: dec.key!.id, data: DATA })).mac).toBe((await a.client.call('crypto.mac', { id: enc.key!.id, data: DATA })).mac);
  });

  it('holds the same seed: the mnemonic, and a new child derived in both keystores', async () => {
    const seed = byLabel.get('hd-seed')!.id;
    const ma = await a.client.call('keys.export', { id: seed, format: 'mnemonic', private: true });
    const mb = await b.client.call('keys.export', { id: seed, format: 'mnemonic', private: true });
    expect(mb.mnemonic).toBe(ma.mnemonic);
    const path = "m/44'/60'/0'/0/7";
    const ca = await a.client.call('keys.derive', { id: seed, path });
    const cb = await b.client.call('keys.derive', { id: seed, path });
    expect(cb.extra?.ethereumAddress).toBe(ca.extra?.ethereumAddress);
    const ex = await b.client.call('keys.export', { id: byLabel.get('exportable')!.id, format: 'jwk', private: true });
    expect(ex.jwk).toEqual((await a.client.call('keys.export', { id: byLabel.get('exportable')!.id, format: 'jwk', private: true })).jwk);
  });

  it('keeps the KMIP server and the PKCS#11 module PIN; starts its own audit chain with the restore', async () => {
    expect((await b.client.call('remotes.list', {})).remotes.map((r) => r.name)).toEqual(['pykmip']);
    expect(await b.client.call('pkcs11.login', { pin: '246810' }, { caller: 'pkcs11' })).toEqual({ ok: true });
    const audit = await b.client.call('audit.list', { limit: 5 });
    expect(audit.entries[0]).toMatchObject({ seq: 1, method: 'kms.restore', outcome: 'ok' });
    expect((await b.client.call('audit.verify', {})).ok).toBe(true);
  });

  it('opens again after a restart with its new passphrase, its key set whole', async () => {
    await b.restart();
    expect(await kindOf(b.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('WRONG_SECRET');
    await b.client.call('kms.unlock', { passphrase: NEW_PASSPHRASE });
    await expect.poll(async () => (await b.client.call('kms.status', { probe: false })).keySet, { timeout: 20_000 }).toBe('verified');
    // Every key of the backup (the earlier tests added a few of their own).
    const now = new Map((await listAll(b)).map((k) => [k.id, k]));
    for (const k of listA) expect(now.get(k.id), k.label).toEqual(k);
    const id = byLabel.get('ed25519')!.id;
    expect((await b.client.call('crypto.sign', { id, data: DATA })).signature).toBe((await a.client.call('crypto.sign', { id, data: DATA })).signature);
    expect(unb64u(backup).subarray(0, 8).toString()).toBe('OWKMSBAK');
  });
});
