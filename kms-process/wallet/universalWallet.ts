// Universal Wallet 2020 locking: the wallet's contents as one JWE inside an EncryptedWallet credential
// (https://w3id.org/wallet/v1), encrypted to an X25519 key derived from the password. Ours derives it with Argon2id
// and a random salt, the parameters in the JWE's protected header (so they are authenticated); Transmute's
// @transmute/universal-wallet derives it with PBKDF2-SHA256, 100,000 rounds and the fixed salt "salt": both unlock here.
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { KmsError } from '../api/errors.js';
import { jweHeader, lockJwe, unlockJwe, x25519FromSeed } from './walletJwe.js';

export const WALLET_CONTEXT = 'https://w3id.org/wallet/v1';
const CREDENTIALS_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

/** Argon2id for wallet passwords: the keystore passphrase's cost (about 125 ms here), with floors and ceilings. */
export const WALLET_ARGON2 = { m: 64 * 1024, t: 3, p: 4 } as const;
const FLOOR = { m: 19 * 1024, t: 2, p: 1 } as const;
const CEILING = { m: 1024 * 1024, t: 32, p: 16 } as const;

interface Argon2Kdf {
  alg: 'argon2id';
  salt: string;
  m: number;
  t: number;
  p: number;
}

export type WalletItem = Record<string, unknown>;

async function argon2Seed(password: string, kdf: Argon2Kdf): Promise<Buffer> {
  const salt = Buffer.from(kdf.salt, 'base64url');
  const ok = (n: unknown, lo: number, hi: number) => Number.isInteger(n) && (n as number) >= lo && (n as number) <= hi;
  if (salt.length < 16 || salt.length > 64 || !ok(kdf.m, FLOOR.m, CEILING.m) || !ok(kdf.t, FLOOR.t, CEILING.t) || !ok(kdf.p, FLOOR.p, CEILING.p)) {
    throw new KmsError('INVALID_REQUEST', 'the wallet names Argon2id parameters outside what this KMS accepts');
  }
  const pass = Buffer.from(password.normalize('NFC'), 'utf8');
  try {
    return await argon2.hash(pass, { type: argon2.argon2id, raw: true, salt, memoryCost: kdf.m, timeCost: kdf.t, parallelism: kdf.p, hashLength: 32 });
  } finally {
    pass.fill(0);
  }
}

/** Transmute's derivation (universal-wallet 0.6 passwordToKey): PBKDF2-SHA256, 100,000 rounds, salt "salt". */
function transmuteSeed(password: string): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from('salt'), 100_000, 32, 'sha256');
}

async function seedFor(password: string, jwe: unknown): Promise<Buffer> {
  const kdf = jweHeader(jwe).kdf as Argon2Kdf | undefined;
  if (kdf === undefined) return transmuteSeed(password);
  if (kdf?.alg !== 'argon2id' || typeof kdf.salt !== 'string') throw new KmsError('UNSUPPORTED', 'the wallet names a password derivation this KMS does not know');
  return argon2Seed(password, kdf);
}

async function open(password: string, jwe: unknown): Promise<unknown> {
  const seed = await seedFor(password, jwe);
  let plain: Buffer;
  try {
    plain = unlockJwe(jwe, x25519FromSeed(seed));
  } finally {
    seed.fill(0);
  }
  try {
    return JSON.parse(plain.toString('utf8'));
  } catch {
    throw new KmsError('INVALID_REQUEST', 'the unlocked wallet contents are not JSON');
  } finally {
    plain.fill(0);
  }
}

/** Lock `contents` into an EncryptedWallet credential. */
export async function lockWallet(password: string, contents: WalletItem[]): Promise<Record<string, unknown>> {
  const kdf: Argon2Kdf = { alg: 'argon2id', salt: randomBytes(16).toString('base64url'), ...WALLET_ARGON2 };
  const seed = await argon2Seed(password, kdf);
  const plain = Buffer.from(JSON.stringify({ contents }), 'utf8');
  try {
    const me = x25519FromSeed(seed);
    return {
      '@context': [CREDENTIALS_CONTEXT, WALLET_CONTEXT],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential', 'EncryptedWallet'],
      issuer: me.did,
      issuanceDate: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      credentialSubject: { id: me.did, encryptedWalletContents: lockJwe(plain, me, { kdf }) },
    };
  } finally {
    seed.fill(0);
    plain.fill(0);
  }
}

function items(v: unknown): WalletItem[] {
  const list = (v as { contents?: unknown } | null)?.contents;
  if (!Array.isArray(list) || list.some((x) => !x || typeof x !== 'object' || Array.isArray(x))) {
    throw new KmsError('INVALID_REQUEST', 'the unlocked wallet has no list of contents');
  }
  return list as WalletItem[];
}

/**
 * The contents of a locked wallet: an EncryptedWallet credential (ours or Transmute's exportContentsAsCredential), or
 * a Universal Wallet with status LOCKED whose contents are one JWE per item (Transmute's lockContents).
 */
export async function unlockWallet(password: string, wallet: Record<string, unknown>): Promise<WalletItem[]> {
  const type = wallet.type;
  if (Array.isArray(type) && type.includes('EncryptedWallet')) {
    const jwe = (wallet.credentialSubject as { encryptedWalletContents?: unknown } | undefined)?.encryptedWalletContents;
    if (!jwe || typeof jwe !== 'object') throw new KmsError('INVALID_REQUEST', 'the EncryptedWallet has no encryptedWalletContents');
    return items(await open(password, jwe));
  }
  if (wallet.status === 'LOCKED' && Array.isArray(wallet.contents)) {
    const out: WalletItem[] = [];
    for (const jwe of wallet.contents) {
      const item = await open(password, jwe);
      if (!item || typeof item !== 'object' || Array.isArray(item)) throw new KmsError('INVALID_REQUEST', 'a locked wallet item is not an object');
      out.push(item as WalletItem);
    }
    return out;
  }
  throw new KmsError('INVALID_REQUEST', 'not a locked Universal Wallet (an EncryptedWallet credential or a LOCKED wallet)');
}
