// `kmip:NAME` keys through a real KMS child process and a real PyKMIP server: remotes.add/list/remove (and who may
// call them), keys made on the server with the same output formats as software keys (RSA signatures checked by
// node:crypto against the KeyInfo's public key), the keystore keeping only references and the client key
// encrypted, policy, approval and audit as for other keys, a dead or hung server never stalling local keys, and a
// tampered remotes table.
import { constants, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, KeyInfo } from '../../../../kms-process/api/index.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir, unb64u, type TestKms } from '../../../helpers/kms.js';
import { startPyKmip, type PyKmip } from '../../../services/pykmip.js';

let server: PyKmip;
let kms: TestKms;
/** A server that accepts TCP connections and never answers (a hung KMIP server), reachable through the sandbox. */
let silent: Server;
let silentPort: number;
const DATA = b64u('transfer 10 to bob');

function remoteParams(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    host: server.host,
    port: server.port,
    ca: server.pem(server.caPath),
    cert: server.pem(server.client.cert),
    key: server.pem(server.client.key),
    ...extra,
  };
}

beforeAll(async () => {
  server = await startPyKmip();
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  silentPort = (silent.address() as { port: number }).port;
  // The KMS's sandbox allows TCP connect only to endpoints named at its start (or recorded by remotes.add).
  kms = await startInitializedKms({ callers: ['test', 'ui', 'rest', 'app'], sandbox: { connect: [`127.0.0.1:${server.port}`, `127.0.0.1:${silentPort}`] } });
});

afterAll(async () => {
  silent?.close();
  await kms?.stop();
  removeDir(kms?.dir ?? '');
  await server?.dispose();
});

describe('remotes', () => {
  it('remotes.add connects, negotiates 2.0 with PyKMIP, and stores the remote; list shows it without the key', async () => {
    const added = await kms.client.call('remotes.add', remoteParams('pykmip'));
    expect(added).toMatchObject({ name: 'pykmip', host: '127.0.0.1', port: server.port, probe: { reachable: true, version: '2.0' } });
    expect(added.probe?.vendor).toMatch(/PyKMIP/);
    expect(added.clientCertificate.subject).toContain('owkms-test-client');
    const pinned = await kms.client.call('remotes.add', remoteParams('pykmip14', { maxVersion: '1.4' }));
    expect(pinned.probe?.version).toBe('1.4');
    const list = await kms.client.call('remotes.list', { probe: true });
    expect(list.remotes.map((r) => [r.name, r.probe?.version])).toEqual([['pykmip', '2.0'], ['pykmip14', '1.4']]);
    expect(JSON.stringify(list)).not.toContain('PRIVATE KEY');
  });

  it('a duplicate name, a key that does not match the certificate, and a refused certificate are not stored', async () => {
    expect(await kindOf(kms.client.call('remotes.add', remoteParams('pykmip')))).toBe('INVALID_REQUEST');
    const mismatch = remoteParams('mismatch', { key: server.pem(server.rogue.key) });
    expect(await kindOf(kms.client.call('remotes.add', mismatch))).toBe('INVALID_REQUEST');
    const rogue = remoteParams('rogue', { cert: server.pem(server.rogue.cert), key: server.pem(server.rogue.key) });
    const e = await kms.client.call('remotes.add', rogue).catch((x: { kind: string; message: string }) => x);
    expect(e).toMatchObject({ kind: 'REMOTE_ERROR' });
    expect((e as { message: string }).message).toMatch(/KMIP server 'rogue'.*TLS/);
    const names = (await kms.client.call('remotes.list', {})).remotes.map((r) => r.name);
    expect(names).toEqual(['pykmip', 'pykmip14']);
  });

  it('the renderer and REST callers may not call remotes.* (a remote is key material); bad params are INVALID_REQUEST', async () => {
    for (const caller of ['ui', 'rest'] as const) {
      expect(await kindOf(kms.client.call('remotes.list', {}, { caller }))).toBe('POLICY_DENIED');
      expect(await kindOf(kms.client.call('remotes.add', remoteParams('x'), { caller }))).toBe('POLICY_DENIED');
      expect(await kindOf(kms.client.call('remotes.remove', { name: 'pykmip' }, { caller }))).toBe('POLICY_DENIED');
    }
    expect(await kindOf(kms.client.call('remotes.add', { ...remoteParams('bad name!') }))).toBe('INVALID_REQUEST');
    expect(await kindOf(kms.client.call('remotes.add', { ...remoteParams('x'), key: 'not pem' }))).toBe('INVALID_REQUEST');
    expect(await kindOf(kms.client.call('keys.generate', { algorithm: 'aes-256', provider: 'kmip:nosuch' }))).toBe('NOT_FOUND');
  });
});

describe('keys on the server', () => {
  let aes: KeyInfo;
  let rsa: KeyInfo;
  let hmac: KeyInfo;

  beforeAll(async () => {
    aes = await kms.client.call('keys.generate', { algorithm: 'aes-256', provider: 'kmip:pykmip', label: 'remote aes' });
    rsa = await kms.client.call('keys.generate', { algorithm: 'rsa-2048', provider: 'kmip:pykmip', label: 'remote rsa' });
    hmac = await kms.client.call('keys.generate', { algorithm: 'hmac-sha256', provider: 'kmip:pykmip14' });
  });

  it('KeyInfo: the provider, the purposes the server offers, not exportable; RSA with its public key', () => {
    expect(aes).toMatchObject({ provider: 'kmip:pykmip', algorithm: 'aes-256', purposes: ['encrypt', 'decrypt'], exportable: false });
    expect(rsa).toMatchObject({ provider: 'kmip:pykmip', purposes: ['sign', 'verify'] });
    expect(rsa.publicKey?.jwk).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    expect(hmac).toMatchObject({ provider: 'kmip:pykmip14', purposes: ['mac', 'macVerify'] });
  });

  it('AES-GCM: iv (12 bytes), ciphertext and tag (16 bytes) as for software keys; decrypt round trip; a wrong tag is the server\'s refusal', async () => {
    const plain = randomBytes(300);
    const enc = await kms.client.call('crypto.encrypt', { id: aes.id, data: b64u(plain), aad: b64u('hdr') });
    expect(enc.mode).toBe('gcm');
    expect(unb64u(enc.iv!)).toHaveLength(12);
    expect(unb64u(enc.tag!)).toHaveLength(16);
    expect(unb64u(enc.ciphertext)).toHaveLength(300);
    expect(enc.version).toBeUndefined();
    const dec = await kms.client.call('crypto.decrypt', { id: aes.id, data: enc.ciphertext, iv: enc.iv, tag: enc.tag, aad: b64u('hdr') });
    expect(unb64u(dec.plaintext)).toEqual(plain);
    const badTag = unb64u(enc.tag!);
    badTag[3]! ^= 1;
    const e = await kms.client.call('crypto.decrypt', { id: aes.id, data: enc.ciphertext, iv: enc.iv, tag: b64u(badTag), aad: b64u('hdr') }).catch((x: { kind: string; message: string }) => x);
    expect(e).toMatchObject({ kind: 'REMOTE_ERROR' });
    expect((e as { message: string }).message).toMatch(/Decrypt failed: .+/); // PyKMIP reports a wrong tag as General Failure
    const cbc = await kms.client.call('crypto.encrypt', { id: aes.id, data: b64u(plain), mode: 'cbc' });
    expect(unb64u(cbc.iv!)).toHaveLength(16);
    expect(unb64u((await kms.client.call('crypto.decrypt', { id: aes.id, data: cbc.ciphertext, iv: cbc.iv, mode: 'cbc' })).plaintext)).toEqual(plain);
  });

  it('RSA: PSS (default) and PKCS#1 v1.5 signatures from the server verify with node:crypto against KeyInfo\'s public key', async () => {
    const pub = createPublicKey({ key: unb64u(rsa.publicKey!.raw), format: 'der', type: 'spki' });
    const pss = await kms.client.call('crypto.sign', { id: rsa.id, data: DATA });
    const sig = unb64u(pss.signature);
    expect(sig).toHaveLength(256);
    expect(nodeVerify('sha256', unb64u(DATA), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)).toBe(true);
    const pkcs1 = await kms.client.call('crypto.sign', { id: rsa.id, data: DATA, scheme: 'pkcs1', hash: 'sha384' });
    expect(nodeVerify('sha384', unb64u(DATA), { key: pub, padding: constants.RSA_PKCS1_PADDING }, unb64u(pkcs1.signature))).toBe(true);
    expect((await kms.client.call('crypto.verify', { id: rsa.id, data: DATA, signature: pss.signature })).valid).toBe(true);
    expect((await kms.client.call('crypto.verify', { id: rsa.id, data: b64u('other'), signature: pss.signature })).valid).toBe(false);
    // What a software RSA key refuses, a KMIP one refuses the same way.
    expect(await kindOf(kms.client.call('crypto.sign', { id: rsa.id, data: DATA, prehashed: true }))).toBe('UNSUPPORTED');
    expect(await kindOf(kms.client.call('crypto.encrypt', { id: rsa.id, data: DATA }))).toBe('POLICY_DENIED');
  });

  it('HMAC (registered on a 1.4 connection): mac and macVerify', async () => {
    const mac = await kms.client.call('crypto.mac', { id: hmac.id, data: DATA });
    expect(unb64u(mac.mac)).toHaveLength(32);
    expect((await kms.client.call('crypto.macVerify', { id: hmac.id, data: DATA, mac: mac.mac })).valid).toBe(true);
    const bad = unb64u(mac.mac);
    bad[0]! ^= 1;
    expect((await kms.client.call('crypto.macVerify', { id: hmac.id, data: DATA, mac: b64u(bad) })).valid).toBe(false);
  });

  it('EC key pairs: PyKMIP makes RSA pairs only; the KMS reports the server\'s reason as REMOTE_ERROR', async () => {
    const e = await kms.client.call('keys.generate', { algorithm: 'p256', provider: 'kmip:pykmip' }).catch((x: { kind: string; message: string }) => x);
    expect(e).toMatchObject({ kind: 'REMOTE_ERROR' });
    expect((e as { message: string }).message).toMatch(/KMIP server 'pykmip': CreateKeyPair failed: .+/);
    expect(await kindOf(kms.client.call('keys.generate', { algorithm: 'ed25519', provider: 'kmip:pykmip' }))).toBe('UNSUPPORTED');
  });

  it('policy, approval and audit apply as to any key', async () => {
    const guarded = await kms.client.call('keys.generate', { algorithm: 'rsa-2048', provider: 'kmip:pykmip', requiresApproval: true, callers: ['app', 'ui', 'test'] });
    expect(await kindOf(kms.client.call('crypto.sign', { id: guarded.id, data: DATA }, { caller: 'ui' }))).toBe('APPROVAL_DENIED');
    expect(await kindOf(kms.client.call('crypto.sign', { id: guarded.id, data: DATA }, { caller: 'rest' }))).toBe('POLICY_DENIED');
    expect((await kms.client.call('crypto.sign', { id: guarded.id, data: DATA }, { caller: 'app' })).signature).toBeTruthy();
    const encOnly = await kms.client.call('keys.generate', { algorithm: 'aes-128', provider: 'kmip:pykmip', purposes: ['encrypt'] });
    const enc = await kms.client.call('crypto.encrypt', { id: encOnly.id, data: DATA });
    expect(await kindOf(kms.client.call('crypto.decrypt', { id: encOnly.id, data: enc.ciphertext, iv: enc.iv, tag: enc.tag }))).toBe('POLICY_DENIED');
    expect(await kindOf(kms.client.call('keys.export', { id: rsa.id, format: 'pkcs8', private: true }))).not.toBe('resolved');
    await kms.client.call('kms.lock', {});
    await kms.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const entries: AuditEntry[] = (await kms.client.call('audit.list', { limit: 1000 })).entries;
    const mine = entries.filter((x) => x.keyId === guarded.id).map((x) => `${x.caller} ${x.method} ${x.outcome}`);
    // Refusals are counted in aggregated entries (issue 10), written after the successful calls around them.
    expect(mine.sort()).toEqual(['app crypto.sign ok', 'rest crypto.sign POLICY_DENIED', 'test keys.generate ok', 'ui crypto.sign APPROVAL_DENIED']);
    expect(entries.some((x) => x.method === 'remotes.add' && x.outcome === 'ok')).toBe(true);
    expect((await kms.client.call('audit.verify', {})).ok).toBe(true);
    // After lock and unlock the remote's client is rebuilt from the keystore.
    expect((await kms.client.call('crypto.sign', { id: rsa.id, data: DATA })).signature).toBeTruthy();
  });

  it('a remote with keys on it is not removed; one without is', async () => {
    expect(await kindOf(kms.client.call('remotes.remove', { name: 'pykmip' }))).toBe('INVALID_REQUEST');
    await kms.client.call('remotes.add', remoteParams('spare'));
    expect(await kms.client.call('remotes.remove', { name: 'spare' })).toEqual({ name: 'spare', removed: true });
    expect(await kindOf(kms.client.call('remotes.remove', { name: 'spare' }))).toBe('NOT_FOUND');
  });

  it('a hung server costs its own callers one timeout; local keys answer meanwhile (no head-of-line blocking)', async () => {
    await kms.client.call('remotes.add', { ...remoteParams('hung'), port: silentPort, check: false, timeoutMs: 3000 });
    // remotes.list with probe sends a request to every remote, the hung one included.
    const local = await kms.client.call('keys.generate', { algorithm: 'ed25519' });
    const t0 = Date.now();
    const slow = kms.client.call('remotes.list', { probe: true });
    let localDone = 0;
    const localTimes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = Date.now();
      await kms.client.call('crypto.sign', { id: local.id, data: DATA });
      localTimes.push(Date.now() - s);
      localDone++;
    }
    const localElapsed = Date.now() - t0;
    const probed = await slow;
    const slowElapsed = Date.now() - t0;
    expect(localDone).toBe(50);
    expect(localElapsed).toBeLessThan(2500); // 50 local signatures while the hung probe is still waiting
    expect(Math.max(...localTimes)).toBeLessThan(1000);
    const hung = probed.remotes.find((r) => r.name === 'hung')!;
    expect(hung.probe).toMatchObject({ reachable: false });
    expect(hung.probe?.error).toMatch(/KMIP server 'hung'/);
    expect(slowElapsed).toBeGreaterThanOrEqual(2500);
    expect(slowElapsed).toBeLessThan(8000);
    await kms.client.call('remotes.remove', { name: 'hung' });
  });

  it('the server stopped mid-run: REMOTE_ERROR at once, local keys keep working; the server back: kmip keys work again', async () => {
    const local = await kms.client.call('keys.generate', { algorithm: 'p256' });
    await server.stop();
    const t0 = Date.now();
    const e = await kms.client.call('crypto.sign', { id: rsa.id, data: DATA }).catch((x: { kind: string; message: string }) => x);
    expect(e).toMatchObject({ kind: 'REMOTE_ERROR' });
    expect((e as { message: string }).message).toMatch(/KMIP server 'pykmip'/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await kindOf(kms.client.call('crypto.encrypt', { id: aes.id, data: DATA }))).toBe('REMOTE_ERROR');
    expect((await kms.client.call('crypto.sign', { id: local.id, data: DATA })).signature).toBeTruthy();
    await server.restart();
    const sig = await kms.client.call('crypto.sign', { id: rsa.id, data: DATA, scheme: 'pkcs1' });
    const pub = createPublicKey({ key: unb64u(rsa.publicKey!.raw), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', unb64u(DATA), { key: pub, padding: constants.RSA_PKCS1_PADDING }, unb64u(sig.signature))).toBe(true);
  });
});

describe('the sandbox', () => {
  it('a KMS started without the endpoint cannot reach the server (REMOTE_ERROR naming the sandbox); remotes.add records it, and the next start reaches it', async () => {
    const k = await startInitializedKms();
    try {
      const refused = await k.client.call('remotes.add', remoteParams('pykmip')).catch((e: { kind: string; message: string }) => e);
      expect(refused).toMatchObject({ kind: 'REMOTE_ERROR', message: expect.stringContaining('sandbox') });
      // Recorded without the probe (--no-check): the endpoint is then in the store's sandbox.json for the next start.
      await k.client.call('remotes.add', { ...remoteParams('pykmip'), check: false });
      expect(JSON.parse(readFileSync(join(k.dir, 'sandbox.json'), 'utf8')).connect).toEqual([`127.0.0.1:${server.port}`]);
      const c = await k.restart();
      await c.call('kms.unlock', { passphrase: PASSPHRASE });
      const key = await c.call('keys.generate', { algorithm: 'aes-256', provider: 'kmip:pykmip' });
      const enc = await c.call('crypto.encrypt', { id: key.id, data: b64u('through the sandbox') });
      expect(enc.ciphertext.length).toBeGreaterThan(0);
      await c.call('keys.delete', { id: key.id });
      await c.call('remotes.remove', { name: 'pykmip' });
      expect(JSON.parse(readFileSync(join(k.dir, 'sandbox.json'), 'utf8')).connect).toEqual([]);
    } finally {
      await k.stop();
      removeDir(k.dir);
    }
  });
});

describe('what the keystore holds', () => {
  let dir: string;

  beforeAll(async () => {
    const k = await startInitializedKms({ sandbox: { connect: [`127.0.0.1:${server.port}`] } });
    dir = k.dir;
    await k.client.call('remotes.add', remoteParams('pykmip'));
    const key = await k.client.call('keys.generate', { algorithm: 'aes-256', provider: 'kmip:pykmip' });
    await k.client.call('kms.lock', {});
    expect(key.provider).toBe('kmip:pykmip');
    await k.stop();
  });
  afterAll(() => removeDir(dir));

  it('the key row keeps the server\'s unique identifier and no secret; the client key is not in the file in clear', () => {
    const db = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
    const row = db.prepare('SELECT provider, ref, secret_ct FROM keys').get() as { provider: string; ref: string; secret_ct: Buffer | null };
    db.close();
    expect(row.provider).toBe('kmip:pykmip');
    expect(row.secret_ct).toBeNull();
    expect(JSON.parse(row.ref)).toEqual({ uid: expect.any(String) });
    const file = readFileSync(join(dir, 'keystore.sqlite'));
    const keyBody = server.pem(server.client.key).split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    expect(file.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    expect(file.includes(Buffer.from(keyBody.slice(0, 48)))).toBe(false);
    expect(file.includes(Buffer.from('BEGIN CERTIFICATE'))).toBe(true); // the certificates are public, stored as they are
  });

  async function unlockAnd(copyEdit: (db: Database.Database) => void): Promise<string> {
    const d = tempDir();
    const src = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
    await src.backup(join(d, 'keystore.sqlite'));
    src.close();
    const db = new Database(join(d, 'keystore.sqlite'));
    copyEdit(db);
    db.close();
    const k = await startKms({ dir: d });
    try {
      await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
      await k.client.call('remotes.list', {});
      return 'listed';
    } catch (e) {
      return (e as { kind: string }).kind;
    } finally {
      await k.stop();
      removeDir(d);
    }
  }

  it('an edited host, a flipped client-key byte, a deleted or an added remote row: TAMPERED', async () => {
    expect(await unlockAnd(() => {})).toBe('listed');
    expect(await unlockAnd((db) => db.prepare("UPDATE remotes SET host = 'evil.example'").run())).toBe('TAMPERED');
    expect(await unlockAnd((db) => db.prepare('UPDATE remotes SET key_ct = ?').run(randomBytes(64)))).toBe('TAMPERED');
    expect(await unlockAnd((db) => db.prepare('DELETE FROM remotes').run())).toBe('TAMPERED');
    expect(
      await unlockAnd((db) => {
        const r = db.prepare('SELECT * FROM remotes').get() as Record<string, unknown>;
        db.prepare('INSERT INTO remotes (name, host, port, ca, cert, options, key_iv, key_ct, created_at, mac) VALUES (@n, @host, @port, @ca, @cert, @options, @key_iv, @key_ct, @created_at, @mac)').run({ ...r, n: 'copy' });
      }),
    ).toBe('TAMPERED');
  });
});
