// Every algorithm id THROUGH a KMS child process: keys.generate, then the key's operations over the protocol, each
// result checked by an implementation outside the KMS (node:crypto, @noble/*, @scure/*, micro-eth-signer, and a
// SLIP-10 written here from the spec). Then official vectors through import (RFC 8032, RFC 6979 secp256k1, BIP39 +
// BIP32, SLIP-10, EIP-191 / EIP-55), JWS, key wrapping within and between keystores, rotation, agreement, policies.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { addr, eip191Signer } from 'micro-eth-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHM_IDS, type AlgorithmId, type KeyInfo } from '../../../kms-process/api/index.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, type TestKms, unb64u } from '../../helpers/kms.js';
import { BIP39_ENGLISH, BIP39_PASSPHRASE } from '../algorithms/vectors/bip39English.js';
import { SLIP10_ED25519 } from '../algorithms/vectors/slip10Ed25519.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startInitializedKms({ timeoutMs: 120_000 });
});
afterAll(async () => {
  await kms?.stop();
  if (kms) removeDir(kms.dir);
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers: calls over the protocol, and the outside implementations' key objects.

type Params = Record<string, unknown>;
const call = <T = Record<string, unknown>>(method: string, params: Params, k: TestKms = kms): Promise<T> =>
  k.client.callUnchecked(method, params) as Promise<T>;

const gen = (algorithm: AlgorithmId, extra: Params = {}, k: TestKms = kms) => call<KeyInfo>('keys.generate', { algorithm, ...extra }, k);
const importKey = (params: Params, k: TestKms = kms) => call<KeyInfo>('keys.import', params, k);

async function sign(id: string, data: Uint8Array, opts: Params = {}, k: TestKms = kms): Promise<Buffer> {
  return unb64u((await call<{ signature: string }>('crypto.sign', { id, data: b64u(data), ...opts }, k)).signature);
}
async function verify(id: string, data: Uint8Array, signature: Uint8Array, opts: Params = {}): Promise<boolean> {
  return (await call<{ valid: boolean }>('crypto.verify', { id, data: b64u(data), signature: b64u(signature), ...opts })).valid;
}
interface Sealed {
  ciphertext: string;
  mode: string;
  iv?: string;
  tag?: string;
  version?: number;
}
const encrypt = (id: string, data: Uint8Array, opts: Params = {}, k: TestKms = kms) => call<Sealed>('crypto.encrypt', { id, data: b64u(data), ...opts }, k);
async function decrypt(id: string, sealed: { ciphertext: Uint8Array | string; iv?: Uint8Array | string; tag?: Uint8Array | string }, opts: Params = {}, k: TestKms = kms): Promise<Buffer> {
  const enc = (v: Uint8Array | string | undefined) => (v === undefined ? undefined : typeof v === 'string' ? v : b64u(v));
  const params: Params = { id, data: enc(sealed.ciphertext), ...opts };
  if (sealed.iv !== undefined) params.iv = enc(sealed.iv);
  if (sealed.tag !== undefined) params.tag = enc(sealed.tag);
  return unb64u((await call<{ plaintext: string }>('crypto.decrypt', params, k)).plaintext);
}
/** The private key in clear: an exportable key, exported by the `test` caller (one that may confirm). */
async function exportPrivate(id: string, format: 'raw' | 'pkcs8' = 'raw'): Promise<Buffer> {
  return unb64u((await call<{ data: string }>('keys.export', { id, format, private: true })).data!);
}
async function exportJwk(id: string, priv = false): Promise<Record<string, string>> {
  return (await call<{ jwk: Record<string, string> }>('keys.export', { id, format: 'jwk', private: priv })).jwk;
}
async function spkiKey(id: string): Promise<KeyObject> {
  const { data } = await call<{ data: string }>('keys.export', { id, format: 'spki' });
  return createPublicKey({ key: unb64u(data), format: 'der', type: 'spki' });
}
const raw = (info: KeyInfo) => unb64u(info.publicKey!.raw);

/** HKDF-SHA256 as documented for crypto.agree / encapsulate `derive` (salt and info given explicitly). */
const SALT = Buffer.from('owkms test salt');
const INFO = Buffer.from('owkms test info');
const DERIVE = { algorithm: 'aes-256', salt: b64u(SALT), info: b64u(INFO) };
const hkdf = (shared: Uint8Array) => Buffer.from(hkdfSync('sha256', shared, SALT, INFO, 32));

/** A stored aes-256 key equals `expected` bytes: what the KMS seals with it, node:crypto opens with them. */
async function expectStoredAesKey(id: string, expected: Buffer): Promise<void> {
  const pt = randomBytes(40);
  const s = await encrypt(id, pt, { mode: 'gcm' });
  const d = createDecipheriv('aes-256-gcm', expected, unb64u(s.iv!));
  d.setAuthTag(unb64u(s.tag!));
  expect(Buffer.concat([d.update(unb64u(s.ciphertext)), d.final()])).toEqual(pt);
}

const msg = Buffer.from('openwallet through the KMS: \u00e9\u00e8 \u2713');
const NIST: Record<string, { curve: string; hash: string; bytes: number }> = {
  p224: { curve: 'secp224r1', hash: 'sha224', bytes: 28 },
  p256: { curve: 'prime256v1', hash: 'sha256', bytes: 32 },
  p384: { curve: 'secp384r1', hash: 'sha384', bytes: 48 },
  p521: { curve: 'secp521r1', hash: 'sha512', bytes: 66 },
};

/** SLIP-10 for ed25519 (satoshilabs slip-0010), written here from the spec on node:crypto: the test's own check. */
function slip10Ed25519(seed: Uint8Array, path: string): { key: Buffer; chain: Buffer; publicKey: Buffer } {
  let I = createHmac('sha512', 'ed25519 seed').update(seed).digest();
  let key = I.subarray(0, 32);
  let chain = I.subarray(32);
  for (const seg of path.split('/').slice(1)) {
    const index = (Number(seg.replace(/['hH]$/, '')) | 0x80000000) >>> 0;
    const ser = Buffer.alloc(4);
    ser.writeUInt32BE(index);
    I = createHmac('sha512', chain).update(Buffer.concat([Buffer.from([0]), key, ser])).digest();
    key = I.subarray(0, 32);
    chain = I.subarray(32);
  }
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key]), format: 'der', type: 'pkcs8' });
  const publicKey = Buffer.from(String(createPublicKey(priv).export({ format: 'jwk' }).x), 'base64url');
  return { key: Buffer.from(key), chain: Buffer.from(chain), publicKey };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Every algorithm id: generate -> its operations through the KMS -> an independent check.

const ML_DSA = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const;

const CHECKS: Record<AlgorithmId, () => Promise<void>> = {
  ed25519: async () => {
    const k = await gen('ed25519');
    expect(k.publicKey!.jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: k.publicKey!.raw });
    const pub = createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' });
    const sig = await sign(k.id, msg);
    expect(nodeVerify(null, msg, pub, sig)).toBe(true);
    expect(await sign(k.id, msg)).toEqual(sig); // pure EdDSA is deterministic
    const other = generateKeyPairSync('ed25519');
    const theirs = await importKey({ format: 'jwk', data: other.publicKey.export({ format: 'jwk' }) });
    expect(await verify(theirs.id, msg, nodeSign(null, msg, other.privateKey))).toBe(true);
    expect(k.extra).toMatchObject({ didKey: expect.stringMatching(/^did:key:z6Mk/), solanaAddress: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/) });
  },

  x25519: async () => {
    const k = await gen('x25519', { allowRawAgreement: true });
    const peer = generateKeyPairSync('x25519');
    const expected = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' }) });
    const peerJwk = peer.publicKey.export({ format: 'jwk' });
    const r = await call<{ sharedSecret: string }>('crypto.agree', { id: k.id, peerPublicKey: String(peerJwk.x), raw: true });
    expect(unb64u(r.sharedSecret)).toEqual(expected);
    const stored = await call<{ key: KeyInfo }>('crypto.agree', { id: k.id, peerPublicKey: peerJwk, derive: DERIVE });
    expect(stored.key).toMatchObject({ algorithm: 'aes-256', derivation: { parentId: k.id } });
    await expectStoredAesKey(stored.key.id, hkdf(expected));
    expect(k.extra?.didKey).toMatch(/^did:key:z6LS/);
  },

  secp256k1: async () => {
    const k = await gen('secp256k1', { allowRawAgreement: true });
    const pub = raw(k);
    expect(pub).toHaveLength(33); // compressed
    // ECDSA (RFC 6979, low-S): p1363 by default, checked by noble (which also enforces low-S) and node:crypto (DER).
    const p1363 = await sign(k.id, msg);
    expect(secp256k1.verify(p1363, msg, pub, { lowS: true })).toBe(true);
    const nodePub = createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify('sha256', msg, { key: nodePub, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
    const der = await sign(k.id, msg, { format: 'der' });
    expect(nodeVerify('sha256', msg, { key: nodePub, dsaEncoding: 'der' }, der)).toBe(true);
    // Recoverable r||s||v: noble recovers this public key from it.
    const rec = await sign(k.id, msg, { format: 'recoverable' });
    expect(rec).toHaveLength(65);
    const nobleOrder = Buffer.concat([rec.subarray(64), rec.subarray(0, 64)]);
    expect(Buffer.from(secp256k1.recoverPublicKey(nobleOrder, msg))).toEqual(pub);
    // BIP340 Schnorr over a 32-byte message, x-only key.
    const m32 = randomBytes(32);
    const bip340 = await sign(k.id, m32, { scheme: 'bip340' });
    expect(schnorr.verify(bip340, m32, pub.subarray(1))).toBe(true);
    const nobleSchnorr = schnorr.sign(m32, secp256k1.utils.randomSecretKey());
    expect(await verify(k.id, m32, nobleSchnorr, { scheme: 'bip340' })).toBe(false); // someone else's key
    // EIP-191 personal_sign: micro-eth-signer recovers the address shown in KeyInfo.extra (EIP-55).
    const eip = await sign(k.id, msg, { scheme: 'eip191' });
    expect(k.extra!.ethereumAddress).toBe(addr.fromPublicKey(pub));
    expect(eip191Signer.recoverAddress('0x' + eip.toString('hex'), msg)).toBe(k.extra!.ethereumAddress);
    expect(eip191Signer.verify('0x' + eip.toString('hex'), msg, k.extra!.ethereumAddress!)).toBe(true);
    expect(k.extra).toMatchObject({ bitcoinP2wpkh: expect.stringMatching(/^bc1q/), bitcoinP2tr: expect.stringMatching(/^bc1p/), didKey: expect.stringMatching(/^did:key:zQ3s/) });
    // ECDH: noble's shared point's x-coordinate.
    const peer = secp256k1.utils.randomSecretKey();
    const r = await call<{ sharedSecret: string }>('crypto.agree', { id: k.id, peerPublicKey: b64u(secp256k1.getPublicKey(peer, false)), raw: true });
    expect(unb64u(r.sharedSecret)).toEqual(Buffer.from(secp256k1.getSharedSecret(peer, pub).subarray(1)));
    // A noble signature verifies through the KMS.
    const theirs = secp256k1.utils.randomSecretKey();
    const imported = await importKey({ format: 'raw', algorithm: 'secp256k1', data: b64u(secp256k1.getPublicKey(theirs)) });
    expect(await verify(imported.id, msg, secp256k1.sign(msg, theirs))).toBe(true);
  },

  ...Object.fromEntries(
    (['p224', 'p256', 'p384', 'p521'] as const).map((id) => [
      id,
      async () => {
        const { curve, hash, bytes } = NIST[id]!;
        const k = await gen(id, { allowRawAgreement: true });
        const pub = await spkiKey(k.id); // node has no P-224 JWK, so SPKI for all
        const sig = await sign(k.id, msg);
        expect(sig).toHaveLength(2 * bytes); // IEEE P1363 r||s
        expect(nodeVerify(hash, msg, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
        const der = await sign(k.id, msg, { format: 'der' });
        expect(nodeVerify(hash, msg, { key: pub, dsaEncoding: 'der' }, der)).toBe(true);
        const theirs = generateKeyPairSync('ec', { namedCurve: curve });
        const imported = await importKey({ format: 'spki', algorithm: id, data: b64u(theirs.publicKey.export({ format: 'der', type: 'spki' })) });
        expect(await verify(imported.id, msg, nodeSign(hash, msg, { key: theirs.privateKey, dsaEncoding: 'ieee-p1363' }))).toBe(true);
        // ECDH with node:crypto.
        const ecdh = createECDH(curve);
        ecdh.generateKeys();
        const r = await call<{ sharedSecret: string }>('crypto.agree', { id: k.id, peerPublicKey: b64u(ecdh.getPublicKey()), raw: true });
        const expected = ecdh.computeSecret(raw(k));
        expect(unb64u(r.sharedSecret)).toEqual(expected);
        const stored = await call<{ key: KeyInfo }>('crypto.agree', { id: k.id, peerPublicKey: b64u(ecdh.getPublicKey(null, 'compressed')), derive: DERIVE });
        await expectStoredAesKey(stored.key.id, hkdf(expected));
        if (id === 'p256') expect(k.extra?.didKey).toMatch(/^did:key:zDn/);
      },
    ]),
  ) as Record<'p224' | 'p256' | 'p384' | 'p521', () => Promise<void>>,

  ...Object.fromEntries(
    (['rsa-2048', 'rsa-3072', 'rsa-4096'] as const).map((id) => [
      id,
      async () => {
        const bits = Number(id.slice(4));
        const k = await gen(id, { exportable: true });
        const pub = await spkiKey(k.id);
        expect(pub.asymmetricKeyDetails?.modulusLength).toBe(bits);
        expect(createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' }).equals(pub)).toBe(true);
        const pss = await sign(k.id, msg);
        expect(nodeVerify('sha256', msg, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss)).toBe(true);
        const pkcs1 = await sign(k.id, msg, { scheme: 'pkcs1' });
        expect(nodeVerify('sha256', msg, pub, pkcs1)).toBe(true);
        const priv = createPrivateKey({ key: await exportPrivate(k.id, 'pkcs8'), format: 'der', type: 'pkcs8' });
        expect(pkcs1).toEqual(nodeSign('sha256', msg, priv)); // PKCS#1 v1.5 is deterministic
        // OAEP (SHA-256, MGF1-SHA-256; aad is the label) both ways.
        const label = Buffer.from('label');
        const sealed = await encrypt(k.id, msg, { aad: b64u(label) });
        expect(sealed.mode).toBe('oaep');
        expect(privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, unb64u(sealed.ciphertext))).toEqual(msg);
        const theirs = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, msg);
        expect(await decrypt(k.id, { ciphertext: theirs }, { mode: 'oaep' })).toEqual(msg);
      },
    ]),
  ) as Record<'rsa-2048' | 'rsa-3072' | 'rsa-4096', () => Promise<void>>,

  ...Object.fromEntries(
    (['aes-128', 'aes-256'] as const).map((id) => [
      id,
      async () => {
        const bits = Number(id.slice(4));
        const k = await gen(id, { exportable: true });
        expect(k.publicKey).toBeUndefined();
        const key = await exportPrivate(k.id);
        expect(key).toHaveLength(bits / 8);
        // GCM (the default): 12-byte IV, 16-byte tag, aad.
        const aad = Buffer.from('record 7');
        const g = await encrypt(k.id, msg, { aad: b64u(aad) });
        expect(g).toMatchObject({ mode: 'gcm', version: 1 });
        const d = createDecipheriv(`aes-${bits}-gcm` as CipherGCMTypes, key, unb64u(g.iv!));
        d.setAAD(aad);
        d.setAuthTag(unb64u(g.tag!));
        expect(Buffer.concat([d.update(unb64u(g.ciphertext)), d.final()])).toEqual(msg);
        const iv = randomBytes(12);
        const c = createCipheriv(`aes-${bits}-gcm` as CipherGCMTypes, key, iv);
        c.setAAD(aad);
        const ct = Buffer.concat([c.update(msg), c.final()]);
        expect(await decrypt(k.id, { ciphertext: ct, iv, tag: c.getAuthTag() }, { aad: b64u(aad) })).toEqual(msg);
        // CBC (PKCS#7), CTR and ECB (legacy, explicit): node:crypto opens what the KMS sealed, and the reverse.
        for (const mode of ['cbc', 'ctr', 'ecb'] as const) {
          const s = await encrypt(k.id, msg, { mode });
          const dec = createDecipheriv(`aes-${bits}-${mode}`, key, mode === 'ecb' ? null : unb64u(s.iv!));
          expect(Buffer.concat([dec.update(unb64u(s.ciphertext)), dec.final()]), mode).toEqual(msg);
          const iv16 = mode === 'ecb' ? null : randomBytes(16);
          const enc = createCipheriv(`aes-${bits}-${mode}`, key, iv16);
          const theirs = Buffer.concat([enc.update(msg), enc.final()]);
          expect(await decrypt(k.id, { ciphertext: theirs, ...(iv16 ? { iv: iv16 } : {}) }, { mode }), mode).toEqual(msg);
        }
        // Key wrap KW (RFC 3394) and KWP (RFC 5649) of another key: node:crypto unwraps. A key that wraps does
        // nothing else (usage separation), so the same bytes come in again as a wrap-only key.
        expect(k.purposes).toEqual(['encrypt', 'decrypt']);
        const kek = await importKey({ format: 'raw', algorithm: id, data: b64u(key), purposes: ['wrap', 'unwrap'] });
        const inner = await gen('hmac-sha384', { exportable: true });
        const innerBytes = await exportPrivate(inner.id);
        for (const [mode, cipher, iv] of [
          ['kw', `id-aes${bits}-wrap`, 'a6a6a6a6a6a6a6a6'],
          ['kwp', `id-aes${bits}-wrap-pad`, 'a65959a6'],
        ] as const) {
          const w = await call<{ wrapped: string; algorithm: string }>('crypto.wrapKey', { id: kek.id, keyId: inner.id, mode });
          expect(w.algorithm).toBe('hmac-sha384');
          const u = createDecipheriv(cipher, key, Buffer.from(iv, 'hex'));
          expect(Buffer.concat([u.update(unb64u(w.wrapped)), u.final()]), mode).toEqual(innerBytes);
        }
      },
    ]),
  ) as Record<'aes-128' | 'aes-256', () => Promise<void>>,

  ...Object.fromEntries(
    (['hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const).map((id) => [
      id,
      async () => {
        const hash = id.slice(5);
        const k = await gen(id, { exportable: true });
        const key = await exportPrivate(k.id);
        expect(key).toHaveLength(Number(hash.slice(3)) / 8);
        const { mac } = await call<{ mac: string }>('crypto.mac', { id: k.id, data: b64u(msg) });
        const expected = createHmac(hash, key).update(msg).digest();
        expect(unb64u(mac)).toEqual(expected);
        expect((await call<{ valid: boolean }>('crypto.macVerify', { id: k.id, data: b64u(msg), mac: b64u(expected) })).valid).toBe(true);
        const wrong = Buffer.from(expected);
        wrong[0]! ^= 1;
        expect((await call<{ valid: boolean }>('crypto.macVerify', { id: k.id, data: b64u(msg), mac: b64u(wrong) })).valid).toBe(false);
      },
    ]),
  ) as Record<'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512', () => Promise<void>>,

  'chacha20-poly1305': async () => {
    const k = await gen('chacha20-poly1305', { exportable: true });
    const key = await exportPrivate(k.id);
    const aad = Buffer.from('hdr');
    const s = await encrypt(k.id, msg, { aad: b64u(aad) });
    expect(s.mode).toBe('chacha20-poly1305');
    expect(unb64u(s.iv!)).toHaveLength(12);
    const d = createDecipheriv('chacha20-poly1305', key, unb64u(s.iv!), { authTagLength: 16 });
    d.setAAD(aad, { plaintextLength: msg.length });
    d.setAuthTag(unb64u(s.tag!));
    expect(Buffer.concat([d.update(unb64u(s.ciphertext)), d.final()])).toEqual(msg);
    const iv = randomBytes(12);
    const c = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: msg.length });
    const ct = Buffer.concat([c.update(msg), c.final()]);
    expect(await decrypt(k.id, { ciphertext: ct, iv, tag: c.getAuthTag() }, { aad: b64u(aad) })).toEqual(msg);
  },

  'xchacha20-poly1305': async () => {
    const k = await gen('xchacha20-poly1305', { exportable: true });
    const key = await exportPrivate(k.id);
    const aad = Buffer.from('hdr');
    const s = await encrypt(k.id, msg, { aad: b64u(aad) });
    expect(s.mode).toBe('xchacha20-poly1305');
    const nonce = unb64u(s.iv!);
    expect(nonce).toHaveLength(24);
    const sealed = Buffer.concat([unb64u(s.ciphertext), unb64u(s.tag!)]);
    expect(Buffer.from(xchacha20poly1305(key, nonce, aad).decrypt(sealed))).toEqual(msg);
    const n2 = randomBytes(24);
    const theirs = xchacha20poly1305(key, n2, aad).encrypt(msg);
    const out = await decrypt(k.id, { ciphertext: theirs.subarray(0, -16), iv: n2, tag: theirs.subarray(-16) }, { aad: b64u(aad) });
    expect(out).toEqual(msg);
  },

  ...Object.fromEntries(
    (['ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87'] as const).map((id) => [
      id,
      async () => {
        const noble = ML_DSA[id];
        const k = await gen(id, { exportable: true });
        const pub = raw(k);
        expect(pub).toHaveLength(noble.lengths.publicKey!);
        const context = Buffer.from('openwallet');
        const sig = await sign(k.id, msg, { context: b64u(context) });
        expect(noble.verify(sig, msg, pub, { context })).toBe(true);
        expect(noble.verify(sig, msg, pub)).toBe(false); // the context is part of what was signed
        // The exported private JWK holds the FIPS 204 seed; noble's keys from it sign what the KMS verifies.
        const jwk = await exportJwk(k.id, true);
        expect(jwk).toMatchObject({ kty: 'AKP', alg: id.toUpperCase(), pub: k.publicKey!.raw });
        const { secretKey, publicKey } = noble.keygen(unb64u(jwk.priv!));
        expect(Buffer.from(publicKey)).toEqual(pub);
        expect(await verify(k.id, msg, noble.sign(msg, secretKey, { context }), { context: b64u(context) })).toBe(true);
        expect(await verify(k.id, msg, noble.sign(msg, secretKey), { context: b64u(context) })).toBe(false);
      },
    ]),
  ) as Record<'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87', () => Promise<void>>,

  'ml-kem-768': async () => {
    const k = await gen('ml-kem-768', { exportable: true, allowRawAgreement: true });
    const pub = raw(k);
    expect(pub).toHaveLength(ml_kem768.lengths.publicKey!);
    const { secretKey } = ml_kem768.keygen(unb64u((await exportJwk(k.id, true)).priv!));
    // The KMS encapsulates to its key; noble decapsulates with the exported seed's secret key.
    const enc = await call<{ ciphertext: string; key: KeyInfo }>('crypto.encapsulate', { id: k.id, derive: DERIVE });
    const ss = ml_kem768.decapsulate(unb64u(enc.ciphertext), secretKey);
    await expectStoredAesKey(enc.key.id, hkdf(ss));
    // noble encapsulates to the KMS's public key; the KMS decapsulates to the same stored key and raw secret.
    const theirs = ml_kem768.encapsulate(pub);
    const dec = await call<{ key: KeyInfo }>('crypto.decapsulate', { id: k.id, ciphertext: b64u(theirs.cipherText), derive: DERIVE });
    await expectStoredAesKey(dec.key.id, hkdf(theirs.sharedSecret));
    const rawSecret = await call<{ sharedSecret: string }>('crypto.decapsulate', { id: k.id, ciphertext: b64u(theirs.cipherText), raw: true });
    expect(unb64u(rawSecret.sharedSecret)).toEqual(Buffer.from(theirs.sharedSecret));
    // The KMS's own encapsulation, decapsulated by the KMS (default derive): A seals, B opens.
    const own = await call<{ ciphertext: string; key: KeyInfo }>('crypto.encapsulate', { id: k.id });
    const back = await call<{ key: KeyInfo }>('crypto.decapsulate', { id: k.id, ciphertext: own.ciphertext });
    expect(own.key.algorithm).toBe('aes-256');
    const s = await encrypt(own.key.id, msg);
    expect(await decrypt(back.key.id, s)).toEqual(msg);
  },

  'hd-seed': async () => {
    const k = await gen('hd-seed', { exportable: true, words: 12, bip39Passphrase: 'hd test' });
    expect(k.publicKey).toBeUndefined();
    expect(k.purposes).toEqual(['derive']);
    const { mnemonic } = await call<{ mnemonic: string }>('keys.export', { id: k.id, format: 'mnemonic', private: true });
    expect(mnemonic.split(' ')).toHaveLength(12);
    const seed = mnemonicToSeedSync(mnemonic, 'hd test');
    const path = "m/44'/60'/0'/0/0";
    const child = await call<KeyInfo>('keys.derive', { id: k.id, path });
    expect(child).toMatchObject({ algorithm: 'secp256k1', derivation: { parentId: k.id, path } });
    const node = HDKey.fromMasterSeed(seed).derive(path);
    expect(raw(child)).toEqual(Buffer.from(node.publicKey!));
    expect(child.extra!.ethereumAddress).toBe(addr.fromPublicKey(node.publicKey!));
    expect(child.extra!.ethereumAddress).toBe(addr.fromPrivateKey(node.privateKey!));
    const sig = await sign(child.id, msg);
    expect(Buffer.from(sig)).toEqual(Buffer.from(secp256k1.sign(msg, node.privateKey!))); // RFC 6979: same bytes
    const edPath = "m/44'/501'/0'/0'";
    const edChild = await call<KeyInfo>('keys.derive', { id: k.id, path: edPath, child: 'ed25519' });
    expect(edChild).toMatchObject({ algorithm: 'ed25519', derivation: { path: edPath } });
    expect(raw(edChild)).toEqual(slip10Ed25519(seed, edPath).publicKey);
  },
};

describe('every algorithm id through the KMS, checked outside it', () => {
  it('the table covers exactly ALGORITHM_IDS', () => {
    expect(Object.keys(CHECKS).sort()).toEqual([...ALGORITHM_IDS].sort());
  });
  it.each([...ALGORITHM_IDS])('%s', async (id) => {
    await CHECKS[id]();
  }, 60_000);
});

describe('every algorithm id with the key cache off (keyCacheMs 0: each operation loads, uses and zeroizes its key)', () => {
  // The same checks against a second KMS whose decrypted keys are never kept: a prepared handle that still points
  // at the zeroized bytes (noble-based specs keep the raw key) would sign, encrypt or derive with zeros here.
  let cached: TestKms;
  beforeAll(async () => {
    cached = kms;
    kms = await startInitializedKms({ keyCacheMs: 0, timeoutMs: 120_000 });
  });
  afterAll(async () => {
    const noCache = kms;
    kms = cached;
    await noCache.stop();
    removeDir(noCache.dir);
  });
  it.each([...ALGORITHM_IDS])('%s', async (id) => {
    await CHECKS[id]();
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Official vectors through import.

describe('vectors through keys.import', () => {
  it('RFC 8032 section 7.1 tests 1-3 (Ed25519): imported as jwk and pkcs8, signatures equal the RFC', async () => {
    const vectors = [
      ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '', 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
      ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72', '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
      ['c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82', '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
    ];
    for (const [d, x, m, s] of vectors) {
      const h = (v: string) => Buffer.from(v!, 'hex');
      const viaJwk = await importKey({ format: 'jwk', data: { kty: 'OKP', crv: 'Ed25519', d: b64u(h(d!)), x: b64u(h(x!)) } });
      const viaPkcs8 = await importKey({ format: 'pkcs8', algorithm: 'ed25519', data: b64u(Buffer.concat([h('302e020100300506032b657004220420'), h(d!)])) });
      expect(viaJwk.publicKey!.raw).toBe(b64u(h(x!)));
      expect(viaPkcs8.publicKey!.raw).toBe(b64u(h(x!)));
      expect((await sign(viaJwk.id, h(m!))).toString('hex')).toBe(s);
      expect((await sign(viaPkcs8.id, h(m!))).toString('hex')).toBe(s);
      expect(await verify(viaJwk.id, h(m!), h(s!))).toBe(true);
    }
  });

  it("RFC 6979 on secp256k1: d = 1, 'Satoshi Nakamoto' (the bitcoinjs-lib / python-ecdsa fixture), and noble's output on random keys", async () => {
    const G = secp256k1.Point.BASE.toBytes(false);
    const one = Buffer.alloc(32);
    one[31] = 1;
    const k1 = await importKey({ format: 'jwk', data: { kty: 'EC', crv: 'secp256k1', x: b64u(G.subarray(1, 33)), y: b64u(G.subarray(33)), d: b64u(one) } });
    const text = Buffer.from('Satoshi Nakamoto');
    expect((await sign(k1.id, text)).toString('hex')).toBe(
      '934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5',
    );
    for (let i = 0; i < 4; i++) {
      const d = secp256k1.utils.randomSecretKey();
      const pkcs8 = createPrivateKey({ key: { kty: 'EC', crv: 'secp256k1', d: b64u(d), x: b64u(secp256k1.getPublicKey(d, false).subarray(1, 33)), y: b64u(secp256k1.getPublicKey(d, false).subarray(33)) }, format: 'jwk' }).export({ format: 'der', type: 'pkcs8' });
      const k = await importKey({ format: 'pkcs8', algorithm: 'secp256k1', data: b64u(pkcs8) });
      const m = randomBytes(50);
      expect(await sign(k.id, m)).toEqual(Buffer.from(secp256k1.sign(m, d)));
      expect(await sign(k.id, m, { format: 'der' })).toEqual(Buffer.from(secp256k1.sign(m, d, { format: 'der' })));
    }
  });

  it('BIP39 English vectors (Trezor, passphrase TREZOR) through keys.import mnemonic: BIP32 keys equal the vector seed and root xprv', async () => {
    const paths = ['m', "m/0'", "m/44'/0'/0'/0/0", "m/44'/60'/0'/0/7", "m/0/2147483647'/1"];
    for (const [, mnemonic, seedHex, xprv] of [BIP39_ENGLISH[0]!, BIP39_ENGLISH[3]!, BIP39_ENGLISH[BIP39_ENGLISH.length - 1]!]) {
      const seed = Buffer.from(seedHex, 'hex');
      expect(Buffer.from(mnemonicToSeedSync(mnemonic, BIP39_PASSPHRASE))).toEqual(seed);
      const root = HDKey.fromExtendedKey(xprv);
      expect(Buffer.from(HDKey.fromMasterSeed(seed).privateKey!)).toEqual(Buffer.from(root.privateKey!));
      const k = await importKey({ format: 'mnemonic', data: mnemonic, bip39Passphrase: BIP39_PASSPHRASE });
      expect(k.algorithm).toBe('hd-seed');
      for (const path of paths) {
        const child = await call<KeyInfo>('keys.derive', { id: k.id, path });
        expect(raw(child), `${mnemonic.slice(0, 20)} ${path}`).toEqual(Buffer.from(root.derive(path).publicKey!));
      }
      // Without the passphrase it is another wallet.
      const bare = await importKey({ format: 'mnemonic', data: mnemonic });
      const other = await call<KeyInfo>('keys.derive', { id: bare.id, path: 'm' });
      expect(raw(other)).not.toEqual(Buffer.from(root.publicKey!));
    }
  });

  it('SLIP-10 ed25519: the test-side implementation meets the SLIP-10 vectors, then agrees with keys.derive on a mnemonic', async () => {
    for (const v of SLIP10_ED25519) {
      for (const [path, chain, key, pub] of v.chain) {
        const got = slip10Ed25519(Buffer.from(v.seed, 'hex'), path);
        expect([got.chain.toString('hex'), got.key.toString('hex'), '00' + got.publicKey.toString('hex')]).toEqual([chain, key, pub]);
      }
    }
    const [, mnemonic, seedHex] = BIP39_ENGLISH[1]!;
    const k = await importKey({ format: 'mnemonic', data: mnemonic, bip39Passphrase: BIP39_PASSPHRASE });
    for (const path of ["m/0'", "m/44'/501'/0'/0'", "m/0H/1H/2H/2H/1000000000H"]) {
      const child = await call<KeyInfo>('keys.derive', { id: k.id, path, child: 'ed25519' });
      expect(child.algorithm).toBe('ed25519');
      const expected = slip10Ed25519(Buffer.from(seedHex, 'hex'), path);
      expect(raw(child)).toEqual(expected.publicKey);
      // The child signs what node:crypto verifies with the independently derived key, byte for byte.
      const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), expected.key]), format: 'der', type: 'pkcs8' });
      expect(await sign(child.id, msg)).toEqual(nodeSign(null, msg, priv));
    }
  });

  it('EIP-191 personal_sign and EIP-55: the same bytes as micro-eth-signer, which recovers the KeyInfo address', async () => {
    const d = secp256k1.utils.randomSecretKey();
    const P = secp256k1.getPublicKey(d, false);
    const k = await importKey({ format: 'jwk', data: { kty: 'EC', crv: 'secp256k1', x: b64u(P.subarray(1, 33)), y: b64u(P.subarray(33)), d: b64u(d) } });
    expect(k.extra!.ethereumAddress).toBe(addr.fromPrivateKey(d));
    expect(addr.isValid(k.extra!.ethereumAddress!)).toBe(true); // EIP-55 checksum
    for (const text of ['hello world', '', '\u00e9\u00e8 unicode']) {
      const m = Buffer.from(text);
      const sig = await sign(k.id, m, { scheme: 'eip191' });
      expect('0x' + sig.toString('hex')).toBe(eip191Signer.sign(m, d, false));
      expect(eip191Signer.recoverAddress('0x' + sig.toString('hex'), m)).toBe(k.extra!.ethereumAddress);
      expect(await verify(k.id, m, sig, { scheme: 'eip191' })).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. JWS compact signatures, verified by node:crypto over the signing input.

describe('crypto.signJws', () => {
  it.each([
    ['EdDSA', 'ed25519', null, {}],
    ['ES256', 'p256', 'sha256', { dsaEncoding: 'ieee-p1363' }],
    ['ES256K', 'secp256k1', 'sha256', { dsaEncoding: 'ieee-p1363' }],
    ['ES384', 'p384', 'sha384', { dsaEncoding: 'ieee-p1363' }],
    ['PS256', 'rsa-2048', 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
  ] as const)('%s with a %s key', async (alg, algorithm, hash, opts) => {
    const k = await gen(algorithm);
    const pub = await spkiKey(k.id);
    const payload = Buffer.from(JSON.stringify({ iss: 'did:example:123', n: 7 }));
    for (const header of [undefined, { alg, kid: 'key-1', typ: 'JWT' }]) {
      const { jws } = await call<{ jws: string }>('crypto.signJws', { id: k.id, payload: b64u(payload), ...(header ? { header } : {}) });
      const [h, p, s] = jws.split('.');
      expect(JSON.parse(unb64u(h!).toString())).toEqual(header ?? { alg });
      expect(unb64u(p!)).toEqual(payload);
      expect(nodeVerify(hash, Buffer.from(`${h}.${p}`), { key: pub, ...opts }, unb64u(s!))).toBe(true);
    }
    // The header's alg must fit the key.
    const wrong = alg === 'EdDSA' ? 'ES256' : 'EdDSA';
    expect(await kindOf(call('crypto.signJws', { id: k.id, payload: b64u(payload), header: { alg: wrong } }))).toBe('INVALID_REQUEST');
    expect(await kindOf(call('crypto.signJws', { id: k.id, payload: b64u(payload), header: { alg: 'none' } }))).toBe('UNSUPPORTED');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 4. Keys that move: wrap/unwrap, wrapped export to a second keystore.

describe('wrapKey / unwrapKey and wrapped export', () => {
  it('AES-KW, AES-KWP and RSA-OAEP round trips give keys that do the same thing', async () => {
    const aes = await gen('aes-256', { purposes: ['wrap', 'unwrap'] });
    const rsa = await gen('rsa-2048', { purposes: ['wrap', 'unwrap'] });
    const ed = await gen('ed25519');
    const data = await gen('aes-128');
    const hmac = await gen('hmac-sha512');
    const secp = await gen('secp256k1');
    const cases = [
      { wrapper: aes.id, mode: 'kw', key: ed, alg: 'ed25519' },
      { wrapper: aes.id, mode: 'kwp', key: secp, alg: 'secp256k1' },
      { wrapper: aes.id, mode: 'kw', key: hmac, alg: 'hmac-sha512' },
      { wrapper: rsa.id, mode: 'oaep', key: data, alg: 'aes-128' },
      { wrapper: rsa.id, mode: undefined, key: ed, alg: 'ed25519' },
    ] as const;
    for (const c of cases) {
      const w = await call<{ wrapped: string; algorithm: string }>('crypto.wrapKey', { id: c.wrapper, keyId: c.key.id, ...(c.mode ? { mode: c.mode } : {}) });
      expect(w.algorithm).toBe(c.alg);
      const u = await call<KeyInfo>('crypto.unwrapKey', { id: c.wrapper, wrapped: w.wrapped, algorithm: c.alg, ...(c.mode ? { mode: c.mode } : {}) });
      expect(u).toMatchObject({ algorithm: c.alg, exportable: false });
      expect(u.id).not.toBe(c.key.id);
      if (c.key.publicKey) expect(u.publicKey!.raw).toBe(c.key.publicKey.raw);
      if (c.alg === 'ed25519' || c.alg === 'secp256k1') expect(await sign(u.id, msg)).toEqual(await sign(c.key.id, msg)); // deterministic
      if (c.alg === 'aes-128') expect(await decrypt(u.id, await encrypt(c.key.id, msg))).toEqual(msg);
      if (c.alg === 'hmac-sha512') {
        const a = await call<{ mac: string }>('crypto.mac', { id: u.id, data: b64u(msg) });
        expect(a).toEqual(await call('crypto.mac', { id: c.key.id, data: b64u(msg) }));
      }
    }
    // A tampered wrapping fails authentication; a wrong algorithm for the bytes is refused.
    const w = await call<{ wrapped: string }>('crypto.wrapKey', { id: aes.id, keyId: ed.id });
    const bad = unb64u(w.wrapped);
    bad[3]! ^= 1;
    expect(await kindOf(call('crypto.unwrapKey', { id: aes.id, wrapped: b64u(bad), algorithm: 'ed25519' }))).toBe('INVALID_REQUEST');
    expect(await kindOf(call('crypto.unwrapKey', { id: aes.id, wrapped: w.wrapped, algorithm: 'rsa-2048' }))).toBe('INVALID_REQUEST');
  });

  it.each(ALGORITHM_IDS.filter((a) => !a.startsWith('rsa-')))('%s: a key wrapped with AES-KWP unwraps to the same key', async (alg) => {
    // RSA keys are wrapped in the round trips above and below (their PKCS#8 also fits KWP); each other id here.
    const kek = await gen('aes-256', { purposes: ['wrap', 'unwrap'] });
    const k = await gen(alg, alg === 'hd-seed' ? { words: 12 } : {});
    const w = await call<{ wrapped: string; algorithm: string }>('crypto.wrapKey', { id: kek.id, keyId: k.id, mode: 'kwp' });
    expect(w.algorithm).toBe(alg);
    const u = await call<KeyInfo>('crypto.unwrapKey', { id: kek.id, wrapped: w.wrapped, algorithm: alg, mode: 'kwp' });
    expect(u).toMatchObject({ algorithm: alg, purposes: k.purposes });
    expect(u.publicKey?.raw).toBe(k.publicKey?.raw);
    const data = b64u(msg);
    const same = async (method: string, params: Params, field: string) => {
      const a = await call<Record<string, string>>(method, { id: k.id, ...params });
      const b = await call<Record<string, string>>(method, { id: u.id, ...params });
      expect(b[field], `${alg} ${method}`).toBe(a[field]);
    };
    if (k.purposes.includes('mac')) await same('crypto.mac', { data }, 'mac');
    else if (k.purposes.includes('encrypt') && !k.publicKey) await same('crypto.encrypt', { data, iv: b64u(randomBytes(alg === 'xchacha20-poly1305' ? 24 : 12)) }, 'ciphertext');
    else if (k.purposes.includes('derive')) {
      const a = await call<KeyInfo>('keys.derive', { id: k.id, path: "m/1'/2" });
      const b = await call<KeyInfo>('keys.derive', { id: u.id, path: "m/1'/2" });
      expect(b.publicKey!.raw).toBe(a.publicKey!.raw);
    } else if (k.purposes.includes('sign')) {
      const sig = await sign(u.id, msg);
      expect(await verify(k.id, msg, sig)).toBe(true);
    } else if (k.purposes.includes('agree')) {
      const peer = await gen(alg);
      const a = await call<{ key: KeyInfo }>('crypto.agree', { id: k.id, peerPublicKey: peer.publicKey!.raw });
      const b = await call<{ key: KeyInfo }>('crypto.agree', { id: u.id, peerPublicKey: peer.publicKey!.raw });
      const iv = b64u(randomBytes(12));
      await expect(encrypt(b.key.id, msg, { iv })).resolves.toEqual(await encrypt(a.key.id, msg, { iv }));
    } else if (k.purposes.includes('decapsulate')) {
      const enc = await call<{ ciphertext: string; key: KeyInfo }>('crypto.encapsulate', { id: k.id });
      const dec = await call<{ key: KeyInfo }>('crypto.decapsulate', { id: u.id, ciphertext: enc.ciphertext });
      expect(await decrypt(dec.key.id, await encrypt(enc.key.id, msg))).toEqual(msg);
    } else throw new Error(`no check for ${alg}`);
  });

  it('keys.export wrapWith moves a key into a SECOND keystore, where it signs identically', async () => {
    const second = await startInitializedKms();
    try {
      // B owns the unwrapping key; A knows only its public part (a public-only import can wrap, not unwrap).
      const rsaB = await gen('rsa-2048', { purposes: ['wrap', 'unwrap'] }, second);
      const { data: spki } = await call<{ data: string }>('keys.export', { id: rsaB.id, format: 'spki' }, second);
      // A public-only import defaults to its data uses; a wrapping key is asked for as one (usage separation).
      expect((await importKey({ format: 'spki', algorithm: 'rsa-2048', data: spki })).purposes.sort()).toEqual(['encrypt', 'verify']);
      const rsaInA = await importKey({ format: 'spki', algorithm: 'rsa-2048', data: spki, purposes: ['wrap'] });
      expect(rsaInA.purposes).toEqual(['wrap']);
      const ed = await gen('ed25519'); // not exportable: it leaves only wrapped
      expect(await kindOf(call('keys.export', { id: ed.id, format: 'jwk', private: true }))).toBe('POLICY_DENIED');
      const out = await call<{ format: string; data: string; wrappedWith: string }>('keys.export', { id: ed.id, format: 'raw', wrapWith: rsaInA.id, mode: 'oaep' });
      expect(out).toMatchObject({ format: 'raw', wrappedWith: rsaInA.id });
      expect(await kindOf(call('crypto.unwrapKey', { id: rsaInA.id, wrapped: out.data, algorithm: 'ed25519' }))).toBe('POLICY_DENIED');
      const moved = await call<KeyInfo>('crypto.unwrapKey', { id: rsaB.id, wrapped: out.data, algorithm: 'ed25519', mode: 'oaep', label: 'moved' }, second);
      expect(moved.publicKey!.raw).toBe(ed.publicKey!.raw);
      expect(await sign(moved.id, msg, {}, second)).toEqual(await sign(ed.id, msg));
      // AES-KW between keystores too: the same KEK imported in both.
      const kek = randomBytes(32);
      const kekA = await importKey({ format: 'raw', algorithm: 'aes-256', data: b64u(kek), purposes: ['wrap'] });
      const kekB = await importKey({ format: 'raw', algorithm: 'aes-256', data: b64u(kek), purposes: ['unwrap'] }, second);
      const secp = await gen('secp256k1');
      const out2 = await call<{ data: string }>('keys.export', { id: secp.id, format: 'raw', wrapWith: kekA.id, mode: 'kw' });
      const moved2 = await call<KeyInfo>('crypto.unwrapKey', { id: kekB.id, wrapped: out2.data, algorithm: 'secp256k1', mode: 'kw' }, second);
      expect(await sign(moved2.id, msg, {}, second)).toEqual(await sign(secp.id, msg)); // RFC 6979
      expect(await kindOf(call('keys.export', { id: secp.id, format: 'jwk', wrapWith: kekA.id }))).toBe('INVALID_REQUEST');
    } finally {
      await second.stop();
      removeDir(second.dir);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 5. Rotation, agreement between parties, and the policies around secrets.

describe('keys.rotate and versioned ciphertexts', () => {
  it('v1 ciphertext decrypts after rotate with version 1; retired versions are NOT_FOUND', async () => {
    const k = await gen('aes-256');
    expect(k.version).toBe(1);
    const v1 = await encrypt(k.id, msg);
    expect(v1.version).toBe(1);
    const rotated = await call<KeyInfo>('keys.rotate', { id: k.id });
    expect(rotated.version).toBe(2);
    const v2 = await encrypt(k.id, msg);
    expect(v2.version).toBe(2);
    expect(await decrypt(k.id, v1, { version: 1 })).toEqual(msg);
    expect(await decrypt(k.id, v2)).toEqual(msg);
    expect(await decrypt(k.id, v2, { version: 2 })).toEqual(msg);
    expect(await kindOf(decrypt(k.id, v1))).toBe('INVALID_REQUEST'); // the current version cannot open it
    const chacha = await gen('xchacha20-poly1305');
    const c1 = await encrypt(chacha.id, msg);
    await call('keys.rotate', { id: chacha.id });
    expect(await decrypt(chacha.id, c1, { version: 1 })).toEqual(msg);

    // Old versions survive a policy update (the current secret is re-sealed) and a lock / unlock (nothing cached).
    await call('keys.update', { id: k.id, label: 'rotated', policy: { purposes: ['encrypt', 'decrypt'] } });
    await call('kms.lock', {});
    await call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await decrypt(k.id, v1, { version: 1 })).toEqual(msg);
    expect(await decrypt(k.id, v2)).toEqual(msg);
    expect(await kindOf(call('crypto.wrapKey', { id: k.id, keyId: (await gen('aes-128')).id }))).toBe('POLICY_DENIED');

    const r = await call<{ retired: number; versions: number[] }>('keys.retireVersions', { id: k.id, below: 2 });
    expect(r).toMatchObject({ retired: 1, versions: [2] });
    expect((await call<KeyInfo>('keys.get', { id: k.id })).version).toBe(2);
    expect(await kindOf(decrypt(k.id, v1, { version: 1 }))).toBe('NOT_FOUND');
    expect(await decrypt(k.id, v2)).toEqual(msg);
    expect(await kindOf(call('keys.retireVersions', { id: k.id, below: 3 }))).toBe('INVALID_REQUEST'); // the current one
    expect(await kindOf(call('keys.rotate', { id: (await gen('ed25519')).id }))).toBe('UNSUPPORTED');
  });
});

describe('crypto.agree between two parties', () => {
  it.each(['x25519', 'p256', 'p384', 'secp256k1'] as const)('%s: A and B derive the same stored aes-256 key (A encrypts, B decrypts)', async (alg) => {
    const a = await gen(alg);
    const b = await gen(alg);
    const ka = await call<{ key: KeyInfo; sharedSecret?: string }>('crypto.agree', { id: a.id, peerPublicKey: b.publicKey!.jwk! });
    const kb = await call<{ key: KeyInfo; sharedSecret?: string }>('crypto.agree', { id: b.id, peerPublicKey: a.publicKey!.raw });
    expect(ka.sharedSecret).toBeUndefined();
    expect(ka.key).toMatchObject({ algorithm: 'aes-256', exportable: false, derivation: { parentId: a.id, path: 'shared-secret' } });
    expect(kb.key.id).not.toBe(ka.key.id);
    const sealed = await encrypt(ka.key.id, msg, { aad: b64u('ctx') });
    expect(await decrypt(kb.key.id, sealed, { aad: b64u('ctx') })).toEqual(msg);
    // Another derive algorithm with salt/info: both sides still agree.
    const ha = await call<{ key: KeyInfo }>('crypto.agree', { id: a.id, peerPublicKey: b.publicKey!.raw, derive: { algorithm: 'hmac-sha256', info: b64u('i') } });
    const hb = await call<{ key: KeyInfo }>('crypto.agree', { id: b.id, peerPublicKey: a.publicKey!.raw, derive: { algorithm: 'hmac-sha256', info: b64u('i') } });
    const tag = await call<{ mac: string }>('crypto.mac', { id: ha.key.id, data: b64u(msg) });
    expect((await call<{ valid: boolean }>('crypto.macVerify', { id: hb.key.id, data: b64u(msg), mac: tag.mac })).valid).toBe(true);
  });

  it('raw agreement is POLICY_DENIED without allowRawAgreement; the policy is checked on the private key', async () => {
    const a = await gen('x25519');
    const b = await gen('x25519', { allowRawAgreement: true });
    expect(await kindOf(call('crypto.agree', { id: a.id, peerPublicKey: b.publicKey!.raw, raw: true }))).toBe('POLICY_DENIED');
    const ok = await call<{ sharedSecret: string }>('crypto.agree', { id: b.id, peerPublicKey: a.publicKey!.raw, raw: true });
    expect(unb64u(ok.sharedSecret)).toHaveLength(32);
    const kem = await gen('ml-kem-768');
    expect(await kindOf(call('crypto.encapsulate', { id: kem.id, raw: true }))).toBe('POLICY_DENIED');
    const p = await gen('p256');
    expect(await kindOf(call('crypto.agree', { id: p.id, peerPublicKey: (await gen('p256')).publicKey!.raw, raw: true }))).toBe('POLICY_DENIED');
  });
});

describe('export and import policies', () => {
  /** The private export formats each algorithm offers (and imports back); every other format is UNSUPPORTED. */
  const PRIVATE_FORMATS: Record<AlgorithmId, readonly ('jwk' | 'pkcs8' | 'raw')[]> = {
    ed25519: ['jwk', 'pkcs8'],
    x25519: ['jwk', 'pkcs8'],
    secp256k1: ['jwk', 'pkcs8'],
    p224: ['jwk', 'pkcs8'],
    p256: ['jwk', 'pkcs8'],
    p384: ['jwk', 'pkcs8'],
    p521: ['jwk', 'pkcs8'],
    'rsa-2048': ['jwk', 'pkcs8'],
    'rsa-3072': ['jwk', 'pkcs8'],
    'rsa-4096': ['jwk', 'pkcs8'],
    'aes-128': ['jwk', 'raw'],
    'aes-256': ['jwk', 'raw'],
    'hmac-sha256': ['jwk', 'raw'],
    'hmac-sha384': ['jwk', 'raw'],
    'hmac-sha512': ['jwk', 'raw'],
    'chacha20-poly1305': ['jwk', 'raw'],
    'xchacha20-poly1305': ['jwk', 'raw'],
    'ml-dsa-44': ['jwk'],
    'ml-dsa-65': ['jwk'],
    'ml-dsa-87': ['jwk'],
    'ml-kem-768': ['jwk'],
    'hd-seed': [],
  };

  it.each([...ALGORITHM_IDS])('%s: private exports import back as the same key; public exports as a public-only key', async (alg) => {
    const k = await gen(alg, { exportable: true, ...(alg === 'hd-seed' ? { words: 12 } : {}) });
    for (const format of ['jwk', 'pkcs8', 'raw', 'spki'] as const) {
      const out = call<{ jwk?: Record<string, string>; data?: string }>('keys.export', { id: k.id, format, private: true });
      if (!(PRIVATE_FORMATS[alg] as readonly string[]).includes(format)) {
        // Never a public form in place of the private key that was asked for.
        expect(await kindOf(out), `${alg} ${format}`).toBe('UNSUPPORTED');
        continue;
      }
      const exported = await out;
      const back = await importKey({ format, algorithm: alg, data: format === 'jwk' ? exported.jwk : exported.data });
      expect(back, `${alg} ${format}`).toMatchObject({ algorithm: alg, purposes: k.purposes });
      expect(back.publicKey?.raw).toBe(k.publicKey?.raw);
      if (!k.publicKey) {
        // A symmetric key: the same bytes make the same MAC or the same ciphertext under one IV.
        const data = b64u(msg);
        const op = k.purposes.includes('mac')
          ? (id: string) => call('crypto.mac', { id, data })
          : (id: string) => call('crypto.encrypt', { id, data, iv: b64u(Buffer.alloc(alg === 'xchacha20-poly1305' ? 24 : 12, 1)) });
        expect(await op(back.id)).toEqual(await op(k.id));
      }
    }
    for (const format of ['jwk', 'spki', 'raw'] as const) {
      const out = call<{ jwk?: Record<string, string>; data?: string }>('keys.export', { id: k.id, format });
      if (!k.publicKey) {
        expect(await kindOf(out), `${alg} public ${format}`).toBe('UNSUPPORTED');
        continue;
      }
      const exported = await out;
      if (format === 'jwk') expect(exported.jwk).toEqual(k.publicKey.jwk);
      if (format === 'raw') expect(exported.data).toBe(k.publicKey.raw);
      const imported = importKey({ format, algorithm: alg, data: format === 'jwk' ? exported.jwk : exported.data });
      if (alg === 'x25519') {
        expect(await kindOf(imported)).toBe('UNSUPPORTED'); // a public X25519 key alone can do nothing here
        continue;
      }
      expect((await imported).publicKey!.raw, `${alg} public ${format}`).toBe(k.publicKey.raw);
    }
  });

  it('a mnemonic leaves only as a private export of an exportable hd-seed', async () => {
    const locked = await gen('hd-seed');
    const open = await gen('hd-seed', { exportable: true });
    expect(await kindOf(call('keys.export', { id: locked.id, format: 'mnemonic', private: true }))).toBe('POLICY_DENIED');
    // Without private: true there is no "public" mnemonic to give: refused as UNSUPPORTED, for either key.
    expect(await kindOf(call('keys.export', { id: locked.id, format: 'mnemonic' }))).toBe('UNSUPPORTED');
    expect(await kindOf(call('keys.export', { id: open.id, format: 'mnemonic' }))).toBe('UNSUPPORTED');
    const { mnemonic } = await call<{ mnemonic: string; format: string }>('keys.export', { id: open.id, format: 'mnemonic', private: true });
    expect(mnemonic.split(' ')).toHaveLength(24);
    // The words restore the same wallet.
    const restored = await importKey({ format: 'mnemonic', data: mnemonic });
    const path = "m/84'/0'/0'/0/0";
    const a = await call<KeyInfo>('keys.derive', { id: open.id, path });
    const b = await call<KeyInfo>('keys.derive', { id: restored.id, path });
    expect(b.publicKey!.raw).toBe(a.publicKey!.raw);
    expect(b.extra!.bitcoinP2wpkh).toBe(a.extra!.bitcoinP2wpkh);
    // Other keys have no mnemonic, and a derived child of a non-exportable seed is not exportable either.
    const ed = await gen('ed25519', { exportable: true });
    expect(await kindOf(call('keys.export', { id: ed.id, format: 'mnemonic', private: true }))).toBe('UNSUPPORTED');
    const child = await call<KeyInfo>('keys.derive', { id: locked.id, path: "m/0'" });
    expect(child.exportable).toBe(false);
    expect(await kindOf(call('keys.export', { id: child.id, format: 'jwk', private: true }))).toBe('POLICY_DENIED');
  });

  it('the renderer cannot launder a requiresApproval key through wrap -> unwrap: it cannot wrap or unwrap at all', async () => {
    // DESIGN.md section 1: moving key material is never a renderer operation (keyPolicyThroughKms.test.ts has the
    // whole rule); a confirming caller (the app after its prompt, the CLI, tests) may, and the copy keeps the guard.
    const both = await startInitializedKms({ callers: ['test', 'ui'] });
    try {
      const ui = (method: string, params: Params) => both.client.callUnchecked(method, params, { caller: 'ui' });
      const guarded = await gen('ed25519', { requiresApproval: true }, both);
      expect(await kindOf(ui('crypto.sign', { id: guarded.id, data: b64u(msg) }))).toBe('APPROVAL_DENIED');
      const kek = (await ui('keys.generate', { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] })) as KeyInfo;
      expect(await kindOf(ui('crypto.wrapKey', { id: kek.id, keyId: guarded.id }))).toBe('POLICY_DENIED');
      expect(await kindOf(ui('keys.export', { id: guarded.id, format: 'raw', wrapWith: kek.id }))).toBe('POLICY_DENIED');
      const w = await call<{ wrapped: string }>('crypto.wrapKey', { id: kek.id, keyId: guarded.id }, both);
      const copy = await call<KeyInfo>('crypto.unwrapKey', { id: kek.id, wrapped: w.wrapped, algorithm: 'ed25519', requiresApproval: true }, both);
      expect(copy).toMatchObject({ requiresApproval: true, publicKey: { raw: guarded.publicKey!.raw } });
      const plain = (await ui('keys.generate', { algorithm: 'ed25519' })) as KeyInfo;
      expect(await kindOf(ui('crypto.wrapKey', { id: kek.id, keyId: plain.id }))).toBe('POLICY_DENIED');
    } finally {
      await both.stop();
      removeDir(both.dir);
    }
  });

  it('a public-only ml-kem-768 import encapsulates (the sender side of a KEM); the private key decapsulates', async () => {
    const k = await gen('ml-kem-768');
    const pub = await importKey({ format: 'raw', algorithm: 'ml-kem-768', data: k.publicKey!.raw });
    expect(pub.purposes).toEqual(['encapsulate']);
    const enc = await call<{ ciphertext: string; key: KeyInfo }>('crypto.encapsulate', { id: pub.id });
    const dec = await call<{ key: KeyInfo }>('crypto.decapsulate', { id: k.id, ciphertext: enc.ciphertext });
    expect(await decrypt(dec.key.id, await encrypt(enc.key.id, msg))).toEqual(msg);
    expect(await kindOf(call('crypto.decapsulate', { id: pub.id, ciphertext: enc.ciphertext }))).toBe('POLICY_DENIED');
    // A public-only X25519 key can do nothing (agreement needs the private key): refused at import.
    expect(await kindOf(importKey({ format: 'raw', algorithm: 'x25519', data: (await gen('x25519')).publicKey!.raw }))).toBe('UNSUPPORTED');
  });

  it('a public-only rsa-2048 import encrypts (OAEP) what the private key decrypts', async () => {
    const k = await gen('rsa-2048');
    const { data } = await call<{ data: string }>('keys.export', { id: k.id, format: 'spki' });
    const pub = await importKey({ format: 'spki', algorithm: 'rsa-2048', data });
    const sealed = await encrypt(pub.id, msg, { aad: b64u('label') });
    expect(await decrypt(k.id, sealed, { aad: b64u('label') })).toEqual(msg);
    expect(await kindOf(decrypt(pub.id, sealed))).toBe('POLICY_DENIED');
  });

  it.each([
    ['ed25519', 'raw'],
    ['p256', 'spki'],
    ['secp256k1', 'jwk'],
    ['rsa-2048', 'spki'],
    ['ml-dsa-44', 'raw'],
  ] as const)('a public-only %s import (%s) verifies but cannot sign', async (alg, format) => {
    const k = await gen(alg);
    const data = format === 'jwk' ? k.publicKey!.jwk : (await call<{ data: string }>('keys.export', { id: k.id, format })).data;
    const pub = await importKey({ format, algorithm: alg, data });
    expect(pub.purposes).not.toContain('sign');
    expect(pub.publicKey!.raw).toBe(k.publicKey!.raw);
    const sig = await sign(k.id, msg);
    expect(await verify(pub.id, msg, sig)).toBe(true);
    expect(await verify(pub.id, Buffer.from('other'), sig)).toBe(false);
    expect(await kindOf(call('crypto.sign', { id: pub.id, data: b64u(msg) }))).toBe('POLICY_DENIED');
    // Asking for a purpose a public key cannot have is refused at import.
    expect(await kindOf(importKey({ format, algorithm: alg, data, purposes: ['sign'] }))).toBe('UNSUPPORTED');
    expect(await kindOf(call('keys.export', { id: pub.id, format: 'jwk', private: true }))).toBe('POLICY_DENIED');
  });
});
