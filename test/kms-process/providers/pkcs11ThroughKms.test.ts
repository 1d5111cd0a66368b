// PKCS#11 token keys through a real KMS child process against SoftHSM2 tokens made for this run: tokens.list,
// PIN counting with a backoff that survives a restart, keys made on and adopted from a token (every signature
// checked with node:crypto, every key checked non-extractable by reading its attributes with pkcs11js here), a
// token pulled out mid-session, the pkcs11 sealer, the audit chain, and throughput against raw pkcs11js.
import { constants, createHash, createPublicKey, randomBytes, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { p256 as nobleP256, p384 as nobleP384 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import Database from 'better-sqlite3';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, KeyInfo } from '../../../kms-process/api/index.js';
import type { ChannelClient } from '../../../kms-process/client/channelClient.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startKms, tempDir, unb64u, type TestKms } from '../../helpers/kms.js';
import { startSoftHsm, type SoftHsm, type SoftHsmToken } from '../../services/softhsm.js';

const YKCS11 = '/usr/lib/x86_64-linux-gnu/libykcs11.so';

let hsm: SoftHsm;
let raw: RawPkcs11;
const kmss: TestKms[] = [];
const dirs: string[] = [];

function token(label: string): SoftHsmToken {
  const t = hsm.tokens.find((x) => x.label === label);
  if (!t) throw new Error(`no test token ${label}`);
  return t;
}

/** A KMS child that sees this run's SoftHSM (KmsHost passes a minimal environment plus `env`). */
async function kms(opts: { init?: boolean; dir?: string } = {}): Promise<TestKms> {
  const dir = opts.dir ?? tempDir('owkms-p11kms-');
  if (!opts.dir) dirs.push(dir);
  const k = await startKms({ dir, env: { SOFTHSM2_CONF: hsm.confPath } });
  kmss.push(k);
  if (opts.init !== false) await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
  return k;
}

beforeAll(async () => {
  hsm = await startSoftHsm(['keys', 'pins', 'pins-pre', 'unplug', 'seal-any', 'seal-all']);
  raw = new RawPkcs11(hsm.modulePath);
});

afterAll(async () => {
  for (const k of kmss) await k.stop();
  raw?.close();
  for (const d of dirs) removeDir(d);
  await hsm?.cleanup();
});

// ---------------------------------------------------------------------------------------------------------------
// pkcs11js in this test process, over the same token files: the independent witness.

class RawPkcs11 {
  readonly lib = new pkcs11js.PKCS11();
  private readonly sessions = new Map<string, Buffer>();

  constructor(modulePath: string) {
    this.lib.load(modulePath);
    this.lib.C_Initialize();
  }

  /** A logged-in read/write session on the token with this serial (one per serial, kept open). */
  session(t: SoftHsmToken): Buffer {
    const open = this.sessions.get(t.serial);
    if (open) return open;
    const slot = this.lib.C_GetSlotList(true).find((s) => this.lib.C_GetTokenInfo(s).serialNumber.trim() === t.serial);
    if (!slot) throw new Error(`pkcs11js does not see token ${t.serial}`);
    const s = this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    this.lib.C_Login(s, pkcs11js.CKU_USER, t.pin);
    this.sessions.set(t.serial, s);
    return s;
  }

  find(t: SoftHsmToken, template: pkcs11js.Template): Buffer[] {
    const s = this.session(t);
    this.lib.C_FindObjectsInit(s, template);
    try {
      return this.lib.C_FindObjects(s, 64);
    } finally {
      this.lib.C_FindObjectsFinal(s);
    }
  }

  /** The private or secret key object with this CKA_ID (hex): exactly one. */
  keyObject(t: SoftHsmToken, ckaId: string, cls: 'private' | 'secret'): Buffer {
    const found = this.find(t, [
      { type: pkcs11js.CKA_CLASS, value: cls === 'private' ? pkcs11js.CKO_PRIVATE_KEY : pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(ckaId, 'hex') },
    ]);
    expect(found, `${cls} key ${ckaId} on token ${t.label}`).toHaveLength(1);
    return found[0]!;
  }

  bools(t: SoftHsmToken, handle: Buffer, types: number[]): boolean[] {
    const attrs = this.lib.C_GetAttributeValue(this.session(t), handle, types.map((type) => ({ type })));
    return attrs.map((a) => (a.value as Buffer)[0] === 1);
  }

  /** Whether reading the secret value (CKA_VALUE; RSA: CKA_PRIVATE_EXPONENT) is refused, as it must be for a sensitive key. */
  valueRefused(t: SoftHsmToken, handle: Buffer, type: number = pkcs11js.CKA_VALUE): string {
    try {
      const [v] = this.lib.C_GetAttributeValue(this.session(t), handle, [{ type }]);
      return `readable (${(v?.value as Buffer | undefined)?.length ?? 0} bytes)`;
    } catch (e) {
      return /CKR_ATTRIBUTE_SENSITIVE/.test((e as Error).message) ? 'refused' : `other error: ${(e as Error).message}`;
    }
  }

  close(): void {
    for (const s of this.sessions.values()) {
      try {
        this.lib.C_CloseSession(s);
      } catch {
        // The test is over either way.
      }
    }
    try {
      this.lib.C_Finalize();
    } finally {
      this.lib.close();
    }
  }
}

/** Token keys must be sensitive, never extractable, persistent, and their value unreadable. */
function expectNonExtractable(t: SoftHsmToken, ckaId: string, cls: 'private' | 'secret', rsa = false): void {
  const h = raw.keyObject(t, ckaId, cls);
  const [sensitive, extractable, alwaysSensitive, neverExtractable, onToken] = raw.bools(t, h, [
    pkcs11js.CKA_SENSITIVE,
    pkcs11js.CKA_EXTRACTABLE,
    pkcs11js.CKA_ALWAYS_SENSITIVE,
    pkcs11js.CKA_NEVER_EXTRACTABLE,
    pkcs11js.CKA_TOKEN,
  ]);
  expect({ sensitive, extractable, alwaysSensitive, neverExtractable, onToken }, `attributes of ${ckaId}`).toEqual({
    sensitive: true,
    extractable: false,
    alwaysSensitive: true,
    neverExtractable: true,
    onToken: true,
  });
  expect(raw.valueRefused(t, h, rsa ? pkcs11js.CKA_PRIVATE_EXPONENT : pkcs11js.CKA_VALUE), `secret value of ${ckaId}`).toBe('refused');
}

// ---------------------------------------------------------------------------------------------------------------
// Checking signatures with node:crypto.

function publicKeyOf(info: KeyInfo): KeyObject {
  if (info.algorithm.startsWith('rsa-')) return createPublicKey({ key: unb64u(info.publicKey!.raw), format: 'der', type: 'spki' });
  expect(info.publicKey?.jwk, `${info.algorithm} KeyInfo has a public JWK`).toBeDefined();
  return createPublicKey({ key: info.publicKey!.jwk as never, format: 'jwk' });
}

const message = Buffer.from('OpenWallet: sign this on the token');

async function sign(client: ChannelClient, id: string, data: Uint8Array, opts: Record<string, unknown> = {}): Promise<Buffer> {
  const { signature } = await client.call('crypto.sign', { id, data: b64u(data), ...opts } as never);
  return unb64u(signature);
}

/** Entries for a method (and key), an aggregated entry (rejected calls are counted) standing for `count` of them. */
function auditOf(all: AuditEntry[], method: string, keyId?: string): AuditEntry[] {
  return all.filter((e) => e.method === method && (keyId === undefined || e.keyId === keyId)).flatMap((e) => Array.from({ length: e.count ?? 1 }, () => e));
}

/** Outcomes in a stable order: rejected calls are written as counts when their window closes, after the others. */
const sorted = (outcomes: string[]) => [...outcomes].sort();

async function auditAll(client: ChannelClient): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.call('audit.list', cursor === undefined ? {} : { cursor });
    out.push(...page.entries);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/** Keystore rows, read from the SQLite file while no KMS holds it (the KMS locks it exclusively). */
function keyRows(dir: string): Array<{ id: string; provider: string; secret_ct: Buffer | null; secret_iv: Buffer | null; ref: string | null }> {
  const db = new Database(join(dir, 'keystore.sqlite'), { fileMustExist: true });
  try {
    return db.prepare('SELECT id, provider, secret_ct, secret_iv, ref FROM keys').all() as never;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('tokens.list through the KMS', () => {
  it('shows the SoftHSM token with serial, label, flags, PIN state and mechanisms; ykcs11 loads with a reason and no token', async () => {
    expect(existsSync(YKCS11), `${YKCS11} is missing: install the Debian package ykcs11`).toBe(true);
    const k = await kms({ init: false });
    const t = token('keys');
    const list = await k.client.call('tokens.list', {});
    const softhsm = list.modules.find((m) => m.profile === 'softhsm2');
    expect(softhsm).toMatchObject({ path: hsm.modulePath, loaded: true, manufacturer: 'SoftHSM' });
    const mine = list.tokens.find((x) => x.serial === t.serial);
    expect(mine).toMatchObject({
      module: hsm.modulePath,
      profile: 'softhsm2',
      label: 'keys',
      manufacturer: 'SoftHSM project',
      model: 'SoftHSM v2',
      pin: { loggedIn: false, locked: false, finalTry: false, countLow: false, kmsFailures: 0, retryAfterMs: 0 },
    });
    expect(mine!.flags).toEqual(expect.arrayContaining(['loginRequired', 'userPinInitialized', 'tokenInitialized']));
    expect(mine!.mechanisms).toEqual(expect.arrayContaining(['CKM_ECDSA', 'CKM_EDDSA', 'CKM_AES_GCM', 'CKM_RSA_PKCS_PSS', 'CKM_EC_EDWARDS_KEY_PAIR_GEN']));
    // Every token made for this run is there, each with its own serial.
    for (const x of hsm.tokens) expect(list.tokens.map((y) => y.serial)).toContain(x.serial);

    const yk = list.modules.find((m) => m.path === YKCS11);
    expect(yk, 'ykcs11 is found through its profile path').toMatchObject({ profile: 'ykcs11', loaded: true, manufacturer: expect.stringContaining('Yubico') });
    expect(yk!.error).toMatch(/no slots: .*PC\/SC/);
    expect(list.tokens.filter((x) => x.module === YKCS11)).toEqual([]);

    // An unknown serial is NOT_FOUND, not a crash or a wrong-PIN count.
    expect(await kindOf(k.client.call('tokens.login', { token: 'ffffffffffffffff', pin: '1234' }))).toBe('NOT_FOUND');
  });
});

describe('wrong PINs through the KMS', () => {
  it('counts wrong PINs in the keystore: WRONG_SECRET, then LOCKED_OUT with retryAfterMs that survives a restart; the right PIN then logs in', async () => {
    const t = token('pins');
    const wrong = `${t.pin}9`;
    const k = await kms();
    const login = (pin: string) => k.client.call('tokens.login', { token: t.serial, pin });
    const pinState = async () => (await k.client.call('tokens.list', {})).tokens.find((x) => x.serial === t.serial)!.pin;

    for (let i = 1; i <= 3; i++) {
      await expect(login(wrong)).rejects.toMatchObject({ kind: 'WRONG_SECRET', data: { retryAfterMs: i < 3 ? 0 : 1000 } });
      expect(await pinState()).toMatchObject({ kmsFailures: i, loggedIn: false });
    }
    // Backing off: even the right PIN is not tried (so it cannot be confirmed by timing or by success).
    const locked = await login(t.pin).then(
      () => undefined,
      (e: { kind: string; data?: { retryAfterMs?: number } }) => e,
    );
    expect(locked).toMatchObject({ kind: 'LOCKED_OUT' });
    expect(locked!.data!.retryAfterMs).toBeGreaterThan(0);
    expect(locked!.data!.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(await pinState()).toMatchObject({ kmsFailures: 3, loggedIn: false });

    // Each further failure doubles the wait (3 free tries, then 1 s, 2 s, 4 s).
    await sleep(locked!.data!.retryAfterMs! + 50);
    await expect(login(wrong)).rejects.toMatchObject({ kind: 'WRONG_SECRET', data: { retryAfterMs: 2000 } });
    await sleep(2050);
    await expect(login(wrong)).rejects.toMatchObject({ kind: 'WRONG_SECRET', data: { retryAfterMs: 4000 } });

    // A new KMS process over the same keystore still knows.
    await k.restart();
    const after = await pinState();
    expect(after.kmsFailures).toBe(5);
    expect(after.retryAfterMs).toBeGreaterThan(0);
    const stillLocked = await login(t.pin).then(
      () => undefined,
      (e: { kind: string; data?: { retryAfterMs?: number } }) => e,
    );
    expect(stillLocked).toMatchObject({ kind: 'LOCKED_OUT' });
    expect(stillLocked!.data!.retryAfterMs).toBeGreaterThan(0);
    expect(stillLocked!.data!.retryAfterMs).toBeLessThanOrEqual(4000);

    await sleep(stillLocked!.data!.retryAfterMs! + 50);
    expect(await login(t.pin)).toEqual({ serial: t.serial, loggedIn: true });
    expect(await pinState()).toMatchObject({ kmsFailures: 0, retryAfterMs: 0, loggedIn: true });

    // The attempts are in the audit log, with their outcomes, and the chain verifies.
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const outcomes = auditOf(await auditAll(k.client), 'tokens.login').map((e) => e.outcome);
    expect(sorted(outcomes)).toEqual(sorted(['WRONG_SECRET', 'WRONG_SECRET', 'WRONG_SECRET', 'LOCKED_OUT', 'WRONG_SECRET', 'WRONG_SECRET', 'LOCKED_OUT', 'ok']));
    expect(await k.client.call('audit.verify', {})).toMatchObject({ ok: true });
  });

  it('before kms.init the count is kept in memory (a missing store gets no file), and kms.init carries it into the keystore', async () => {
    const t = token('pins-pre');
    const k = await kms({ init: false });
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
    await expect(k.client.call('tokens.login', { token: t.serial, pin: `${t.pin}9` })).rejects.toMatchObject({ kind: 'WRONG_SECRET' });
    const pin = async () => (await k.client.call('tokens.list', {})).tokens.find((x) => x.serial === t.serial)!.pin;
    expect((await pin()).kmsFailures).toBe(1);
    await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    await k.restart();
    expect((await pin()).kmsFailures, 'kms.init keeps the count, in the keystore').toBe(1);
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await k.client.call('tokens.login', { token: t.serial, pin: t.pin })).toMatchObject({ loggedIn: true });
    expect((await pin()).kmsFailures).toBe(0);
  });
});

describe('keys on a token through the KMS', () => {
  let k: TestKms;
  const t = () => token('keys');
  const made = new Map<string, KeyInfo>();

  beforeAll(async () => {
    k = await kms();
    await k.client.call('tokens.login', { token: t().serial, pin: t().pin });
  });

  async function generate(algorithm: string): Promise<KeyInfo> {
    const info = await k.client.call('keys.generate', { algorithm, provider: `pkcs11:${t().serial}`, label: `through-kms ${algorithm}` } as never);
    expect(info).toMatchObject({ algorithm, provider: `pkcs11:${t().serial}`, exportable: false });
    made.set(algorithm, info);
    return info;
  }

  it('a token key needs a login: LOCKED after tokens.logout, and unknown serials are NOT_FOUND', async () => {
    await k.client.call('tokens.logout', { token: t().serial });
    expect(await kindOf(k.client.call('keys.generate', { algorithm: 'p256', provider: `pkcs11:${t().serial}` }))).toBe('LOCKED');
    expect(await kindOf(k.client.call('keys.generate', { algorithm: 'p256', provider: 'pkcs11:0000000000000000' }))).toBe('NOT_FOUND');
    await k.client.call('tokens.login', { token: t().serial, pin: t().pin });
  });

  for (const [algorithm, hash] of [
    ['p256', 'sha256'],
    ['p384', 'sha384'],
    ['secp256k1', 'sha256'],
  ] as const) {
    it(`${algorithm}: ECDSA on the token, P1363 and DER, verified with node:crypto`, async () => {
      const info = await generate(algorithm);
      const pub = publicKeyOf(info);
      const p1363 = await sign(k.client, info.id, message);
      expect(p1363).toHaveLength(algorithm === 'p384' ? 96 : 64);
      expect(nodeVerify(hash, message, { key: pub, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
      expect(nodeVerify(hash, Buffer.from('another message'), { key: pub, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(false);
      const der = await sign(k.client, info.id, message, { format: 'der' });
      expect(der[0]).toBe(0x30);
      expect(nodeVerify(hash, message, { key: pub, dsaEncoding: 'der' }, der)).toBe(true);
      if (algorithm === 'secp256k1') expect(secp256k1.Signature.fromBytes(p1363, 'compact').hasHighS()).toBe(false);
      else {
        const curve = algorithm === 'p256' ? nobleP256 : nobleP384;
        expect(curve.verify(p1363, createHash(hash).update(message).digest(), unb64u(info.publicKey!.raw), { prehash: false, lowS: false })).toBe(true);
      }
      // The KMS (the token) verifies its own signature and refuses a changed one.
      expect(await k.client.call('crypto.verify', { id: info.id, data: b64u(message), signature: b64u(p1363) })).toEqual({ valid: true });
      const bad = Buffer.from(p1363);
      bad[5]! ^= 1;
      expect(await k.client.call('crypto.verify', { id: info.id, data: b64u(message), signature: b64u(bad) })).toEqual({ valid: false });
    });
  }

  it('ed25519: pure EdDSA on the token, verified with node:crypto', async () => {
    const info = await generate('ed25519');
    expect(info.publicKey?.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    const sig = await sign(k.client, info.id, message);
    expect(sig).toHaveLength(64);
    expect(nodeVerify(null, message, publicKeyOf(info), sig)).toBe(true);
    expect(nodeVerify(null, Buffer.concat([message, Buffer.of(0)]), publicKeyOf(info), sig)).toBe(false);
  });

  it('rsa-2048: PSS (SHA-256, salt 32) and PKCS#1 v1.5 on the token, verified with node:crypto', async () => {
    const info = await generate('rsa-2048');
    const pub = publicKeyOf(info);
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const pss = await sign(k.client, info.id, message);
    expect(pss).toHaveLength(256);
    expect(nodeVerify('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss)).toBe(true);
    expect(nodeVerify('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PADDING }, pss)).toBe(false);
    const pkcs1 = await sign(k.client, info.id, message, { scheme: 'pkcs1' });
    expect(nodeVerify('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PADDING }, pkcs1)).toBe(true);
    // PKCS#1 v1.5 is deterministic: a second signature is the same bytes, PSS is salted and is not.
    expect(await sign(k.client, info.id, message, { scheme: 'pkcs1' })).toEqual(pkcs1);
    expect(await sign(k.client, info.id, message)).not.toEqual(pss);
  });

  it('aes-256: AES-GCM encrypt/decrypt round trip on the token; a changed tag is refused', async () => {
    const info = await generate('aes-256');
    expect(info.publicKey).toBeUndefined();
    const plaintext = randomBytes(100);
    const aad = Buffer.from('context');
    const enc = await k.client.call('crypto.encrypt', { id: info.id, data: b64u(plaintext), aad: b64u(aad) });
    expect(enc.mode).toBe('gcm');
    expect(unb64u(enc.iv!)).toHaveLength(12);
    expect(unb64u(enc.tag!)).toHaveLength(16);
    expect(unb64u(enc.ciphertext).equals(plaintext)).toBe(false);
    const dec = await k.client.call('crypto.decrypt', { id: info.id, data: enc.ciphertext, iv: enc.iv!, tag: enc.tag!, aad: b64u(aad) });
    expect(unb64u(dec.plaintext)).toEqual(plaintext);
    const tag = unb64u(enc.tag!);
    tag[0]! ^= 1;
    expect(await kindOf(k.client.call('crypto.decrypt', { id: info.id, data: enc.ciphertext, iv: enc.iv!, tag: b64u(tag), aad: b64u(aad) }))).toBe('INVALID_REQUEST');
    expect(await kindOf(k.client.call('crypto.decrypt', { id: info.id, data: enc.ciphertext, iv: enc.iv!, tag: enc.tag! }))).toBe('INVALID_REQUEST');
  });

  it('keys.export of a token private or secret key is refused; the public part exports', async () => {
    for (const [alg, format] of [
      ['p256', 'jwk'],
      ['ed25519', 'pkcs8'],
      ['aes-256', 'raw'],
    ] as const) {
      const info = made.get(alg)!;
      expect(await kindOf(k.client.call('keys.export', { id: info.id, format, private: true })), `${alg} private export`).toBe('POLICY_DENIED');
    }
    const pub = await k.client.call('keys.export', { id: made.get('p256')!.id, format: 'jwk' });
    expect(pub.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(pub.jwk).not.toHaveProperty('d');
  });

  it('adopts a key made on the token directly (pkcs11js, known CKA_ID) with keys.import format token, and signs with it', async () => {
    const ckaId = randomBytes(8).toString('hex');
    const s = raw.session(t());
    const pair = raw.lib.C_GenerateKeyPair(
      s,
      { mechanism: pkcs11js.CKM_ECDSA_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_ID, value: Buffer.from(ckaId, 'hex') },
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_ID, value: Buffer.from(ckaId, 'hex') },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
      ],
    );
    // The public point as the token holds it (DER OCTET STRING around the uncompressed point).
    const [point] = raw.lib.C_GetAttributeValue(s, pair.publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
    const uncompressed = (point!.value as Buffer).subarray(2);
    expect(uncompressed).toHaveLength(65);

    const info = await k.client.call('keys.import', { format: 'token', provider: `pkcs11:${t().serial}`, locator: ckaId.toUpperCase(), label: 'adopted' });
    expect(info).toMatchObject({ algorithm: 'p256', provider: `pkcs11:${t().serial}`, exportable: false, label: 'adopted' });
    expect(unb64u(info.publicKey!.raw)).toEqual(uncompressed);
    const sig = await sign(k.client, info.id, message);
    const pub = createPublicKey({ key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), uncompressed]), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', message, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    made.set('adopted', info);

    // A CKA_ID with nothing behind it is NOT_FOUND.
    expect(await kindOf(k.client.call('keys.import', { format: 'token', provider: `pkcs11:${t().serial}`, locator: 'deadbeef' }))).toBe('NOT_FOUND');
  });

  it('the keystore rows of token keys hold no secret, only the reference; the token objects are non-extractable', async () => {
    await k.stop();
    const rows = keyRows(k.dir);
    const tokenRows = rows.filter((r) => r.provider === `pkcs11:${t().serial}`);
    expect(tokenRows.map((r) => r.id).sort()).toEqual([...made.values()].map((i) => i.id).sort());
    for (const r of tokenRows) {
      expect(r.secret_ct, `secret_ct of ${r.id}`).toBeNull();
      expect(r.secret_iv, `secret_iv of ${r.id}`).toBeNull();
      const ref = JSON.parse(r.ref!) as { serial: string; ckaId: string };
      expect(ref.serial).toBe(t().serial);
      const alg = [...made.entries()].find(([, i]) => i.id === r.id)![0];
      expectNonExtractable(t(), ref.ckaId, alg === 'aes-256' ? 'secret' : 'private', alg.startsWith('rsa-'));
    }

    // A new KMS process finds the keys again from their references (after unlock and a login).
    await k.host.start();
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await kindOf(sign(k.client, made.get('p256')!.id, message)), 'a fresh KMS has not logged in to the token').toBe('LOCKED');
    await k.client.call('tokens.login', { token: t().serial, pin: t().pin });
    const sig = await sign(k.client, made.get('ed25519')!.id, message);
    expect(nodeVerify(null, message, publicKeyOf(made.get('ed25519')!), sig)).toBe(true);
  });

  it('token operations are in audit.list with the key id, and audit.verify is ok', async () => {
    const all = await auditAll(k.client);
    for (const [alg, info] of made) {
      expect(auditOf(all, alg === 'adopted' ? 'keys.import' : 'keys.generate', info.id), `${alg} creation`).toHaveLength(1);
      expect(auditOf(all, alg === 'adopted' ? 'keys.import' : 'keys.generate', info.id)[0]).toMatchObject({ caller: 'test', outcome: 'ok' });
    }
    const p256Signs = auditOf(all, 'crypto.sign', made.get('p256')!.id);
    expect(p256Signs.length).toBeGreaterThanOrEqual(2);
    expect(p256Signs.every((e) => e.outcome === 'ok' || e.outcome === 'LOCKED')).toBe(true);
    expect(p256Signs.some((e) => e.outcome === 'LOCKED')).toBe(true);
    expect(sorted(auditOf(all, 'crypto.decrypt', made.get('aes-256')!.id).map((e) => e.outcome))).toEqual(sorted(['ok', 'INVALID_REQUEST', 'INVALID_REQUEST']));
    expect(sorted(auditOf(all, 'keys.export', made.get('p256')!.id).map((e) => e.outcome))).toEqual(sorted(['POLICY_DENIED', 'ok']));
    expect(auditOf(all, 'tokens.login').length).toBeGreaterThanOrEqual(3);
    expect(auditOf(all, 'tokens.logout')).toHaveLength(1);
    const verified = await k.client.call('audit.verify', {});
    expect(verified).toMatchObject({ ok: true });
    expect(verified.entries).toBe(all.length);
  });

  it('measures P-256 signing on the token: through the KMS (64 in flight) against raw pkcs11js C_Sign', async () => {
    const info = made.get('p256')!;
    const pub = publicKeyOf(info);
    const data = b64u(message);
    const windowMs = 2000;

    // Through the KMS: 64 calls in flight for about two seconds.
    let kmsOps = 0;
    const samples: string[] = [];
    const t0 = performance.now();
    const end = t0 + windowMs;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (performance.now() < end) {
          const { signature } = await k.client.call('crypto.sign', { id: info.id, data });
          kmsOps += 1;
          if (samples.length < 16) samples.push(signature);
        }
      }),
    );
    const kmsRate = kmsOps / ((performance.now() - t0) / 1000);
    for (const s of samples) expect(nodeVerify('sha256', message, { key: pub, dsaEncoding: 'ieee-p1363' }, unb64u(s))).toBe(true);

    // Raw pkcs11js in this process over the same token key: hash, C_SignInit, C_Sign, one session.
    const s = raw.session(t());
    const handle = raw.find(t(), [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_LABEL, value: 'through-kms p256' },
    ])[0]!;
    expect(handle).toBeDefined();
    let rawOps = 0;
    let lastRaw: Buffer = Buffer.alloc(0);
    const r0 = performance.now();
    while (performance.now() - r0 < windowMs) {
      raw.lib.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, handle);
      lastRaw = raw.lib.C_Sign(s, createHash('sha256').update(message).digest(), Buffer.alloc(64));
      rawOps += 1;
    }
    const rawRate = rawOps / ((performance.now() - r0) / 1000);
    expect(nodeVerify('sha256', message, { key: pub, dsaEncoding: 'ieee-p1363' }, lastRaw)).toBe(true);

    console.log(
      `P-256 sign on SoftHSM2 token: through the KMS (64 in flight, ${kmsOps} ops) ${Math.round(kmsRate)} ops/s; ` +
        `raw pkcs11js C_Sign in the test process (1 session, ${rawOps} ops) ${Math.round(rawRate)} ops/s; ` +
        `ratio ${(kmsRate / rawRate).toFixed(2)}`,
    );
    expect(kmsRate).toBeGreaterThan(200);
    expect(rawRate).toBeGreaterThan(200);
  });
});

describe('a token removed mid-session', () => {
  it('signing is TOKEN_ERROR while the token is away, software keys keep working, and a login after it returns signs again', async () => {
    const t = token('unplug');
    const k = await kms();
    await k.client.call('tokens.login', { token: t.serial, pin: t.pin });
    const onToken = await k.client.call('keys.generate', { algorithm: 'p256', provider: `pkcs11:${t.serial}` });
    const software = await k.client.call('keys.generate', { algorithm: 'p256' });
    expect(nodeVerify('sha256', message, { key: publicKeyOf(onToken), dsaEncoding: 'ieee-p1363' }, await sign(k.client, onToken.id, message))).toBe(true);

    const putBack = await hsm.unplug(t.serial);
    try {
      expect(await kindOf(sign(k.client, onToken.id, message))).toBe('TOKEN_ERROR');
      expect(await kindOf(sign(k.client, onToken.id, message)), 'still TOKEN_ERROR on a second try').toBe('TOKEN_ERROR');
      const sw = await sign(k.client, software.id, message);
      expect(nodeVerify('sha256', message, { key: publicKeyOf(software), dsaEncoding: 'ieee-p1363' }, sw)).toBe(true);
      expect((await k.client.call('keys.list', {})).keys.map((x) => x.id).sort()).toEqual([onToken.id, software.id].sort());
      expect((await k.client.call('tokens.list', {})).tokens.map((x) => x.serial)).not.toContain(t.serial);
      expect(await kindOf(k.client.call('tokens.login', { token: t.serial, pin: t.pin }))).toBe('TOKEN_ERROR');
    } finally {
      await putBack();
    }

    // SoftHSM2 sees a returning token only after C_Finalize/C_Initialize, which the KMS does when the token is named.
    expect(await k.client.call('tokens.login', { token: t.serial, pin: t.pin })).toEqual({ serial: t.serial, loggedIn: true });
    expect((await k.client.call('tokens.list', {})).tokens.find((x) => x.serial === t.serial)?.pin.loggedIn).toBe(true);
    const again = await sign(k.client, onToken.id, message);
    expect(nodeVerify('sha256', message, { key: publicKeyOf(onToken), dsaEncoding: 'ieee-p1363' }, again)).toBe(true);

    const signs = auditOf(await auditAll(k.client), 'crypto.sign', onToken.id).map((e) => e.outcome);
    expect(sorted(signs)).toEqual(sorted(['ok', 'TOKEN_ERROR', 'TOKEN_ERROR', 'ok']));
    expect(await k.client.call('audit.verify', {})).toMatchObject({ ok: true });
  });
});

describe('the pkcs11 sealer through the KMS', () => {
  it("policy any: kms.init seals to the token; lock, a wrong PIN is WRONG_SECRET, the right PIN unlocks (also in a new process)", async () => {
    const t = token('seal-any');
    const k = await kms({ init: false });
    expect(await kindOf(k.client.call('kms.init', { sealers: [{ kind: 'pkcs11', token: t.serial, pin: `${t.pin}9` }] })), 'init with a wrong PIN').toBe('WRONG_SECRET');
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('uninitialized');

    const { keystoreId } = await k.client.call('kms.init', { sealers: [{ kind: 'pkcs11', token: t.serial, pin: t.pin }] });
    const status = await k.client.call('kms.status', {});
    expect(status.sealers.find((s) => s.kind === 'pkcs11')).toMatchObject({ enrolled: true, available: true });
    const sw = await k.client.call('keys.generate', { algorithm: 'ed25519' });

    // The sealing key: one AES key on the token, non-extractable.
    const sealing = raw.find(t, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_LABEL, value: `owkms sealer ${keystoreId}` },
    ]);
    expect(sealing).toHaveLength(1);
    const [ckaId] = raw.lib.C_GetAttributeValue(raw.session(t), sealing[0]!, [{ type: pkcs11js.CKA_ID }]);
    expectNonExtractable(t, (ckaId!.value as Buffer).toString('hex'), 'secret');

    await k.client.call('kms.lock', {});
    expect(await kindOf(sign(k.client, sw.id, message))).toBe('LOCKED');
    expect(await k.client.call('kms.status', { probe: false })).toMatchObject({ state: 'locked', unlockNeeds: ['pin'] });
    expect(await kindOf(k.client.call('kms.unlock', { pin: `${t.pin}9` }))).toBe('WRONG_SECRET');
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE })), 'no passphrase is enrolled').toBe('INVALID_REQUEST');
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
    expect(await k.client.call('kms.unlock', { pin: t.pin })).toEqual({ state: 'unlocked', unlockedBy: ['pkcs11'] });
    expect(nodeVerify(null, message, publicKeyOf(sw), await sign(k.client, sw.id, message))).toBe(true);

    await k.restart();
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
    expect(await k.client.call('kms.unlock', { pin: t.pin })).toMatchObject({ state: 'unlocked', unlockedBy: ['pkcs11'] });
    expect(nodeVerify(null, message, publicKeyOf(sw), await sign(k.client, sw.id, message))).toBe(true);
    expect(await k.client.call('audit.verify', {})).toMatchObject({ ok: true });
  });

  it("policy all with passphrase and pkcs11: either secret alone is refused, both unlock", async () => {
    const t = token('seal-all');
    const k = await kms({ init: false });
    await k.client.call('kms.init', {
      sealers: [
        { kind: 'passphrase', passphrase: PASSPHRASE },
        { kind: 'pkcs11', token: t.serial, pin: t.pin },
      ],
      unlockPolicy: 'all',
    });
    const sw = await k.client.call('keys.generate', { algorithm: 'p256' });
    await k.restart();
    const needs = (await k.client.call('kms.status', { probe: false })).unlockNeeds ?? [];
    expect([...needs].sort()).toEqual(['passphrase', 'pin']);
    expect(await kindOf(k.client.call('kms.unlock', { pin: t.pin })), 'PIN alone').toBe('INVALID_REQUEST');
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE })), 'passphrase alone').toBe('INVALID_REQUEST');
    expect((await k.client.call('kms.status', { probe: false })).state).toBe('locked');
    const both = await k.client.call('kms.unlock', { passphrase: PASSPHRASE, pin: t.pin });
    expect([...both.unlockedBy].sort()).toEqual(['passphrase', 'pkcs11']);
    expect(nodeVerify('sha256', message, { key: publicKeyOf(sw), dsaEncoding: 'ieee-p1363' }, await sign(k.client, sw.id, message))).toBe(true);
  });
});
