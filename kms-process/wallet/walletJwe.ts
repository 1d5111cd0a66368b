// The JWE of Universal Wallet 2020 locked contents as implementations write it: JSON serialization, one recipient
// with alg ECDH-ES+A256KW to an X25519 key derived from the password, enc XC20P (XChaCha20-Poly1305), the protected
// header as associated data. Primitives come from node:crypto (X25519, SHA-256, AES-KW) and @noble/ciphers
// (XChaCha20-Poly1305); the Concat KDF of RFC 7518 section 4.6.2 is the one composition written here.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { base58 } from '@scure/base';
import { KmsError } from '../api/errors.js';

const ALG = 'ECDH-ES+A256KW';
const ENC = 'XC20P';
// PKCS#8 of an X25519 private key: this fixed header then the 32 secret bytes (RFC 8410).
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface Jwe {
  protected: string;
  recipients: Array<{ header: { kid: string; alg: string; epk: { kty: string; crv: string; x: string }; apu: string; apv: string }; encrypted_key: string }>;
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface X25519Recipient {
  privateKey: KeyObject;
  publicRaw: Buffer;
  /** did:key of the public key and the key id inside it (`did#fingerprint`). */
  did: string;
  kid: string;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64u = (s: unknown, what: string): Buffer => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw new KmsError('INVALID_REQUEST', `the wallet's ${what} is not base64url`);
  return Buffer.from(s, 'base64url');
};

/** The X25519 key pair whose private scalar is `seed` (32 bytes), named as a did:key. */
export function x25519FromSeed(seed: Uint8Array): X25519Recipient {
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
  const publicRaw = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  const fingerprint = `z${base58.encode(Uint8Array.from([0xec, 0x01, ...publicRaw]))}`;
  const did = `did:key:${fingerprint}`;
  return { privateKey, publicRaw, did, kid: `${did}#${fingerprint}` };
}

/** Concat KDF (RFC 7518 4.6.2, NIST SP 800-56A) for a 256-bit key: SHA-256(1 || Z || AlgorithmID || PartyU || PartyV || 256). */
function concatKdf(z: Buffer, apu: Buffer, apv: Buffer): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const alg = Buffer.from(ALG);
  return createHash('sha256')
    .update(Buffer.concat([u32(1), z, u32(alg.length), alg, u32(apu.length), apu, u32(apv.length), apv, u32(256)]))
    .digest();
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
}

/** Encrypt `plaintext` to `to`; `header` joins `enc` in the protected (authenticated) header. */
export function lockJwe(plaintext: Uint8Array, to: X25519Recipient, header: Record<string, unknown> = {}): Jwe {
  const eph = generateKeyPairSync('x25519');
  const epkRaw = rawPublic(eph.privateKey);
  const apu = epkRaw;
  const apv = Buffer.from(to.kid);
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: createPublicKey(to.privateKey) });
  const kek = concatKdf(z, apu, apv);
  const cek = randomBytes(32);
  try {
    const wrap = createCipheriv('id-aes256-wrap', kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
    const protectedB64 = b64u(Buffer.from(JSON.stringify({ ...header, enc: ENC })));
    const iv = randomBytes(24);
    const sealed = xchacha20poly1305(cek, iv, Buffer.from(protectedB64, 'ascii')).encrypt(plaintext);
    return {
      protected: protectedB64,
      recipients: [{ header: { kid: to.kid, alg: ALG, epk: { kty: 'OKP', crv: 'X25519', x: b64u(epkRaw) }, apu: b64u(apu), apv: b64u(apv) }, encrypted_key: b64u(encryptedKey) }],
      iv: b64u(iv),
      ciphertext: b64u(sealed.subarray(0, sealed.length - 16)),
      tag: b64u(sealed.subarray(sealed.length - 16)),
    };
  } finally {
    cek.fill(0);
    kek.fill(0);
    z.fill(0);
  }
}

/** The protected header of a JWE (read before the key is derived; authenticated by the decryption after). */
export function jweHeader(jwe: unknown): Record<string, unknown> {
  const p = (jwe as { protected?: unknown } | null)?.protected;
  try {
    const h: unknown = JSON.parse(unb64u(p, 'protected header').toString('utf8'));
    if (h && typeof h === 'object' && !Array.isArray(h)) return h as Record<string, unknown>;
  } catch {
    // below
  }
  throw new KmsError('INVALID_REQUEST', "the wallet's JWE protected header is unreadable");
}

/** Decrypt with `me`; a wrong password (another key) and a tampered JWE are both WRONG_SECRET-or-INVALID. */
export function unlockJwe(jwe: unknown, me: X25519Recipient): Buffer {
  const j = jwe as Partial<Jwe> | null;
  if (jweHeader(j).enc !== ENC) throw new KmsError('UNSUPPORTED', `wallet contents encrypted with enc other than ${ENC}`);
  const r = Array.isArray(j?.recipients) ? j!.recipients.find((x) => x?.header?.alg === ALG && x.header.epk?.crv === 'X25519') : undefined;
  if (!r) throw new KmsError('UNSUPPORTED', `the wallet has no ${ALG} X25519 recipient`);
  const epk = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: unb64u(r.header.epk.x, 'epk').toString('base64url') }, format: 'jwk' });
  const z = diffieHellman({ privateKey: me.privateKey, publicKey: epk });
  const kek = concatKdf(z, unb64u(r.header.apu, 'apu'), unb64u(r.header.apv, 'apv'));
  let cek: Buffer;
  try {
    const unwrap = createDecipheriv('id-aes256-wrap', kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    cek = Buffer.concat([unwrap.update(unb64u(r.encrypted_key, 'encrypted key')), unwrap.final()]);
  } catch {
    // AES-KW's integrity check: the key derived from this password is not the one the wallet was locked to.
    throw new KmsError('WRONG_SECRET', 'the password does not unlock this wallet');
  } finally {
    kek.fill(0);
    z.fill(0);
  }
  try {
    const iv = unb64u(j!.iv, 'iv');
    if (iv.length !== 24) throw new KmsError('INVALID_REQUEST', "the wallet's XC20P nonce is not 24 bytes");
    const sealed = Buffer.concat([unb64u(j!.ciphertext, 'ciphertext'), unb64u(j!.tag, 'tag')]);
    return Buffer.from(xchacha20poly1305(cek, iv, Buffer.from(String(j!.protected), 'ascii')).decrypt(sealed));
  } catch (e) {
    if (e instanceof KmsError) throw e;
    throw new KmsError('TAMPERED', 'the wallet contents failed authentication');
  } finally {
    cek.fill(0);
  }
}
